"""``entraclient decode --verify``: the signature against the issuer's JWKS, and the lifetime.

The issuer's metadata and keys are fetched over entraclient's default sync transport, so the
environment switch sends them to the emulator and nothing else is reached. PyJWT checks the
signature (with the algorithm the key is for, never ``none``), ``exp`` and ``nbf``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import jwt

from entraclient.cli.errors import CommandError, ExitCode
from entraclient.cli.jwt_parts import JwtParts

__all__ = ["metadata_url", "verify_token"]

_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_V1_ISSUER_HOST = "sts.windows.net"


def metadata_url(issuer: str) -> str:
    """Where the OpenID configuration of ``issuer`` is (v1 issuers map to the v1 endpoint)."""
    url = urlsplit(issuer)
    if url.scheme != "https" or not url.hostname:
        raise CommandError(f"the token's issuer {issuer!r} is not an https URL", ExitCode.REFUSED)
    if url.hostname == _V1_ISSUER_HOST:
        tenant = url.path.strip("/")
        return f"https://login.microsoftonline.com/{tenant}/.well-known/openid-configuration"
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _get_json(url: str) -> dict[str, Any]:
    from entraclient.errors import TransportError
    from entraclient.http.messages import HttpRequest
    from entraclient.http.transport import RequestsTransport

    transport = RequestsTransport(timeout=(10, 30))
    try:
        response = transport.send(HttpRequest("GET", url))
    except TransportError as failure:
        raise CommandError(f"cannot fetch {url}: {failure}", ExitCode.UNREACHABLE) from failure
    finally:
        transport.close()
    if response.status_code != 200:
        raise CommandError(f"{url} answered HTTP {response.status_code}", ExitCode.UNREACHABLE)
    try:
        document = json.loads(response.text)
    except ValueError as exc:
        raise CommandError(f"{url} did not answer JSON", ExitCode.UNREACHABLE) from exc
    if not isinstance(document, dict):
        raise CommandError(f"{url} did not answer a JSON object", ExitCode.UNREACHABLE)
    return document


def verify_token(token: str, parts: JwtParts, *, audience: str | None = None) -> None:
    """Check ``token``'s signature and lifetime; raises :class:`CommandError` when it fails."""
    issuer = parts.claims.get("iss")
    algorithm = parts.header.get("alg")
    if not isinstance(issuer, str):
        raise CommandError("the token has no issuer (iss) to fetch keys from", ExitCode.REFUSED)
    if algorithm not in _ALGORITHMS:
        raise CommandError(f"refusing the token's algorithm {algorithm!r}", ExitCode.REFUSED)
    jwks_uri = _get_json(metadata_url(issuer)).get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
        raise CommandError(f"the issuer {issuer} publishes no https jwks_uri", ExitCode.REFUSED)
    key = _signing_key(_get_json(jwks_uri), parts.header.get("kid"))
    try:
        jwt.decode(
            token,
            key,
            algorithms=[str(algorithm)],
            audience=audience,
            options={"verify_aud": audience is not None, "require": ["exp"]},
        )
    except jwt.InvalidTokenError as invalid:
        raise CommandError(f"the token is not valid: {invalid}", ExitCode.REFUSED) from invalid


def _signing_key(jwks: dict[str, Any], kid: object) -> Any:
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise CommandError("the issuer's JWKS has no keys", ExitCode.REFUSED)
    for entry in keys:
        if isinstance(entry, dict) and entry.get("kid") == kid:
            try:
                return jwt.PyJWK(entry).key
            except jwt.PyJWTError as bad:
                raise CommandError(
                    f"the issuer's key {kid} is unusable: {bad}", ExitCode.REFUSED
                ) from bad
    raise CommandError(f"the issuer's JWKS has no key with kid {kid!r}", ExitCode.REFUSED)
