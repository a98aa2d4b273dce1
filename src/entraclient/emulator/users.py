"""The emulator's users and app families: who can sign in, and which apps share refresh tokens.

Invariants:

* A :class:`User` is a frozen handle (object id, home tenant, username); the registry that
  holds them is thread-safe and finds a user by object id or (case-insensitively) username.
* FOCI ("family of client ids"): an app may belong to one family; a refresh token issued to a
  family member can be redeemed by any member of the same family.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

__all__ = ["AppFamilies", "User", "UserDirectory"]


@dataclass(frozen=True, slots=True)
class User:
    """A user of a tenant. ``home_account_id`` is how MSAL caches name the account."""

    object_id: str
    tenant_id: str
    username: str
    display_name: str

    @property
    def home_account_id(self) -> str:
        """``{object id}.{home tenant id}``, as ``client_info`` encodes it."""
        return f"{self.object_id}.{self.tenant_id}"


class UserDirectory:
    """Thread-safe registry of users."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, User] = {}
        self._by_username: dict[str, User] = {}

    def add(
        self, tenant_id: str, username: str, *, display_name: str, object_id: str | None = None
    ) -> User:
        """Register a user of ``tenant_id``; usernames are unique (case-insensitively)."""
        user = User((object_id or str(uuid.uuid4())).lower(), tenant_id, username, display_name)
        with self._lock:
            if user.object_id in self._by_id or username.lower() in self._by_username:
                raise ValueError(f"user already registered: {username}")
            self._by_id[user.object_id] = user
            self._by_username[username.lower()] = user
        return user

    def find(self, object_id: str) -> User | None:
        """The user with this object id, if any."""
        with self._lock:
            return self._by_id.get(object_id.lower())

    def find_by_username(self, username: str) -> User | None:
        """The user with this username (case-insensitive), if any."""
        with self._lock:
            return self._by_username.get(username.lower())


class AppFamilies:
    """Which family of client ids (FOCI) each app belongs to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._family_of: dict[str, str] = {}

    def join(self, client_id: str, family_id: str) -> None:
        """Make ``client_id`` a member of ``family_id`` (Microsoft's one family is ``"1"``)."""
        with self._lock:
            self._family_of[client_id.lower()] = family_id

    def family_of(self, client_id: str) -> str | None:
        """The family ``client_id`` belongs to, if any."""
        with self._lock:
            return self._family_of.get(client_id.lower())
