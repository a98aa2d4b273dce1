"""Signed JWT client assertions (RFC 7523 §2.2 and §3): a certificate credential on the wire.

Rules (PROTOCOL.md §4.2):

* Header: ``PS256`` with ``x5t#S256`` when the certificate's SHA-256 thumbprint is known and
  the authority is not ADFS; otherwise ``RS256`` with ``x5t`` (SHA-1). Thumbprints are
  base64url *with* padding, as MSAL sends them; ``x5c`` (when the chain is sent) holds the
  standard-base64 DER certificates, leaf first. Keys are sorted, as PyJWT writes them.
* Claims, in this order: ``aud`` (the token endpoint), ``iss`` = ``sub`` = the client id,
  ``exp`` = ``iat`` + 600 s, ``iat`` (float seconds), ``jti`` (a UUID); ``client_claims`` are
  merged last and override these.
* One assertion is reused for 540 s per (token endpoint, client id): a token request costs
  no signature while one is fresh. The clock is the caller's (``now``), never read here.

The header is encoded once, when the credential is loaded; signing an assertion is one JSON
dump, two base64 encodings and one RSA signature.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from entraclient.certificates import CertificateMaterial
from entraclient.jose import b64url_encode, b64url_json, rsa_sign
from entraclient.secret_text import SecretText

__all__ = [
    "ASSERTION_LIFETIME",
    "ASSERTION_REUSE",
    "JWT_BEARER_ASSERTION_TYPE",
    "AssertionSigner",
    "SignedAssertion",
    "assertion_claims",
    "assertion_header",
]

JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 600
ASSERTION_REUSE = ASSERTION_LIFETIME - 60
_MAX_REMEMBERED = 8


def _padded_b64url(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode("ascii")


def assertion_header(material: CertificateMaterial, *, is_adfs: bool) -> dict[str, Any]:
    """The JOSE header for assertions signed with ``material``."""
    header: dict[str, Any] = {"typ": "JWT"}
    if material.sha256_thumbprint is not None and not is_adfs:
        header.update(alg="PS256", **{"x5t#S256": _padded_b64url(material.sha256_thumbprint)})
    else:
        header.update(alg="RS256", x5t=_padded_b64url(material.sha1_thumbprint))
    if material.send_chain and material.chain:
        from cryptography.hazmat.primitives import serialization

        header["x5c"] = [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
            for c in material.chain
        ]
    return dict(sorted(header.items()))


def assertion_claims(
    *,
    audience: str,
    client_id: str,
    now: float,
    token_id: str,
    client_claims: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The claims of one assertion; ``client_claims`` add to and override the defaults."""
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "exp": now + ASSERTION_LIFETIME,
        "iat": now,
        "jti": token_id,
    }
    claims.update(client_claims or {})
    return claims


class AssertionSigner:
    """Signs JWTs with one RSA key under one header, encoded once."""

    __slots__ = ("_encoded_header", "_key", "algorithm", "header")

    def __init__(self, material: CertificateMaterial, *, is_adfs: bool) -> None:
        self._key = material.private_key
        self.header = assertion_header(material, is_adfs=is_adfs)
        self.algorithm: str = self.header["alg"]
        self._encoded_header = b64url_json(self.header)

    def sign(self, claims: Mapping[str, Any]) -> str:
        """``claims`` as a compact JWS."""
        signing_input = f"{self._encoded_header}.{b64url_json(dict(claims))}"
        signature = rsa_sign(self._key, self.algorithm, signing_input.encode("ascii"))
        return f"{signing_input}.{b64url_encode(signature)}"

    def __repr__(self) -> str:
        return f"AssertionSigner(alg={self.algorithm})"


class SignedAssertion:
    """A certificate credential: sends a signed JWT as ``client_assertion`` (``private_key_jwt``).

    Thread-safe. One assertion per (token endpoint, client id) is remembered and resent until
    it is ``reuse_seconds`` old (:data:`ASSERTION_REUSE` by default, as Entra accepts a
    reused assertion; ``0`` signs a fresh one, with a fresh ``jti``, for every request, which
    identity providers that refuse a replayed ``jti`` need).
    """

    uses_certificate = True

    def __init__(
        self,
        material: CertificateMaterial,
        *,
        client_claims: Mapping[str, Any] | None = None,
        is_adfs: bool = False,
        reuse_seconds: float = ASSERTION_REUSE,
        new_token_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._signer = AssertionSigner(material, is_adfs=is_adfs)
        self._reuse_seconds = reuse_seconds
        self._client_claims = _json_claims(client_claims)
        self._new_token_id = new_token_id
        self._lock = threading.Lock()
        self._remembered: dict[tuple[str, str], tuple[float, str]] = {}

    @property
    def header(self) -> dict[str, Any]:
        """The JOSE header every assertion of this credential carries."""
        return dict(self._signer.header)

    def form_fields(
        self, token_endpoint: str, now: float, context: Mapping[str, str]
    ) -> tuple[tuple[str, str], ...]:
        """``client_assertion_type`` and a signed ``client_assertion`` for ``token_endpoint``."""
        assertion = self.assertion_for(token_endpoint, context["client_id"], now)
        return (
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", SecretText(assertion)),
        )

    def assertion_for(self, token_endpoint: str, client_id: str, now: float) -> str:
        """A fresh-enough assertion for ``token_endpoint``: remembered, or signed now."""
        key = (token_endpoint, client_id)
        remembered = self._remembered.get(key)  # one atomic read; writers hold the lock
        if remembered is not None and remembered[0] <= now < remembered[0] + self._reuse_seconds:
            return remembered[1]
        claims = assertion_claims(
            audience=token_endpoint,
            client_id=client_id,
            now=now,
            token_id=self._new_token_id(),
            client_claims=self._client_claims,
        )
        assertion = self._signer.sign(claims)
        with self._lock:
            self._remembered.pop(key, None)
            while len(self._remembered) >= _MAX_REMEMBERED:
                del self._remembered[next(iter(self._remembered))]
            self._remembered[key] = (now, assertion)
        return assertion

    def __repr__(self) -> str:
        return f"SignedAssertion(alg={self._signer.algorithm}, ****)"


def _json_claims(client_claims: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not client_claims:
        return None
    claims = dict(client_claims)
    try:
        json.dumps(claims)
    except (TypeError, ValueError):
        raise ValueError(
            "client_claims must hold JSON values (strings, numbers, lists, dicts)"
        ) from None
    return claims
