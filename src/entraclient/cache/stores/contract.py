"""The contract every second-level store keeps, sync and async.

A store holds cache entries one by one, grouped by partition (:mod:`entraclient.cache.partitions`):
loading a partition returns its entries, and a write names only the entries that changed
(``None`` for a removed one). So a write costs the size of the change, never the size of
the partition or of the cache, and two writers changing different entries of one partition
never lose each other's entries.

Invariants:

* ``load`` returns only entries that decoded, checked and belong to the partition asked for;
  anything else is skipped with one warning (and, in a file store, moved aside).
* ``write`` is atomic per entry: a reader sees the old or the new entry, never a torn one.
* A store raises :class:`StoreUnavailable` when it cannot be reached; the cache treats that
  as "no second level for now" and never fails an acquisition because of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import Entry

__all__ = [
    "AsyncPartitionStore",
    "EntryChange",
    "FillLocks",
    "LoadDeferred",
    "PartitionStore",
    "StoreUnavailable",
]


class StoreUnavailable(Exception):  # noqa: N818 - names the condition, like TimeoutError
    """The store could not be reached or answered too late; the message holds no secret."""


class LoadDeferred(Exception):  # noqa: N818 - a signal, not an error
    """The store cannot load from this thread now (an async store, on its event loop);
    the partition stays "not loaded" and a later miss loads it. Not a failure."""


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One entry to write (``entry`` set) or remove (``entry`` is ``None``)."""

    section: str
    key: str
    entry: Entry | None

    def __repr__(self) -> str:  # never show a secret
        state = "removed" if self.entry is None else "written"
        return f"EntryChange({self.section}/{self.key[:40]!r} {state})"


@runtime_checkable
class PartitionStore(Protocol):
    """A synchronous second-level store (files, Redis)."""

    def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        """The ``(section, key, entry)`` triples stored for ``partition`` (maybe none)."""
        ...

    def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        """Write or remove the entries of ``changes``, all of ``partition``."""
        ...


@runtime_checkable
class AsyncPartitionStore(Protocol):
    """The asynchronous twin of :class:`PartitionStore`; it never blocks the event loop."""

    async def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        """As :meth:`PartitionStore.load`."""
        ...

    async def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        """As :meth:`PartitionStore.write`."""
        ...


@runtime_checkable
class FillLocks(Protocol):
    """Short-lived locks a shared store offers so instances missing one token send one
    request between them: the first takes the lock and asks the identity provider, the
    others wait for it to be released, then read the token from the store."""

    def try_lock(self, name: str, ttl_ms: int) -> str | None:
        """Take ``name`` for ``ttl_ms``; a token to release it with, or ``None`` if held."""
        ...

    def unlock(self, name: str, token: str) -> None:
        """Release ``name`` if ``token`` still holds it."""
        ...

    def wait_unlocked(self, name: str, timeout: float) -> None:
        """Return when ``name`` is free (released or expired), or after ``timeout`` seconds."""
        ...
