"""The indexes beside the cache's entries, so a request never scans the cache.

Invariants (checked by the property tests in tests/cache/test_indexes.py):

* Every index holds only keys; the entries live in the store's sections. For each stored
  ``(section, key, entry)`` the index entries derived from ``entry`` exist, and no others:
  :meth:`CacheIndex.add` and :meth:`CacheIndex.discard` are exact inverses when given the same
  entry, so the store always discards with the entry it stored.
* Access tokens are grouped in *buckets* (:data:`BucketKey`: account, environment, client,
  realm, key id, extension key, assertion hash), the set of tokens that may answer one
  request; within a bucket a scope index maps each lower-cased scope to the tokens holding it.
  A hit probes the exact key first; a miss reads one scope's holders. Both are O(1) average.
* Credentials of accounts are indexed by owner ``(home_account_id, environment)``, lower-cased;
  accounts also by environment; OBO refresh tokens by assertion hash; every entry by partition.
* The expiry wheel files access tokens by minute of expiry, so expired tokens are swept in
  amortised O(1) per token, without ever scanning live ones.
* An entry that is not usable (:func:`~entraclient.cache.codec.is_usable`: a field missing,
  wrong-typed or out of range, as another MSAL may write) is filed only in its partition's
  members, so it is saved and loaded with its partition but no look-up ever finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple, TypeVar

from entraclient.cache.codec import is_usable
from entraclient.cache.partitions import PartitionKey, partition_of
from entraclient.cache.schema import ACCESS_TOKEN, ACCOUNT, ID_TOKEN, REFRESH_TOKEN, Entry

__all__ = [
    "AccessTokenProbe",
    "BucketKey",
    "CacheIndex",
    "ExpiryWheel",
    "KeySets",
    "ScopeIndex",
    "bucket_of",
    "scope_set",
]

BucketKey = tuple[str, str, str, str, str, str, str]
"""(home_account_id, environment, client_id, realm, key_id, ext_cache_key, user_assertion_hash)"""
Owner = tuple[str, str]
"""(home_account_id, environment), lower-cased."""
K = TypeVar("K")

NO_SCOPE = ""
"""Stands for "no scope" in the scope index, so a token with an empty target is still filed."""


def _text(entry: Entry, field: str) -> str:
    value = entry.get(field)
    return value if isinstance(value, str) else ""


def scope_set(target: object) -> frozenset[str]:
    """The lower-cased scopes of a ``target`` string."""
    return frozenset(target.lower().split()) if isinstance(target, str) else frozenset()


def bucket_of(entry: Entry) -> BucketKey:
    """The bucket of an access token entry (whose fields are strings or null: checked)."""
    get = entry.get
    return (
        (get("home_account_id") or "").lower(),
        (get("environment") or "").lower(),
        (get("client_id") or "").lower(),
        (get("realm") or "").lower(),
        get("key_id") or "",
        get("ext_cache_key") or "",
        get("user_assertion_hash") or "",
    )


def owner_of(entry: Entry) -> Owner:
    return (_text(entry, "home_account_id").lower(), _text(entry, "environment").lower())


class AccessTokenProbe(NamedTuple):
    """A prepared access-token look-up: its bucket, the exact key, the wanted scopes as a
    lower-cased, sorted, space-joined target, and the interned (home_account_id,
    environment, client_id, realm) an exact match is expected to hold."""

    bucket: BucketKey
    key: str
    target: str
    owner: tuple[str | None, str, str, str]

    @property
    def wanted(self) -> frozenset[str]:
        return frozenset(self.target.split())


class ScopeIndex:
    """The access tokens of one bucket, by scope. A scope held by one token maps to its key."""

    __slots__ = ("by_scope", "keys")

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.by_scope: dict[str, str | set[str]] = {}

    def add(self, key: str, scopes: Iterable[str]) -> None:
        self.keys.add(key)
        by_scope = self.by_scope
        for scope in scopes or (NO_SCOPE,):
            holders = by_scope.get(scope)
            if holders is None:
                by_scope[scope] = key
            elif isinstance(holders, str):
                if holders != key:
                    by_scope[scope] = {holders, key}
            else:
                holders.add(key)

    def discard(self, key: str, scopes: Iterable[str]) -> None:
        self.keys.discard(key)
        by_scope = self.by_scope
        for scope in scopes or (NO_SCOPE,):
            holders = by_scope.get(scope)
            if holders is None:
                continue
            if isinstance(holders, str):
                if holders == key:
                    del by_scope[scope]
                continue
            holders.discard(key)
            if len(holders) == 1:
                by_scope[scope] = next(iter(holders))

    def holders(self, scope: str) -> tuple[str, ...]:
        """Keys of the tokens holding ``scope``."""
        found = self.by_scope.get(scope)
        if found is None:
            return ()
        return (found,) if isinstance(found, str) else tuple(found)

    def candidates(self, wanted: frozenset[str]) -> Iterator[str]:
        """Keys of tokens that may hold every wanted scope (those of the rarest scope)."""
        if not wanted:
            yield from tuple(self.keys)
            return
        rarest: tuple[str, ...] | None = None
        for scope in wanted:
            holders = self.holders(scope)
            if not holders:
                return
            if rarest is None or len(holders) < len(rarest):
                rarest = holders
        yield from rarest or ()


class KeySets:
    """A multimap from an index key to a set of entry keys; empty sets are dropped."""

    __slots__ = ("_sets",)

    def __init__(self) -> None:
        self._sets: dict[object, set[str]] = {}

    def add(self, index_key: object, key: str) -> None:
        found = self._sets.get(index_key)
        if found is None:
            self._sets[index_key] = {key}
        else:
            found.add(key)

    def discard(self, index_key: object, key: str) -> None:
        found = self._sets.get(index_key)
        if found is not None:
            found.discard(key)
            if not found:
                del self._sets[index_key]

    def get(self, index_key: object) -> tuple[str, ...]:
        return tuple(self._sets.get(index_key, ()))

    def index_keys(self) -> list[object]:
        return list(self._sets)


class ExpiryWheel:
    """Access-token keys filed by the minute they expire in; swept as time passes."""

    WIDTH = 60

    __slots__ = ("_cursor", "_slots")

    def __init__(self) -> None:
        self._slots: dict[int, list[str]] = {}
        self._cursor: int | None = None

    def add(self, key: str, expires_on: int) -> None:
        slot = expires_on // self.WIDTH
        if self._cursor is not None and slot < self._cursor:
            slot = self._cursor
        found = self._slots.get(slot)
        if found is None:
            self._slots[slot] = [key]
        else:
            found.append(key)

    def due(self, now: float) -> list[str]:
        """Keys filed in minutes wholly before ``now`` (they may since have been replaced)."""
        current = int(now) // self.WIDTH
        cursor = self._cursor
        if cursor is None or current - cursor > len(self._slots):
            slots: Iterable[int] = sorted(s for s in self._slots if s < current)
        else:
            slots = range(cursor, current)
        due: list[str] = []
        for slot in slots:
            due.extend(self._slots.pop(slot, ()))
        if cursor is None or current > cursor:
            self._cursor = current
        return due

    def clear(self) -> None:
        self._slots.clear()
        self._cursor = None


class CacheIndex:
    """Every index of one cache. Callers hold the cache's lock."""

    def __init__(self) -> None:
        self.buckets: dict[BucketKey, ScopeIndex] = {}
        self.buckets_by_owner: dict[Owner, set[BucketKey]] = {}
        self.buckets_by_partition: dict[PartitionKey, set[BucketKey]] = {}
        self.owned = {REFRESH_TOKEN: KeySets(), ID_TOKEN: KeySets(), ACCOUNT: KeySets()}
        self.accounts_by_environment = KeySets()
        self.refresh_tokens_by_assertion = KeySets()
        self.members: dict[PartitionKey, dict[str, set[str]]] = {}
        self.expiry = ExpiryWheel()

    # -- maintenance ---------------------------------------------------------------------

    def add(self, section: str, key: str, entry: Entry) -> None:
        usable = is_usable(section, entry)
        if section == ACCESS_TOKEN and usable:
            self._add_access_token(key, entry)
            return
        self._members(partition_of(section, entry), section).add(key)
        if not usable:
            return
        if section in self.owned:
            self.owned[section].add(owner_of(entry), key)
        if section == ACCOUNT:
            self.accounts_by_environment.add(_text(entry, "environment").lower(), key)
        elif section == REFRESH_TOKEN and _text(entry, "user_assertion_hash"):
            self.refresh_tokens_by_assertion.add(_text(entry, "user_assertion_hash"), key)

    def discard(self, section: str, key: str, entry: Entry) -> None:
        usable = is_usable(section, entry)
        if section == ACCESS_TOKEN and usable:
            self._discard_access_token(key, entry)
            return
        partition = partition_of(section, entry)
        members = self.members.get(partition)
        if members is not None:
            keys = members.get(section)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del members[section]
            if not members:
                del self.members[partition]
        if not usable:
            return
        if section in self.owned:
            self.owned[section].discard(owner_of(entry), key)
        if section == ACCOUNT:
            self.accounts_by_environment.discard(_text(entry, "environment").lower(), key)
        elif section == REFRESH_TOKEN and _text(entry, "user_assertion_hash"):
            self.refresh_tokens_by_assertion.discard(_text(entry, "user_assertion_hash"), key)

    def _members(self, partition: PartitionKey, section: str) -> set[str]:
        return self.members.setdefault(partition, {}).setdefault(section, set())

    def _add_access_token(self, key: str, entry: Entry) -> None:
        bucket_key = bucket_of(entry)
        bucket = self.buckets.get(bucket_key)
        if bucket is None:
            bucket = self.buckets[bucket_key] = ScopeIndex()
            self.buckets_by_owner.setdefault(bucket_key[:2], set()).add(bucket_key)
            partition = partition_of(ACCESS_TOKEN, entry)
            self.buckets_by_partition.setdefault(partition, set()).add(bucket_key)
        bucket.add(key, scope_set(entry.get("target")))
        self.expiry.add(key, _as_int(entry.get("expires_on")))

    def _discard_access_token(self, key: str, entry: Entry) -> None:
        bucket_key = bucket_of(entry)
        bucket = self.buckets.get(bucket_key)
        if bucket is None:
            return
        bucket.discard(key, scope_set(entry.get("target")))
        if bucket.keys:
            return
        del self.buckets[bucket_key]
        _discard_from(self.buckets_by_owner, bucket_key[:2], bucket_key)
        _discard_from(self.buckets_by_partition, partition_of(ACCESS_TOKEN, entry), bucket_key)

    # -- queries -------------------------------------------------------------------------

    def access_token_keys_of_owner(self, owner: Owner) -> list[str]:
        return [
            key
            for bucket_key in self.buckets_by_owner.get(owner, ())
            for key in self.buckets[bucket_key].keys
        ]

    def partition_keys(self) -> set[PartitionKey]:
        return set(self.buckets_by_partition) | set(self.members)

    def keys_of_partition(self, partition: PartitionKey) -> dict[str, list[str]]:
        found = {section: list(keys) for section, keys in self.members.get(partition, {}).items()}
        at_keys = [
            key
            for bucket_key in self.buckets_by_partition.get(partition, ())
            for key in self.buckets[bucket_key].keys
        ]
        if at_keys:
            found[ACCESS_TOKEN] = found.get(ACCESS_TOKEN, []) + at_keys
        return found


def _discard_from(sets: dict[K, set[BucketKey]], index_key: K, bucket_key: BucketKey) -> None:
    found = sets.get(index_key)
    if found is not None:
        found.discard(bucket_key)
        if not found:
            del sets[index_key]


def _as_int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
