"""flows/id_token.py, flows/auth_code.py's redirect checks, and flows/pkce.py (RFC 7636)."""

from __future__ import annotations

from typing import Any

import pytest

from entraclient.emulator.grants.authorization_code import pkce_matches
from entraclient.flows.auth_code import (
    AuthResponseRejectedError,
    anchor_from_client_info,
    check_auth_response,
)
from entraclient.flows.id_token import IdTokenExpectations, IdTokenRejectedError, validate_id_token
from entraclient.flows.pkce import new_code_verifier, nonce_hash, s256
from tests.cache.factories import client_info

NOW = 1_800_000_000.0
ISSUER = "https://login.microsoftonline.com/{tenantid}/v2.0"
TID = "11111111-2222-3333-4444-555555555555"


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": f"https://login.microsoftonline.com/{TID}/v2.0", "aud": "client", "tid": TID,
        "exp": NOW + 3600, "iat": NOW, "nbf": NOW, "nonce": "n-hash", "auth_time": NOW - 10,
    }  # fmt: skip
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _expect(**changes: Any) -> IdTokenExpectations:
    values: dict[str, Any] = {"client_id": "client", "issuer": ISSUER, "nonce": "n-hash",
                              "now": NOW, "max_age": None}  # fmt: skip
    values.update(changes)
    return IdTokenExpectations(**values)


def test_a_good_id_token_passes() -> None:
    validate_id_token(_claims(), _expect())
    validate_id_token(_claims(aud=["client"]), _expect())
    validate_id_token(_claims(aud=["client", "other"], azp="client"), _expect())
    validate_id_token(_claims(exp=NOW - 200), _expect())  # within the clock skew
    validate_id_token(_claims(), _expect(max_age=60))
    validate_id_token(_claims(iss="https://x/"), _expect(issuer="https://x"))
    validate_id_token(_claims(nonce=None), _expect(nonce=None))


@pytest.mark.parametrize(
    ("claims", "expect", "reason"),
    [
        ({"iss": "https://evil.test/v2.0"}, {}, "issued by"),
        ({"tid": "other"}, {}, "issued by"),
        ({"aud": "other"}, {}, "another client"),
        ({"aud": ["client", "other"]}, {}, "another client"),
        ({"exp": NOW - 400}, {}, "expired"),
        ({"exp": None}, {}, "no exp"),
        ({"iat": NOW + 400}, {}, "future"),
        ({"nbf": NOW + 400}, {}, "future"),
        ({"nonce": "other"}, {}, "nonce"),
        ({"nonce": None}, {}, "nonce"),
        ({"auth_time": None}, {"max_age": 60}, "auth_time"),
        ({"auth_time": NOW - 1000}, {"max_age": 60}, "max_age"),
    ],
)
def test_a_bad_id_token_is_rejected(
    claims: dict[str, Any], expect: dict[str, Any], reason: str
) -> None:
    with pytest.raises(IdTokenRejectedError, match=reason) as rejected:
        validate_id_token(_claims(**claims), _expect(**expect))
    assert rejected.value.result()["error"] == "invalid_id_token"


def test_auth_response_checks() -> None:
    assert check_auth_response("s", {"state": "s", "code": "c"}) == "c"
    for response, error in (
        ({"state": "t", "code": "c"}, "state_mismatch"),
        ({"code": "c"}, "state_mismatch"),
        ({"state": "s"}, "invalid_auth_response"),
        ({"state": "s", "code": ""}, "invalid_auth_response"),
    ):
        with pytest.raises(AuthResponseRejectedError) as rejected:
            check_auth_response("s", response)
        assert rejected.value.result()["error"] == error
    with pytest.raises(AuthResponseRejectedError) as rejected:
        check_auth_response(
            "s", {"state": "s", "error": "access_denied", "error_uri": "u", "access_token": "x"}
        )
    assert rejected.value.result() == {"error": "access_denied", "error_uri": "u"}


def test_anchor_from_client_info() -> None:
    assert anchor_from_client_info(client_info("uid", "utid")) == "Oid:uid@utid"
    assert anchor_from_client_info("not base64 json") is None
    assert anchor_from_client_info(None) is None


def test_pkce_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pkce_matches(verifier, s256(verifier), "S256")
    assert not pkce_matches(verifier + "x", s256(verifier), "S256")
    assert pkce_matches("plain-value", "plain-value", "plain")


def test_fresh_verifiers_and_nonce_hash() -> None:
    verifiers = {new_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    assert all(len(v) == 43 and set(v) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") for v in verifiers)  # fmt: skip
    assert nonce_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
