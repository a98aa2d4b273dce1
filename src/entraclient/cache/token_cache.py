"""The token cache: MSAL's schema in memory, with indexes so a request never scans it.

Invariants:

* ``_sections`` holds every entry by section and key, exactly as serialized (unknown
  sections and fields included). The indexes only point into it and are rebuilt from it.
* Access tokens are indexed by partition (:class:`PartitionKey`: home account, environment,
  client, realm, key id, extension key) and, within a partition, by lower-cased scope. A hit,
  a miss, an insert, a replacement and a removal cost O(1) on average, or O(size of the
  answer); only serialization and explicit enumeration touch every entry.
* Every public method takes ``_lock``; none does I/O, so the lock is never held across the
  network.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from entraclient.cache.schema import (
    ACCESS_TOKEN,
    APP_METADATA,
    AccessTokenRecord,
    Entry,
    access_token_key,
    app_metadata_key,
)

__all__ = ["EXPIRY_MARGIN_SECONDS", "AccessTokenQuery", "PartitionKey", "TokenCache"]

EXPIRY_MARGIN_SECONDS = 300
"""An access token closer than this to its expiry is not handed out (PROTOCOL.md §8.6)."""


@dataclass(frozen=True, slots=True)
class PartitionKey:
    """Which access tokens can answer the same request."""

    home_account_id: str
    environment: str
    client_id: str
    realm: str
    key_id: str = ""
    ext_cache_key: str = ""

    @classmethod
    def of_entry(cls, entry: Entry) -> PartitionKey:
        return cls(
            home_account_id=str(entry.get("home_account_id") or "").lower(),
            environment=str(entry.get("environment") or "").lower(),
            client_id=str(entry.get("client_id") or "").lower(),
            realm=str(entry.get("realm") or "").lower(),
            key_id=str(entry.get("key_id") or ""),
            ext_cache_key=str(entry.get("ext_cache_key") or ""),
        )


@dataclass(frozen=True, slots=True)
class AccessTokenQuery:
    """A request for an access token covering ``scopes`` in one partition."""

    client_id: str
    environment: str
    realm: str
    scopes: tuple[str, ...]
    home_account_id: str | None = None
    key_id: str | None = None
    ext_cache_key: str | None = None

    def partition(self, environment: str | None = None) -> PartitionKey:
        return PartitionKey(
            home_account_id=(self.home_account_id or "").lower(),
            environment=(environment or self.environment).lower(),
            client_id=self.client_id.lower(),
            realm=self.realm.lower(),
            key_id=self.key_id or "",
            ext_cache_key=self.ext_cache_key or "",
        )


class _Partition:
    """The access tokens of one partition, with a scope index."""

    __slots__ = ("by_scope", "keys")

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.by_scope: dict[str, set[str]] = {}

    def add(self, key: str, scopes: Iterable[str]) -> None:
        self.keys.add(key)
        for scope in scopes:
            self.by_scope.setdefault(scope, set()).add(key)

    def discard(self, key: str, scopes: Iterable[str]) -> None:
        self.keys.discard(key)
        for scope in scopes:
            holders = self.by_scope.get(scope)
            if holders is not None:
                holders.discard(key)
                if not holders:
                    del self.by_scope[scope]

    def candidates(self, scopes: Iterable[str]) -> set[str]:
        """Keys of tokens holding every one of ``scopes`` (smallest index set first)."""
        sets = [self.by_scope.get(scope, set()) for scope in scopes]
        if not sets:
            return set(self.keys)
        sets.sort(key=len)
        return set(sets[0]).intersection(*sets[1:])


def _scope_set(target: object) -> frozenset[str]:
    return frozenset(str(target or "").lower().split())


class TokenCache:
    """An in-memory, thread-safe token cache in MSAL's unified schema.

    Applications share one by passing it as ``token_cache``. :class:`SerializableTokenCache`
    adds persistence.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._sections: dict[str, dict[str, Entry]] = {}
        self._partitions: dict[PartitionKey, _Partition] = {}
        self._listeners: list[Callable[[], None]] = []

    # -- access tokens ---------------------------------------------------------------

    def add_access_token(self, record: AccessTokenRecord) -> None:
        """Store ``record``, replacing an entry with the same key."""
        entry = record.to_entry()
        with self._lock:
            self._put_access_token(record.key, entry)
            self._changed()

    def find_access_token(self, query: AccessTokenQuery, now: float) -> Entry | None:
        """A usable access token answering ``query``, or ``None``; drops expired ones met."""
        wanted = frozenset(s.lower() for s in query.scopes)
        with self._lock:
            partition = self._partitions.get(query.partition())
            if partition is None:
                return None
            probe = access_token_key(
                home_account_id=query.home_account_id,
                environment=query.environment,
                client_id=query.client_id,
                realm=query.realm,
                target=" ".join(sorted(query.scopes)),
                ext_cache_key=query.ext_cache_key,
            )
            keys = [probe] if probe in partition.keys else []
            keys.extend(k for k in partition.candidates(wanted) if k != probe)
            return self._first_usable(keys, wanted, now)

    def _first_usable(self, keys: list[str], wanted: frozenset[str], now: float) -> Entry | None:
        section = self._sections.get(ACCESS_TOKEN, {})
        for key in keys:
            entry = section.get(key)
            if entry is None or not wanted <= _scope_set(entry.get("target")):
                continue
            expires_on = _as_int(entry.get("expires_on"))
            if expires_on < now:
                self._drop_access_token(key)
                self._changed()
                continue
            if expires_on - now >= EXPIRY_MARGIN_SECONDS:
                return dict(entry)
        return None

    def remove_access_tokens(
        self, *, client_id: str, environments: Iterable[str], home_account_id: str | None = None
    ) -> int:
        """Remove the access tokens of ``client_id`` for one account (or app-only) in any of
        ``environments``; tokens with an extension key are kept (as MSAL does). Returns the
        number removed."""
        envs = {e.lower() for e in environments}
        owner = (home_account_id or "").lower()
        with self._lock:
            doomed = [
                key
                for pkey, partition in self._partitions.items()
                if pkey.client_id == client_id.lower()
                and pkey.environment in envs
                and pkey.home_account_id == owner
                and not pkey.ext_cache_key
                for key in partition.keys
            ]
            for key in doomed:
                self._drop_access_token(key)
            if doomed:
                self._changed()
            return len(doomed)

    # -- app metadata ----------------------------------------------------------------

    def set_app_metadata(self, *, environment: str, client_id: str, family_id: str | None) -> None:
        """Record what the last token response said about this app (its FOCI family)."""
        entry: Entry = {"client_id": client_id, "environment": environment}
        if family_id:
            entry["family_id"] = family_id
        with self._lock:
            section = self._sections.setdefault(APP_METADATA, {})
            key = app_metadata_key(environment, client_id)
            if section.get(key) != entry:
                section[key] = entry
                self._changed()

    # -- enumeration -----------------------------------------------------------------

    def entries(self, section: str) -> list[Entry]:
        """A snapshot of every entry of ``section`` (explicit enumeration: O(n))."""
        with self._lock:
            return [dict(e) for e in self._sections.get(section, {}).values()]

    def __len__(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._sections.values())

    def __iter__(self) -> Iterator[tuple[str, str, Entry]]:
        for section in self.sections():
            for key, entry in self.snapshot().get(section, {}).items():
                yield section, key, entry

    def sections(self) -> list[str]:
        with self._lock:
            return list(self._sections)

    def snapshot(self) -> dict[str, dict[str, Entry]]:
        """A deep-enough copy of every section, for serialization."""
        with self._lock:
            return {
                name: {key: dict(entry) for key, entry in section.items()}
                for name, section in self._sections.items()
            }

    def replace_all(self, sections: dict[str, dict[str, Entry]]) -> None:
        """Replace the whole content (already validated) and rebuild the indexes."""
        partitions: dict[PartitionKey, _Partition] = {}
        for key, entry in sections.get(ACCESS_TOKEN, {}).items():
            partitions.setdefault(PartitionKey.of_entry(entry), _Partition()).add(
                key, _scope_set(entry.get("target"))
            )
        with self._lock:
            self._sections = sections
            self._partitions = partitions

    # -- internals -------------------------------------------------------------------

    def _put_access_token(self, key: str, entry: Entry) -> None:
        section = self._sections.setdefault(ACCESS_TOKEN, {})
        if key in section:
            self._drop_access_token(key)
        section[key] = entry
        self._partitions.setdefault(PartitionKey.of_entry(entry), _Partition()).add(
            key, _scope_set(entry.get("target"))
        )

    def _drop_access_token(self, key: str) -> None:
        entry = self._sections.get(ACCESS_TOKEN, {}).pop(key, None)
        if entry is None:
            return
        pkey = PartitionKey.of_entry(entry)
        partition = self._partitions.get(pkey)
        if partition is not None:
            partition.discard(key, _scope_set(entry.get("target")))
            if not partition.keys:
                del self._partitions[pkey]

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    def _on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)


def _as_int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
