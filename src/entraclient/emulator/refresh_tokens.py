"""The refresh tokens the emulator issued, and the checks Entra makes when one comes back.

Invariants:

* A refresh token is an opaque random string; the store keeps only its SHA-256, so the
  emulator's memory never holds a usable copy after issuing it.
* Redeeming checks, in order: known (else AADSTS9002313, malformed), not revoked (50173),
  not expired by inactivity (700082). Each use slides the inactivity window, and the answer
  carries a new refresh token (rotation); the old one stays valid until it expires or is
  revoked, as with Entra.
* Revoking a user's sessions revokes every refresh token issued to them so far (a serial
  number, not a clock, decides "so far", so it is exact even with a frozen test clock).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, replace

from entraclient.emulator.errors import EntraError, ErrorKind, render_timestamp
from entraclient.emulator.users import User

__all__ = ["REFRESH_TOKEN_INACTIVITY", "RefreshGrant", "RefreshTokenStore"]

REFRESH_TOKEN_INACTIVITY = 90 * 24 * 3600
"""A refresh token not used for this long expires (Entra's default: 90 days)."""


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """What a refresh token stands for: the user, the app it was issued to, its family."""

    user: User
    client_id: str
    family_id: str | None
    scopes: tuple[str, ...]
    issued_at: float
    last_used_at: float
    serial: int


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class RefreshTokenStore:
    """Thread-safe store of issued refresh tokens."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, RefreshGrant] = {}
        self._serial = 0
        self._revoked_through: dict[str, int] = {}

    def issue(
        self, user: User, client_id: str, family_id: str | None, scopes: tuple[str, ...], now: float
    ) -> str:
        """A new refresh token for ``user`` issued to ``client_id``."""
        secret = "1.AE" + secrets.token_urlsafe(96)
        with self._lock:
            self._serial += 1
            grant = RefreshGrant(user, client_id, family_id, scopes, now, now, self._serial)
            self._grants[_digest(secret)] = grant
        return secret

    def redeem(self, secret: str, now: float) -> RefreshGrant:
        """The grant of ``secret``, its inactivity window slid to ``now``; or the Entra error."""
        digest = _digest(secret)
        with self._lock:
            grant = self._grants.get(digest)
            if grant is None:
                raise EntraError(ErrorKind.MALFORMED_GRANT)
            if grant.serial <= self._revoked_through.get(grant.user.object_id, 0):
                raise EntraError(
                    ErrorKind.REFRESH_TOKEN_REVOKED, issued=render_timestamp(grant.issued_at)
                )
            if now - grant.last_used_at > REFRESH_TOKEN_INACTIVITY:
                del self._grants[digest]
                raise EntraError(
                    ErrorKind.REFRESH_TOKEN_EXPIRED,
                    issued=render_timestamp(grant.issued_at),
                    inactive=f"{int((now - grant.last_used_at) // 86400)}.00:00:00",
                )
            self._grants[digest] = replace(grant, last_used_at=now)
            return grant

    def revoke_user(self, user: User) -> None:
        """Revoke every refresh token issued to ``user`` until now."""
        with self._lock:
            self._revoked_through[user.object_id] = self._serial
