"""Who signs in at the emulator's authorize endpoint, where they may be sent back to, and
which resources demand multi-factor authentication.

Invariants:

* Redirect URIs are registered per app and matched exactly (scheme, host, port, path and
  query, case-sensitively), as Entra does for web apps.
* Tests choose the user instead of a browser: :meth:`SignIns.sign_in_as` queues a user for
  the next authorize request (first in, first out); without one queued, a ``login_hint``
  naming a registered user signs that user in; otherwise there is nobody to sign in.
* A resource may require MFA (a Conditional Access policy): on-behalf-of tokens for it are
  refused (``interaction_required`` with a claims challenge) unless the incoming token
  says the user did MFA; an authorize request carrying such a challenge signs in with MFA.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass

from entraclient.emulator.users import User

__all__ = ["PendingSignIn", "SignIns"]


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """A user the next authorize request signs in, and whether they do MFA."""

    user: User
    mfa: bool = False


class SignIns:
    """Thread-safe registry of redirect URIs, queued sign-ins and MFA-protected resources."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._redirect_uris: dict[str, list[str]] = {}  # by client id
        self._queue: deque[PendingSignIn] = deque()
        self._mfa_policies: dict[str, str] = {}  # resource app id -> policy id

    def add_redirect_uri(self, client_id: str, uri: str) -> None:
        """Register ``uri`` as a redirect URI of ``client_id``."""
        with self._lock:
            known = self._redirect_uris.setdefault(client_id.lower(), [])
            if uri not in known:
                known.append(uri)

    def is_registered(self, client_id: str, uri: str) -> bool:
        """Whether ``uri`` is exactly one of ``client_id``'s redirect URIs."""
        with self._lock:
            return uri in self._redirect_uris.get(client_id.lower(), ())

    def sign_in_as(self, user: User, *, mfa: bool = False) -> None:
        """Let the next authorize request sign ``user`` in."""
        with self._lock:
            self._queue.append(PendingSignIn(user, mfa))

    def next_sign_in(self) -> PendingSignIn | None:
        """The queued sign-in for this authorize request, if any (it is consumed)."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def clear_pending(self) -> None:
        """Forget the sign-ins queued and not yet used."""
        with self._lock:
            self._queue.clear()

    def require_mfa(self, resource_app_id: str) -> str:
        """Demand MFA for tokens of a resource; returns the policy id its challenges name."""
        with self._lock:
            return self._mfa_policies.setdefault(resource_app_id.lower(), str(uuid.uuid4()))

    def mfa_policy(self, resource_app_id: str) -> str | None:
        """The MFA policy protecting a resource, if any."""
        with self._lock:
            return self._mfa_policies.get(resource_app_id.lower())
