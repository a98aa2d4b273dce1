"""Typed records a flow hands to the cache, one per MSAL section, and their bundle.

Invariants:

* A record is frozen; :meth:`to_entry` renders it in MSAL's schema (numbers as strings,
  optional fields only when set) and :attr:`key` is the key MSAL would file it under.
* A :class:`CacheWrite` is everything one token response adds; the cache stores it under one
  lock acquisition, so no reader ever sees half of a response.
* Reprs never show a secret.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from entraclient.cache.schema import (
    ACCESS_TOKEN,
    ACCOUNT,
    APP_METADATA,
    ID_TOKEN,
    REFRESH_TOKEN,
    AccessTokenRecord,
    Entry,
    account_key,
    app_metadata_key,
    id_token_key,
    refresh_token_key,
)

__all__ = [
    "AccountRecord",
    "AppMetadataRecord",
    "CacheWrite",
    "IdTokenRecord",
    "RefreshTokenRecord",
    "user_assertion_hash",
]


def user_assertion_hash(assertion: str) -> str:
    """The OBO partition of an incoming assertion: base64url(SHA-256(assertion)), as MSAL .NET."""
    digest = hashlib.sha256(assertion.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    """A refresh token; ``family_id`` is set for FOCI (family of client ids) tokens."""

    secret: str
    home_account_id: str
    environment: str
    client_id: str
    target: str
    last_modification_time: int
    family_id: str | None = None
    user_assertion_hash: str | None = None

    @property
    def key(self) -> str:
        return refresh_token_key(
            home_account_id=self.home_account_id,
            environment=self.environment,
            client_id=self.client_id,
            target=self.target,
        )

    def to_entry(self) -> Entry:
        entry: Entry = {
            "credential_type": REFRESH_TOKEN,
            "secret": self.secret,
            "home_account_id": self.home_account_id,
            "environment": self.environment,
            "client_id": self.client_id,
            "target": self.target,
            "last_modification_time": str(self.last_modification_time),
        }
        if self.family_id:
            entry["family_id"] = self.family_id
        if self.user_assertion_hash:
            entry["user_assertion_hash"] = self.user_assertion_hash
        return entry

    def __repr__(self) -> str:
        return f"RefreshTokenRecord(client_id={self.client_id!r}, ****)"


@dataclass(frozen=True, slots=True)
class IdTokenRecord:
    """An id token as received (never validated, as MSAL)."""

    secret: str
    home_account_id: str
    environment: str
    realm: str
    client_id: str

    @property
    def key(self) -> str:
        return id_token_key(
            home_account_id=self.home_account_id,
            environment=self.environment,
            client_id=self.client_id,
            realm=self.realm,
        )

    def to_entry(self) -> Entry:
        return {
            "credential_type": ID_TOKEN,
            "secret": self.secret,
            "home_account_id": self.home_account_id,
            "environment": self.environment,
            "realm": self.realm,
            "client_id": self.client_id,
        }

    def __repr__(self) -> str:
        return f"IdTokenRecord(client_id={self.client_id!r}, ****)"


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A signed-in account in one tenant (``realm``) of one cloud (``environment``)."""

    home_account_id: str
    environment: str
    realm: str
    local_account_id: str
    username: str
    authority_type: str
    account_source: str | None = None

    @property
    def key(self) -> str:
        return account_key(
            home_account_id=self.home_account_id, environment=self.environment, realm=self.realm
        )

    def to_entry(self) -> Entry:
        entry: Entry = {
            "home_account_id": self.home_account_id,
            "environment": self.environment,
            "realm": self.realm,
            "local_account_id": self.local_account_id,
            "username": self.username,
            "authority_type": self.authority_type,
        }
        if self.account_source:
            entry["account_source"] = self.account_source
        return entry


@dataclass(frozen=True, slots=True)
class AppMetadataRecord:
    """What the last token response said about an app: its FOCI family, if any."""

    client_id: str
    environment: str
    family_id: str | None = None

    @property
    def key(self) -> str:
        return app_metadata_key(self.environment, self.client_id)

    def to_entry(self) -> Entry:
        entry: Entry = {"client_id": self.client_id, "environment": self.environment}
        if self.family_id:
            entry["family_id"] = self.family_id
        return entry


@dataclass(frozen=True, slots=True)
class CacheWrite:
    """Everything one token response adds to the cache, stored atomically."""

    access_token: AccessTokenRecord | None = None
    refresh_token: RefreshTokenRecord | None = None
    id_token: IdTokenRecord | None = None
    account: AccountRecord | None = None
    app_metadata: AppMetadataRecord | None = None

    def entries(self) -> list[tuple[str, str, Entry]]:
        """``(section, key, entry)`` for each record present, in MSAL's order of writing."""
        found: list[tuple[str, AccessTokenRecord | RefreshTokenRecord | IdTokenRecord
                          | AccountRecord | AppMetadataRecord | None]] = [
            (ACCESS_TOKEN, self.access_token),
            (ACCOUNT, self.account),
            (ID_TOKEN, self.id_token),
            (REFRESH_TOKEN, self.refresh_token),
            (APP_METADATA, self.app_metadata),
        ]  # fmt: skip
        return [(section, r.key, r.to_entry()) for section, r in found if r is not None]
