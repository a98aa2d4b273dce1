"""Validating the id token of an authorization code redemption (OIDC Core §3.1.3.7, §2).

The token arrives straight from the token endpoint over TLS, so, as OIDC Core §3.1.3.7 (6)
allows, its signature is not checked; its claims are:

* ``iss`` equals the issuer of the authority's OpenID configuration (Entra's multi-tenant
  documents say ``{tenantid}``, which stands for the token's ``tid``);
* ``aud`` is this client (or a list holding it, with ``azp`` naming this client);
* ``exp`` is in the future and ``nbf``/``iat`` not in the future, give or take
  :data:`CLOCK_SKEW_SECONDS`;
* ``nonce`` equals the one the authorization request carried;
* with ``max_age``: ``auth_time`` is present and recent enough (OIDC Core §3.1.2.1).

A failure raises :class:`IdTokenRejectedError`, which the façade turns into an error dict
(``error="invalid_id_token"``); the token is then not cached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from entraclient.errors import FlowError

__all__ = ["CLOCK_SKEW_SECONDS", "IdTokenExpectations", "IdTokenRejectedError", "validate_id_token"]

CLOCK_SKEW_SECONDS = 300
MAX_AGE_SKEW_SECONDS = 120


class IdTokenRejectedError(FlowError):
    """The id token of a redemption failed validation."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def result(self) -> dict[str, Any]:
        return {"error": "invalid_id_token", "error_description": self.description}


@dataclass(frozen=True, slots=True)
class IdTokenExpectations:
    """What the id token of one redemption must say."""

    client_id: str
    issuer: str | None
    nonce: str | None
    now: float
    max_age: int | None = None


def validate_id_token(claims: dict[str, Any], expected: IdTokenExpectations) -> None:
    """Raise :class:`IdTokenRejectedError` unless ``claims`` meet ``expected``."""
    for check in _CHECKS:
        check(claims, expected)


def _check_issuer(claims: dict[str, Any], expected: IdTokenExpectations) -> None:
    if expected.issuer is None:
        return
    wanted = expected.issuer
    tenant = claims.get("tid")
    if "{tenantid}" in wanted and isinstance(tenant, str):
        wanted = wanted.replace("{tenantid}", tenant)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or issuer.rstrip("/") != wanted.rstrip("/"):
        raise IdTokenRejectedError(
            f"the id token was issued by {str(issuer)[:120]!r}, not by this authority "
            f"({wanted[:120]!r})"
        )


def _check_audience(claims: dict[str, Any], expected: IdTokenExpectations) -> None:
    audience = claims.get("aud")
    if audience == expected.client_id:
        return
    if isinstance(audience, list) and expected.client_id in audience:
        alone = len(audience) == 1
        if alone or claims.get("azp") == expected.client_id:
            return
    raise IdTokenRejectedError(
        "the id token was issued to another client (its aud is not this app)"
    )


def _check_lifetime(claims: dict[str, Any], expected: IdTokenExpectations) -> None:
    expires = _number(claims, "exp")
    if expires is None:
        raise IdTokenRejectedError("the id token has no exp claim")
    if expires + CLOCK_SKEW_SECONDS < expected.now:
        raise IdTokenRejectedError("the id token has expired")
    for name in ("nbf", "iat"):
        moment = _number(claims, name)
        if moment is not None and moment - CLOCK_SKEW_SECONDS > expected.now:
            raise IdTokenRejectedError(f"the id token's {name} is in the future")


def _check_nonce(claims: dict[str, Any], expected: IdTokenExpectations) -> None:
    if expected.nonce is not None and claims.get("nonce") != expected.nonce:
        raise IdTokenRejectedError(
            "the id token's nonce does not match the sign-in request's: "
            "the answer may have been replayed"
        )


def _check_max_age(claims: dict[str, Any], expected: IdTokenExpectations) -> None:
    if expected.max_age is None:
        return
    auth_time = _number(claims, "auth_time")
    if auth_time is None:
        raise IdTokenRejectedError("max_age was requested, but the id token has no auth_time")
    if expected.now - MAX_AGE_SKEW_SECONDS > auth_time + expected.max_age:
        raise IdTokenRejectedError("the user signed in longer ago than max_age allows")


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_CHECKS: tuple[Callable[[dict[str, Any], IdTokenExpectations], None], ...] = (
    _check_issuer,
    _check_audience,
    _check_lifetime,
    _check_nonce,
    _check_max_age,
)
