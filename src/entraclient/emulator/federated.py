"""Federated identity credentials: an app authenticating with a token another issuer signed.

Entra lets an app registration trust tokens of an external issuer (a managed identity, a
Kubernetes service account, GitHub Actions) as its ``client_assertion``: the token's ``iss``,
``sub`` and ``aud`` must equal one of the app's federated identity credentials
(AADSTS700211, 700213, 700212 otherwise), and it must verify and be within its lifetime.
The emulator's trusts name tokens signed with one of its own keys (``key_id``), such as its
managed identity tokens.

Invariants: nothing presented by the client reaches an error message except the issuer,
subject and audience it claimed (identifiers, cut to a bounded length).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import jwt

from entraclient.emulator.errors import EntraError, ErrorKind

__all__ = ["FederatedTrust", "matching_trust", "verify_federated_assertion"]

CLOCK_SKEW = 300


@dataclass(frozen=True, slots=True)
class FederatedTrust:
    """One federated identity credential of an app: who issues the tokens it accepts."""

    issuer: str
    subject: str
    audience: str
    key_id: str
    verify: Callable[[str], dict[str, object]] = field(repr=False, compare=False)


def matching_trust(trusts: Sequence[FederatedTrust], assertion: str) -> FederatedTrust | None:
    """The trust whose signing key signed ``assertion`` (by ``kid``), if any."""
    try:
        key_id = jwt.get_unverified_header(assertion).get("kid")
    except jwt.PyJWTError:
        return None
    return next((t for t in trusts if t.key_id == key_id), None)


def verify_federated_assertion(
    trusts: Sequence[FederatedTrust], trust: FederatedTrust, assertion: str, now: float
) -> None:
    """Accept ``assertion`` under one of ``trusts``, or raise the Entra error saying why not."""
    try:
        claims = trust.verify(assertion)
    except ValueError:
        reason = "The provided signature value did not match the expected signature value."
        raise EntraError(ErrorKind.INVALID_CLIENT_ASSERTION, reason=reason) from None
    issuer, subject, audience = (str(claims.get(n, ""))[:200] for n in ("iss", "sub", "aud"))
    same_issuer = [t for t in trusts if t.issuer == issuer]
    if not same_issuer:
        raise EntraError(ErrorKind.FEDERATED_ISSUER_UNKNOWN, issuer=issuer)
    same_subject = [t for t in same_issuer if t.subject == subject]
    if not same_subject:
        raise EntraError(ErrorKind.FEDERATED_SUBJECT_UNKNOWN, subject=subject)
    if not any(t.audience == audience for t in same_subject):
        raise EntraError(ErrorKind.FEDERATED_AUDIENCE_MISMATCH, audience=audience)
    _check_lifetime(claims, now)


def _check_lifetime(claims: dict[str, object], now: float) -> None:
    expires, not_before = claims.get("exp"), claims.get("nbf", 0)
    if not isinstance(expires, int | float) or not isinstance(not_before, int | float):
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)
    if expires <= now - CLOCK_SKEW or not_before > now + CLOCK_SKEW:
        raise EntraError(
            ErrorKind.ASSERTION_OUTSIDE_LIFETIME,
            now=_render(now),
            not_before=_render(float(not_before)),
            expires=_render(float(expires)),
        )


def _render(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(seconds)))
