"""The second level of the token cache: a store behind the in-memory cache.

The in-memory cache (L1) answers every hit. This module decides, once for every store,
what to load and what to write:

* On an L1 miss in a partition not yet loaded, :meth:`SecondLevel.load` reads that partition
  from the store once and merges it under L1 (an entry L1 already holds, or has removed and
  not yet written, wins).
* After a change, :meth:`SecondLevel.flush` takes the entries that changed (not whole
  partitions) and writes them, outside the cache's lock, one partition at a time. Flushes are
  serialised, so an older version of an entry never overwrites a newer one.
* Cross-instance coalescing: after an L1 and L2 miss, a store with :class:`FillLocks`
  (Redis) is asked for a short lock named after the missing token. The caller that gets it
  asks the identity provider (threads of the same process share that request through the
  driver's single flight); callers elsewhere wait for the lock to go, then read the token
  from the store. The lock is released when the partition's change is written; a holder
  that dies blocks no one beyond ``fill_lock_ms``, nor longer than ``fill_wait_seconds``.
* A store failure never fails an acquisition: the cache carries on with L1 (and the identity
  provider), the failure is logged once per ``failure_log_interval`` without a secret, the
  store is left alone for ``retry_after`` seconds, then tried again (redis-py reconnects by
  itself); changes that failed to write are kept and written by a later flush.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.stores.contract import FillLocks, LoadDeferred, PartitionStore

if TYPE_CHECKING:
    from entraclient.cache.store import CacheStore

__all__ = ["SecondLevel", "partition_of_bucket"]

logger = logging.getLogger(__name__)
T = TypeVar("T")


def partition_of_bucket(bucket: tuple[str, ...]) -> PartitionKey:
    """The partition of an access-token bucket ``(home, env, client, realm, kid, ext, hash)``."""
    if bucket[6]:
        return PartitionKey.obo(bucket[6])
    if bucket[0]:
        return PartitionKey.user(bucket[0])
    return PartitionKey.app(bucket[2], bucket[3])


class SecondLevel:
    """Loads partitions from ``store`` on L1 misses and writes changed entries back."""

    def __init__(
        self,
        store: PartitionStore,
        *,
        retry_after: float = 5.0,
        failure_log_interval: float = 60.0,
        fill_lock_ms: int = 10_000,
        fill_wait_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._retry_after = retry_after
        self._log_interval = failure_log_interval
        self._monotonic = monotonic
        self._loaded: set[PartitionKey] = set()
        self._loading: dict[PartitionKey, threading.Lock] = {}
        self._guard = threading.Lock()
        self._flushing = threading.Lock()
        self._down_until = 0.0
        self._last_logged = -float("inf")
        self._fill_lock_ms = fill_lock_ms
        self._fill_wait_seconds = fill_wait_seconds
        self._held: dict[PartitionKey, dict[str, str]] = {}  # partition -> lock name -> token
        self._waiting: dict[str, threading.Lock] = {}

    def __repr__(self) -> str:
        return f"SecondLevel({self.store!r}, loaded={len(self._loaded)})"

    def is_loaded(self, partition: PartitionKey) -> bool:
        """Whether ``partition`` was read from the store already."""
        return partition in self._loaded

    def load(self, cache: CacheStore, partition: PartitionKey) -> bool:
        """Load ``partition`` into ``cache`` unless done; whether new entries came in.

        Threads missing the same partition at once read the store once between them.
        """
        if partition in self._loaded or not self._available() or self._deferred_here():
            return False
        with self._guard:
            gate = self._loading.setdefault(partition, threading.Lock())
        with gate:
            if partition in self._loaded:
                return True  # another thread loaded it while this one waited
            try:
                found = self.store.load(partition)
            except LoadDeferred:
                return False
            except Exception as failure:  # a store never fails an acquisition
                self._failed("load", failure)
                return False
            merged = cache.merge_loaded(found, partition)
            self._loaded.add(partition)
        return merged > 0

    def fill_or_wait(
        self,
        cache: CacheStore,
        partition: PartitionKey,
        token_key: str,
        look_again: Callable[[], T | None],
    ) -> T | None:
        """After a miss in L1 and L2: ``None`` if this process is to ask the identity
        provider (it holds, or could not take, the fill lock), else ``look_again()`` once the
        holder elsewhere released the lock and its token was read from the store."""
        locks = self.store
        if not isinstance(locks, FillLocks) or not self._available() or self._deferred_here():
            return None
        name = hashlib.sha256(f"{partition}\n{token_key}".encode()).hexdigest()[:40]
        with self._guard:
            if name in self._held.get(partition, {}):
                return None  # this process fills it; its threads share the driver's flight
        with self._guard:
            waiting = self._waiting.setdefault(name, threading.Lock())
        with waiting:  # one thread of this process takes or waits; the others after it
            try:
                return self._take_or_wait(cache, locks, partition, name, look_again)
            finally:
                with self._guard:  # a thread arriving later makes a new gate
                    self._waiting.pop(name, None)

    def _take_or_wait(
        self,
        cache: CacheStore,
        locks: FillLocks,
        partition: PartitionKey,
        name: str,
        look_again: Callable[[], T | None],
    ) -> T | None:
        again = look_again()
        if again is not None:
            return again
        try:
            token = locks.try_lock(name, self._fill_lock_ms)
            if token is not None:
                with self._guard:
                    self._held.setdefault(partition, {})[name] = token
                return None
            locks.wait_unlocked(name, self._fill_wait_seconds)
            found = self.store.load(partition)
        except LoadDeferred:
            return None
        except Exception as failure:  # see load()
            self._failed("lock", failure)
            return None
        cache.merge_loaded(found)
        return look_again()

    def flush(self, cache: CacheStore) -> None:
        """Write every entry changed since the last flush, one partition at a time, then
        release the fill locks this process holds on those partitions."""
        if not self._available() or self._deferred_here():
            return  # the changes stay marked and go with the next flush
        with self._flushing:
            changes = cache.take_entry_changes()
            for partition, batch in changes.items():
                try:
                    self.store.write(partition, batch)
                except Exception as failure:  # see load()
                    self._failed("write", failure)
                    cache.requeue_entry_changes(partition, batch)
                self._release_fill_locks(partition)

    def _release_fill_locks(self, partition: PartitionKey) -> None:
        with self._guard:
            held = self._held.pop(partition, None)
        if held and isinstance(self.store, FillLocks):
            for name, token in held.items():
                try:
                    self.store.unlock(name, token)
                except Exception as failure:  # it expires by itself
                    self._failed("unlock", failure)

    def forget_loaded(self) -> None:
        """Treat every partition as not loaded (after the cache was replaced wholesale)."""
        self._loaded.clear()

    def _deferred_here(self) -> bool:
        """Whether the store cannot work from this thread now (an async store, called on
        its event loop's thread): then nothing here may wait, not even for a lock."""
        defers: Callable[[], bool] | None = getattr(self.store, "defers_here", None)
        return defers is not None and defers()

    def _available(self) -> bool:
        return self._monotonic() >= self._down_until

    def _failed(self, action: str, failure: Exception) -> None:
        now = self._monotonic()
        self._down_until = now + self._retry_after
        if now - self._last_logged >= self._log_interval:
            self._last_logged = now
            logger.warning(
                "token cache store %s failed (%s: %s); using the in-memory cache only for %.0f s",
                action, type(failure).__name__, _safe_message(failure), self._retry_after,
            )  # fmt: skip


def _safe_message(failure: Exception) -> str:
    """Our stores' messages hold no secret; others' messages are not repeated."""
    from entraclient.cache.stores.contract import StoreUnavailable

    return str(failure)[:200] if isinstance(failure, StoreUnavailable) else "details withheld"
