"""assertion.py: headers, claims and reuse of signed client assertions, checked with PyJWT."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from typing import Any

import jwt
import pytest

from entraclient.assertion import (
    ASSERTION_REUSE,
    JWT_BEARER_ASSERTION_TYPE,
    SignedAssertion,
    assertion_claims,
)
from entraclient.certificates import CertificateMaterial, load_certificate_material
from tests.pki import Issued, issue

ENDPOINT = (
    "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token"
)
CLIENT_ID = "9f3c6a2e-1d4b-4c7a-8e5f-0a1b2c3d4e5f"
NOW = 1_800_000_000.25


@pytest.fixture(scope="module")
def leaf() -> Issued:
    return issue("assertion.contoso.test")


def _with_certificate(leaf: Issued) -> CertificateMaterial:
    return load_certificate_material(
        {"private_key": leaf.key_pem(), "public_certificate": leaf.cert_pem}
    )


def _with_thumbprint(leaf: Issued) -> CertificateMaterial:
    return load_certificate_material({"private_key": leaf.key_pem(), "thumbprint": leaf.sha1_hex})


def _sign(credential: SignedAssertion, now: float = NOW, endpoint: str = ENDPOINT) -> str:
    fields = dict(credential.form_fields(endpoint, now, {"client_id": CLIENT_ID}))
    assert fields["client_assertion_type"] == JWT_BEARER_ASSERTION_TYPE
    return fields["client_assertion"]


def _decode(assertion: str, leaf: Issued, algorithm: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        assertion,
        key=leaf.cert.public_key(),  # type: ignore[arg-type]  # an RSA key, PyJWT wants it typed
        algorithms=[algorithm],
        audience=ENDPOINT,
        options={"verify_exp": False, "verify_iat": False},
    )
    return claims


def test_certificate_gives_ps256_with_sha256_thumbprint_and_x5c(leaf: Issued) -> None:
    assertion = _sign(SignedAssertion(_with_certificate(leaf)))
    raw_header = base64.urlsafe_b64decode(assertion.split(".")[0] + "==")
    header = json.loads(raw_header)
    assert list(header) == ["alg", "typ", "x5c", "x5t#S256"]
    assert header["alg"] == "PS256" and header["typ"] == "JWT"
    assert header["x5t#S256"] == base64.urlsafe_b64encode(leaf.sha256).decode()
    assert header["x5t#S256"].endswith("=") and len(header["x5t#S256"]) == 44
    der = base64.b64decode(header["x5c"][0], validate=True)
    assert der == leaf.cert.public_bytes(encoding=_der())
    assert _decode(assertion, leaf, "PS256")["sub"] == CLIENT_ID


def test_thumbprint_only_gives_rs256_with_padded_sha1(leaf: Issued) -> None:
    credential = SignedAssertion(_with_thumbprint(leaf))
    assert credential.header == {
        "alg": "RS256",
        "typ": "JWT",
        "x5t": base64.urlsafe_b64encode(bytes.fromhex(leaf.sha1_hex)).decode(),
    }
    assert len(credential.header["x5t"]) == 28
    _decode(_sign(credential), leaf, "RS256")


def test_adfs_gets_rs256_with_sha1_even_with_a_certificate(leaf: Issued) -> None:
    credential = SignedAssertion(_with_certificate(leaf), is_adfs=True)
    assert credential.header["alg"] == "RS256"
    assert "x5t#S256" not in credential.header
    assert (
        credential.header["x5t"] == base64.urlsafe_b64encode(bytes.fromhex(leaf.sha1_hex)).decode()
    )
    assert "x5c" in credential.header
    _decode(_sign(credential), leaf, "RS256")


def test_pfx_without_public_certificate_sends_no_chain(leaf: Issued, tmp_path: Any) -> None:
    from tests.pki import write_pfx

    path = write_pfx(tmp_path / "a.pfx", leaf)
    credential = SignedAssertion(load_certificate_material({"private_key_pfx_path": path}))
    assert set(credential.header) == {"alg", "typ", "x5t#S256"}


def test_claims_are_msals_in_msals_order(leaf: Issued) -> None:
    claims = _decode(_sign(SignedAssertion(_with_certificate(leaf))), leaf, "PS256")
    assert list(claims) == ["aud", "iss", "sub", "exp", "iat", "jti"]
    assert claims["aud"] == ENDPOINT
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["iat"] == NOW and isinstance(claims["iat"], float)
    assert claims["exp"] == NOW + 600
    assert uuid.UUID(claims["jti"]).version == 4


def test_client_claims_add_and_override(leaf: Issued) -> None:
    credential = SignedAssertion(
        _with_certificate(leaf),
        client_claims={"client_ip": "10.0.0.1", "aud": ENDPOINT, "sub": "overridden"},
    )
    claims = _decode(_sign(credential), leaf, "PS256")
    assert claims["client_ip"] == "10.0.0.1"
    assert claims["sub"] == "overridden"
    assert claims["iss"] == CLIENT_ID


def test_client_claims_must_be_json(leaf: Issued) -> None:
    with pytest.raises(ValueError, match="client_claims must hold JSON values"):
        SignedAssertion(_with_certificate(leaf), client_claims={"when": object()})


def test_assertion_is_reused_inside_its_window_then_renewed(leaf: Issued) -> None:
    credential = SignedAssertion(_with_certificate(leaf))
    first = _sign(credential, NOW)
    assert _sign(credential, NOW + ASSERTION_REUSE - 1) == first
    renewed = _sign(credential, NOW + ASSERTION_REUSE)
    assert renewed != first
    assert _decode(renewed, leaf, "PS256")["iat"] == NOW + ASSERTION_REUSE
    assert _sign(credential, NOW - 10) != renewed  # a clock that went back gets a fresh one


def test_another_audience_gets_its_own_assertion(leaf: Issued) -> None:
    credential = SignedAssertion(_with_certificate(leaf))
    central = _sign(credential)
    alias = ENDPOINT.replace("login.microsoftonline.com", "login.windows.net")
    other = _sign(credential, endpoint=alias)
    assert other != central
    assert jwt.decode(other, options={"verify_signature": False})["aud"] == alias
    assert _sign(credential) == central


def test_concurrent_requests_share_one_assertion_after_the_first(leaf: Issued) -> None:
    credential = SignedAssertion(_with_certificate(leaf))
    first = _sign(credential)
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(_sign(credential))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(seen) == {first}


def test_reprs_hide_the_key(leaf: Issued) -> None:
    material = _with_certificate(leaf)
    credential = SignedAssertion(material)
    text = repr(material) + repr(credential)
    assert "PRIVATE" not in text and "private_key" not in text


def test_assertion_claims_defaults() -> None:
    claims = assertion_claims(audience="a", client_id="c", now=10.5, token_id="j")
    assert claims == {"aud": "a", "iss": "c", "sub": "c", "exp": 610.5, "iat": 10.5, "jti": "j"}


def _der() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER
