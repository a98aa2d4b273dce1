"""The signing key and its JWKS."""

from __future__ import annotations

import jwt

from entraclient.emulator.signing import TokenSigner


def test_tokens_verify_against_the_jwks() -> None:
    signer = TokenSigner()
    token = signer.sign({"aud": "api://x", "sub": "s"})
    jwks = signer.jwks(issuer="https://login.microsoftonline.com/t/v2.0")
    (key,) = jwks["keys"]
    assert key["kid"] == signer.key_id == jwt.get_unverified_header(token)["kid"]
    assert key["issuer"] == "https://login.microsoftonline.com/t/v2.0"
    assert "d" not in key
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience="api://x")
    assert claims["sub"] == "s"
    assert "BEGIN" not in repr(signer)
