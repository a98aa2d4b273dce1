"""The few JOSE pieces client assertions need (RFC 7515 JWS, RFC 7518 §3.3 and §3.5).

Shared by the client, which signs assertions (:mod:`entraclient.assertion`), and by the
emulator, which verifies them, so both agree on what ``RS256`` and ``PS256`` mean:
``RS256`` is RSASSA-PKCS1-v1_5 with SHA-256; ``PS256`` is RSASSA-PSS with SHA-256, MGF1-SHA-256
and a 32-byte salt (the hash length, as RFC 7518 requires).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # cryptography is imported only when something is signed or verified
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

__all__ = [
    "RSA_ALGORITHMS",
    "b64url_decode",
    "b64url_encode",
    "b64url_json",
    "rsa_sign",
    "rsa_verify",
]

PSS_SALT_LENGTH = 32


def _padding(algorithm: str) -> padding.AsymmetricPadding:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if algorithm == "RS256":
        return padding.PKCS1v15()
    if algorithm == "PS256":
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH)
    raise ValueError(f"unsupported signature algorithm {algorithm!r}")


RSA_ALGORITHMS = frozenset({"RS256", "PS256"})
"""The JWS algorithms Entra accepts for client assertions, and the only ones we produce."""


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without ``=`` padding; ``ValueError`` if it is not base64url."""
    if not isinstance(text, str) or "+" in text or "/" in text:
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    try:
        padded = (stripped + "=" * (-len(stripped) % 4)).encode("ascii")
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64url") from None


def b64url_json(value: Any) -> str:
    """``value`` as compact JSON, base64url-encoded: a JWS header or payload segment."""
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def rsa_sign(key: RSAPrivateKey, algorithm: str, signing_input: bytes) -> bytes:
    """Sign ``signing_input`` with ``key`` under ``algorithm`` (``RS256`` or ``PS256``)."""
    from cryptography.hazmat.primitives import hashes

    return key.sign(signing_input, _padding(algorithm), hashes.SHA256())


def rsa_verify(key: RSAPublicKey, algorithm: str, signing_input: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``signing_input`` verifies with ``key`` under ``algorithm``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes

    try:
        key.verify(signature, signing_input, _padding(algorithm), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
