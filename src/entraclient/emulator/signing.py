"""The emulator's token-signing key and the JWKS document that publishes it.

Invariants:

* The RSA key is generated at construction and never leaves memory; only its public half is
  published. Tokens are RS256 JWTs whose ``kid`` names the key in :meth:`TokenSigner.jwks`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = ["TokenSigner"]


def _thumbprint(public_jwk: Mapping[str, object]) -> str:
    """The RFC 7638 thumbprint of an RSA JWK, base64url without padding."""
    members = {name: public_jwk[name] for name in ("e", "kty", "n")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class TokenSigner:
    """Signs tokens with a fresh RSA key and publishes the key as a JWKS."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public_jwk: dict[str, object] = RSAAlgorithm.to_jwk(
            self._key.public_key(), as_dict=True
        )
        self.key_id = _thumbprint(self._public_jwk)

    def __repr__(self) -> str:
        return f"TokenSigner(key_id={self.key_id!r})"

    def jwks(self, issuer: str | None = None) -> dict[str, list[dict[str, object]]]:
        """The JWKS document, optionally stamping each key with its ``issuer`` like Entra."""
        key = {**self._public_jwk, "use": "sig", "kid": self.key_id}
        if issuer is not None:
            key["issuer"] = issuer
        return {"keys": [key]}

    def sign(self, claims: Mapping[str, object]) -> str:
        """``claims`` as a compact RS256 JWS with this key's ``kid``."""
        return jwt.encode(dict(claims), self._key, algorithm="RS256", headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, object]:
        """The claims of a token this signer signed; ``ValueError`` for any other token.

        Only the signature (and the ``kid``) is checked: the caller judges the claims.
        """
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.key_id:
                raise ValueError("the token was not signed with the emulator's key")
            claims: dict[str, object] = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                options={"verify_signature": True, "verify_exp": False, "verify_aud": False,
                         "verify_iat": False, "verify_nbf": False},
            )  # fmt: skip
        except jwt.PyJWTError as bad:
            raise ValueError(f"the token does not verify: {type(bad).__name__}") from None
        return claims
