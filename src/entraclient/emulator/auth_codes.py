"""The authorization codes the emulator issued, and the checks Entra makes when one comes back.

Invariants:

* A code is an opaque random string; the store keeps only its SHA-256.
* A code is short-lived (:data:`CODE_LIFETIME`, Entra's ten minutes: AADSTS70008 after) and
  single-use: redeeming it a second time is AADSTS54005, whatever the outcome of the first.
  A code never issued is malformed (9002313). All are ``invalid_grant``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass

from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.users import User

__all__ = ["CODE_LIFETIME", "AuthCodeGrant", "AuthCodeStore"]

CODE_LIFETIME = 600
"""Seconds an authorization code stays redeemable."""


@dataclass(frozen=True, slots=True)
class AuthCodeGrant:
    """What a code stands for: who signed in, to which app, and what the token leg must show."""

    user: User
    client_id: str
    tenant_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    challenge_method: str | None
    nonce: str | None
    issued_at: float
    auth_time: float
    mfa: bool = False
    max_age_requested: bool = False


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class AuthCodeStore:
    """Thread-safe store of issued authorization codes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, AuthCodeGrant] = {}
        self._redeemed: set[str] = set()

    def issue(self, grant: AuthCodeGrant) -> str:
        """A new code standing for ``grant``."""
        code = "1.AQ" + secrets.token_urlsafe(48)
        with self._lock:
            self._grants[_digest(code)] = grant
        return code

    def redeem(self, code: str, now: float) -> AuthCodeGrant:
        """The grant of ``code``, which can never be redeemed again; or the Entra error."""
        digest = _digest(code)
        with self._lock:
            if digest in self._redeemed:
                raise EntraError(ErrorKind.CODE_REDEEMED)
            grant = self._grants.pop(digest, None)
            if grant is None:
                raise EntraError(ErrorKind.MALFORMED_GRANT)
            self._redeemed.add(digest)
        if now - grant.issued_at > CODE_LIFETIME:
            raise EntraError(ErrorKind.CODE_EXPIRED)
        return grant
