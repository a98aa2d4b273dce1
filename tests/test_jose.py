"""jose.py: base64url both ways, and the two RSA schemes against PyJWT."""

from __future__ import annotations

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from entraclient.jose import b64url_decode, b64url_encode, b64url_json, rsa_sign, rsa_verify
from tests.pki import rsa_key


@given(st.binary(max_size=80))
def test_base64url_round_trip_with_and_without_padding(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert "=" not in encoded
    assert b64url_decode(encoded) == data
    assert b64url_decode(encoded + "=" * (-len(encoded) % 4)) == data


@pytest.mark.parametrize("text", ["a+b/", "ab cd", "a", "ab*c", "é"])
def test_base64url_rejects_what_is_not_base64url(text: str) -> None:
    with pytest.raises(ValueError, match="not base64url"):
        b64url_decode(text)


@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
def test_signatures_verify_with_pyjwt_and_with_ourselves(algorithm: str) -> None:
    key = rsa_key("jose")
    signing_input = f"{b64url_json({'alg': algorithm})}.{b64url_json({'n': 1})}"
    signature = rsa_sign(key, algorithm, signing_input.encode())
    token = f"{signing_input}.{b64url_encode(signature)}"
    assert jwt.decode(token, key.public_key(), algorithms=[algorithm]) == {"n": 1}
    assert rsa_verify(key.public_key(), algorithm, signing_input.encode(), signature)
    assert not rsa_verify(key.public_key(), algorithm, b"tampered", signature)


def test_unknown_algorithm() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        rsa_sign(rsa_key("jose"), "HS256", b"x")
