"""The cache's storage: entries by section and key, their indexes, one lock, partitions.

Invariants:

* ``_sections`` holds every entry exactly as serialized (unknown sections and fields
  included). Entries are never changed in place: a change stores a new dict under the key.
  So a reader holding an entry never sees it torn, and a snapshot is a shallow copy.
* Every change goes through :meth:`_put` or :meth:`_pop`, which keep :class:`CacheIndex` and
  the set of changed partitions in step with ``_sections``; a large load from a store
  (:meth:`_file_unindexed`) drops the indexes instead, to be rebuilt on first need.
* The indexes of loaded content are built on first need (:attr:`_index`), not when it is
  loaded: an exact-key hit needs none of them, so a cache that is loaded and then only hit
  never pays for them. Building them also shares the strings that repeat across entries.
* Access tokens loaded by ``deserialize`` may be kept *undecoded* (``_undecoded``: each
  entry's JSON text, checked to be an object): a key is in it or in ``_sections``, never both.
  :meth:`_get` decodes one entry on first touch; building the indexes decodes the rest first,
  and every change builds them, so nothing is undecoded once anything changed. Serializing
  writes undecoded entries back byte for byte.
* ``hot_tokens`` holds compact records of app tokens that were hit (:mod:`.hot_tokens`); ``_put``
  and ``_pop`` drop a key's record and ``_install`` all of them.
* Methods whose names start with ``_`` expect the caller to hold ``_lock``; public ones take
  it, except the exact-key probe of ``find_access_token``, which reads without it (see
  there). Nothing here does I/O, so the lock is never held across the network.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from entraclient.cache.codec import decode_entry, is_usable
from entraclient.cache.hot_tokens import HotToken, TokenOwner, hot_token_of
from entraclient.cache.indexes import CacheIndex, bucket_of, scope_set
from entraclient.cache.partitions import PartitionKey, partition_of
from entraclient.cache.records import CacheWrite
from entraclient.cache.schema import ACCESS_TOKEN, SECTIONS, Entry
from entraclient.clock import Clock, system_clock

if TYPE_CHECKING:
    from msgspec import Raw

    from entraclient.cache.second_level import SecondLevel
    from entraclient.cache.stores.contract import (
        AsyncPartitionStore,
        EntryChange,
        PartitionStore,
    )

__all__ = ["OIDC_SCOPES", "CacheStore", "Sections", "index_of", "intern_common_values"]

OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
"""Scopes every user token may carry; sharing only these does not make two tokens overlap."""

Sections = dict[str, dict[str, Entry]]

_INTERNED_FIELDS = (
    "credential_type",
    "home_account_id",
    "environment",
    "client_id",
    "realm",
    "token_type",
    "authority_type",
    "family_id",
)


def intern_common_values(entry: Entry) -> Entry:
    """Share the strings that repeat across entries (client id, realm, ...) to save memory."""
    for field in _INTERNED_FIELDS:
        value = entry.get(field)
        if type(value) is str:
            entry[field] = sys.intern(value)
    return entry


class CacheStore:
    """Entries, indexes and partitions behind one re-entrant lock."""

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        store: PartitionStore | AsyncPartitionStore | None = None,
    ) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._sections: Sections = {}
        self._undecoded: dict[str, Raw] = {}
        self.hot_tokens: dict[str, HotToken] = {}
        """The compact records of the app tokens hit so far, by key (see :mod:`.hot_tokens`):
        read them, never change them; read without the lock (one dictionary read is atomic)."""
        self._built_index: CacheIndex | None = CacheIndex()
        self._listeners: list[Callable[[], None]] = []
        self._changed_partitions: set[PartitionKey] = set()
        # The second level (issue 11): entries changed since the last write to the store.
        self._dirty: dict[tuple[str, str], PartitionKey] | None = None
        self._second_level: SecondLevel | None = None
        if store is not None:
            self._attach_store(store)

    @property
    def _index(self) -> CacheIndex:
        """The indexes of the content, built now if the content was loaded since."""
        index = self._built_index
        if index is None:
            with self._lock:
                index = self._built_index
                if index is None:
                    self._decode_all()
                    index = self._built_index = index_of(self._sections, share_strings=True)
        return index

    # -- primitives (caller holds the lock) -----------------------------------------------

    def _decode_all(self) -> None:
        """Decode every access token ``deserialize`` left undecoded."""
        undecoded, self._undecoded = self._undecoded, {}
        if undecoded:
            entries = self._sections.setdefault(ACCESS_TOKEN, {})
            hot = self.hot_tokens
            for key, text in undecoded.items():
                entry = entries[key] = decode_entry(text)
                record = hot.get(key)
                if record is not None and entry.get("secret") == record.secret:
                    entry["secret"] = record.secret  # one copy of a token that was hit

    def _decode(self, key: str) -> Entry | None:
        """The access token under ``key`` if it is still undecoded, decoded now."""
        with self._lock:
            text = self._undecoded.pop(key, None)
            if text is None:  # decoded meanwhile, or never there
                return self._sections.get(ACCESS_TOKEN, {}).get(key)
            entry: Entry = decode_entry(text)
            self._sections.setdefault(ACCESS_TOKEN, {})[key] = entry
            return entry

    def _remember_hot(self, key: str, source: Entry | Raw, entry: Entry, owner: TokenOwner) -> None:
        """Keep the compact record of ``entry`` (which just passed a plain hit's full check
        for ``owner``; ``source`` is what the cache holds under ``key``, the entry itself or
        its undecoded text), unless that left the cache meanwhile. A hit never waits for the
        lock: when a writer holds it, the record is left for a later hit to make."""
        record = hot_token_of(entry, owner)
        if self._lock.acquire(blocking=False):
            try:
                held = self._sections.get(ACCESS_TOKEN, {}).get(key)
                if (held if held is not None else self._undecoded.get(key)) is source:
                    self.hot_tokens[key] = record
            finally:
                self._lock.release()

    def _put(self, section: str, key: str, entry: Entry) -> None:
        index = self._index  # built first: it decodes what is undecoded
        entries = self._sections.get(section)
        if entries is None:
            entries = self._sections[section] = {}
        old = entries.get(key)
        if old is not None:
            index.discard(section, key, old)
            self._changed_partitions.add(partition_of(section, old))
        if section == ACCESS_TOKEN:
            self.hot_tokens.pop(key, None)
        entries[key] = intern_common_values(entry)
        index.add(section, key, entry)
        partition = partition_of(section, entry)
        self._changed_partitions.add(partition)
        if self._dirty is not None:
            self._dirty[(section, key)] = partition

    def _pop(self, section: str, key: str) -> Entry | None:
        index = self._index  # built first: it decodes what is undecoded
        if section == ACCESS_TOKEN:
            self.hot_tokens.pop(key, None)
        entries = self._sections.get(section)
        old = entries.pop(key, None) if entries is not None else None
        if old is not None:
            index.discard(section, key, old)
            partition = partition_of(section, old)
            self._changed_partitions.add(partition)
            if self._dirty is not None:
                self._dirty[(section, key)] = partition
        return old

    def _get(self, section: str, key: str) -> Entry | None:
        entries = self._sections.get(section)
        found = entries.get(key) if entries is not None else None
        if found is None and self._undecoded and section == ACCESS_TOKEN:
            return self._decode(key)
        return found

    def _entries(self, section: str, keys: Iterable[str]) -> list[Entry]:
        entries = self._sections.get(section, {})
        return [entry for entry in map(entries.get, keys) if entry is not None]

    def _sweep_expired(self, now: float) -> int:
        """Drop the access tokens that expired before ``now``; amortised O(1) per token."""
        removed = 0
        for key in self._index.expiry.due(now):
            entry = self._get(ACCESS_TOKEN, key)
            if (
                entry is not None
                and is_usable(ACCESS_TOKEN, entry)
                and int(entry["expires_on"]) < now
            ):
                self._pop(ACCESS_TOKEN, key)
                removed += 1
        return removed

    def save(self, write: CacheWrite, now: float | None = None) -> None:
        """Store every record of one token response at once (sweeping expired tokens first).

        An access token replaces the one under its key and the tokens of its bucket that
        share a resource scope with it (as MSAL .NET does), so refreshing never piles up.
        """
        with self._lock:
            self._sweep_expired(self._clock() if now is None else now)
            for section, key, entry in write.entries():
                if section == ACCESS_TOKEN:
                    self._put_access_token(key, entry)
                elif self._get(section, key) != entry:  # AppMetadata is mostly unchanged
                    self._put(section, key, entry)
            self._changed()
        self._write_to_second_level()

    def _put_access_token(self, key: str, entry: Entry) -> None:
        bucket = self._index.buckets.get(bucket_of(entry))
        if bucket is not None:
            doomed = {
                holder
                for scope in scope_set(entry["target"]) - OIDC_SCOPES
                for holder in bucket.holders(scope)
                if holder != key
            }
            for holder in doomed:
                self._pop(ACCESS_TOKEN, holder)
        self._put(ACCESS_TOKEN, key, entry)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    def _on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    # -- whole state ------------------------------------------------------------------------

    def snapshot(self) -> Sections:
        """A copy of every section (entries shared: they are never changed in place)."""
        with self._lock:
            self._decode_all()
            return {name: dict(entries) for name, entries in self._sections.items()}

    def _snapshot_to_write(self) -> dict[str, dict[str, Entry | Raw]]:
        """:meth:`snapshot` for writing as JSON: undecoded entries stay as their text."""
        with self._lock:
            copy: dict[str, dict[str, Entry | Raw]] = {
                name: dict(entries) for name, entries in self._sections.items()
            }
            if self._undecoded:
                copy.setdefault(ACCESS_TOKEN, {}).update(self._undecoded)
            return copy

    def replace_all(self, sections: Sections) -> None:
        """Replace the whole content with ``sections`` (parsed by :func:`parse_sections`);
        the indexes are rebuilt on first need."""
        with self._lock:
            self._install(sections)

    def _install(self, sections: Sections, undecoded: dict[str, Raw] | None = None) -> None:
        """Replace the content with ``sections`` plus the ``undecoded`` access tokens."""
        if undecoded:
            sections.setdefault(ACCESS_TOKEN, {})
        self._sections = sections
        self._undecoded = undecoded or {}
        self.hot_tokens.clear()  # the same dictionary: look-ups hold it
        self._built_index = None
        self._changed_partitions = set()
        if self._second_level is not None:
            self._second_level.forget_loaded()

    # -- second level hooks (see entraclient.cache.second_level) ---------------------------

    def _attach_store(self, store: PartitionStore | AsyncPartitionStore) -> None:
        from entraclient.cache.second_level import SecondLevel
        from entraclient.cache.stores.async_bridge import AsyncStoreBridge, is_async_store

        sync_store: PartitionStore = (
            AsyncStoreBridge(store)  # type: ignore[arg-type]
            if is_async_store(store)
            else store  # type: ignore[assignment]
        )
        self._second_level = SecondLevel(sync_store)
        self._dirty = {}

    @property
    def second_level_store(self) -> PartitionStore | None:
        """The store behind this cache (an async one wrapped in its bridge), if any."""
        return self._second_level.store if self._second_level is not None else None

    def _write_to_second_level(self) -> None:
        """Write the changed entries to the store, if any (call without holding the lock)."""
        if self._second_level is not None:
            self._second_level.flush(self)

    def write_changes_to_store(self) -> None:
        """Write what changed to the store now (acquisitions do it by themselves; call this
        after importing entries or after a store outage, to catch up at once)."""
        self._write_to_second_level()

    def _load_from_second_level(self, partition: PartitionKey) -> bool:
        """Load ``partition`` from the store once; whether entries came in."""
        return self._second_level is not None and self._second_level.load(self, partition)

    def take_entry_changes(self) -> dict[PartitionKey, list[EntryChange]]:
        """The entries changed since the last call (``entry=None``: removed), by partition."""
        from entraclient.cache.stores.contract import EntryChange

        with self._lock:
            dirty, self._dirty = self._dirty, {}
            by_partition: dict[PartitionKey, list[EntryChange]] = {}
            for (section, key), partition in (dirty or {}).items():
                entry = self._get(section, key)
                by_partition.setdefault(partition, []).append(EntryChange(section, key, entry))
        return by_partition

    def requeue_entry_changes(
        self, partition: PartitionKey, changes: Iterable[EntryChange]
    ) -> None:
        """Mark ``changes`` as still to write (their write failed), unless changed again."""
        with self._lock:
            if self._dirty is not None:
                for change in changes:
                    self._dirty.setdefault((change.section, change.key), partition)

    def merge_loaded(
        self, loaded: Iterable[tuple[str, str, Entry]], partition: PartitionKey | None = None
    ) -> int:
        """Add entries loaded from a store (all of ``partition``, when given), except those
        the cache holds or has yet to write (the cache's version is newer); they are not
        marked changed. Returns the count.

        A load at least as large as what the cache holds (a restart) files the entries
        without their indexes and leaves those to be rebuilt on first need, as
        ``deserialize`` does: a restart answered by exact hits never builds them.
        """
        with self._lock:
            dirty = self._dirty or {}
            new = [
                (section, key, entry)
                for section, key, entry in loaded
                if self._get(section, key) is None and (section, key) not in dirty
            ]
            if partition is not None and len(new) >= self._size() + self._BULK_LOAD_FLOOR:
                self._file_unindexed(new, partition)
            else:
                held, self._dirty = self._dirty, None  # loaded entries are not changes to write
                try:
                    for section, key, entry in new:
                        self._put(section, key, entry)
                finally:
                    self._dirty = held
        return len(new)

    def _size(self) -> int:
        """How many entries the cache holds, undecoded ones included."""
        return sum(len(entries) for entries in self._sections.values()) + len(self._undecoded)

    _BULK_LOAD_FLOOR = 64
    """Loads smaller than this (beyond what is cached) go through the indexes one by one."""

    def _file_unindexed(self, new: list[tuple[str, str, Entry]], partition: PartitionKey) -> None:
        """:meth:`merge_loaded` of many new entries: into the sections, the indexes dropped."""
        for section, key, entry in new:
            self._sections.setdefault(section, {})[key] = entry
        self._built_index = None  # rebuilt from every section on first need
        self._changed_partitions.add(partition)

    # -- partitions -------------------------------------------------------------------------

    def partition_keys(self) -> list[PartitionKey]:
        """The partitions that hold at least one entry, sorted."""
        with self._lock:
            return sorted(self._index.partition_keys())

    def changed_partitions(self) -> frozenset[PartitionKey]:
        """Partitions changed since the cache was loaded or they were last exported or imported."""
        with self._lock:
            return frozenset(self._changed_partitions)

    def partition_sections(self, partition: PartitionKey, *, mark_saved: bool = False) -> Sections:
        """The entries of ``partition`` by section (O(size of the partition))."""
        with self._lock:
            found = {
                section: {key: self._sections[section][key] for key in keys}
                for section, keys in self._index.keys_of_partition(partition).items()
            }
            if mark_saved:
                self._changed_partitions.discard(partition)
            return found

    def replace_partition(self, partition: PartitionKey, sections: Sections) -> None:
        """Replace the entries of ``partition`` with ``sections`` (all checked to belong)."""
        for section, entries in sections.items():
            for entry in entries.values():
                if partition_of(section, entry) != partition:
                    raise ValueError(
                        f"an entry of section {section!r} belongs to partition "
                        f"{partition_of(section, entry)}, not {partition}"
                    )
        with self._lock:
            for section, keys in self._index.keys_of_partition(partition).items():
                for key in keys:
                    self._pop(section, key)
            for section, entries in sections.items():
                for key, entry in entries.items():
                    self._put(section, key, entry)
            self._changed_partitions.discard(partition)
            self._changed()


def index_of(sections: Sections, *, share_strings: bool = False) -> CacheIndex:
    """The indexes of ``sections``; with ``share_strings``, repeated field values of known
    sections are interned on the way (the same text, so readers see no change)."""
    index = CacheIndex()
    for section, entries in sections.items():
        share = share_strings and section in SECTIONS
        for key, entry in entries.items():
            if share:
                intern_common_values(entry)
            index.add(section, key, entry)
    return index
