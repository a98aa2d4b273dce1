"""Proof Key for Code Exchange (RFC 7636) and the OpenID Connect nonce (OIDC Core §3.1.2.1).

* The code verifier is 43 characters from RFC 7636 §4.1's unreserved set, drawn with
  :mod:`secrets`; the challenge is ``BASE64URL(SHA256(verifier))`` without padding (``S256``).
* The authorization request carries the SHA-256 (lower-case hex) of a random nonce, as MSAL
  does; the caller keeps the raw nonce, and the id token must echo the hash.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

__all__ = ["CHALLENGE_METHOD", "new_code_verifier", "new_random_value", "nonce_hash", "s256"]

CHALLENGE_METHOD = "S256"
_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
VERIFIER_LENGTH = 43


def new_code_verifier() -> str:
    """A fresh PKCE code verifier (43 unreserved characters, about 256 bits)."""
    return "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(VERIFIER_LENGTH))


def s256(code_verifier: str) -> str:
    """The ``S256`` code challenge of ``code_verifier``."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def nonce_hash(nonce: str) -> str:
    """What the authorization request sends for ``nonce``, and the id token must carry."""
    return hashlib.sha256(nonce.encode("utf-8")).hexdigest()


def new_random_value() -> str:
    """A fresh ``state`` or ``nonce``: 22 URL-safe characters (128 bits)."""
    return secrets.token_urlsafe(16)
