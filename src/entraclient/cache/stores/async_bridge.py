"""An async store behind the cache's synchronous second level, without blocking the loop.

The cache is called synchronously from flows. With an async store, the async driver runs
each step of a flow in a worker thread (see ``AsyncDriver(offload_steps=...)``), and this
bridge hands the store's coroutines to the application's event loop and waits for them in
that worker thread: the loop keeps serving other tasks meanwhile. Called on the loop's own
thread (the façade's quick cache check before a flow), a load is deferred — the flow that
follows does it — and a write is scheduled on the loop instead of awaited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import Entry
from entraclient.cache.stores.contract import (
    AsyncPartitionStore,
    EntryChange,
    LoadDeferred,
    StoreUnavailable,
)

__all__ = ["AsyncStoreBridge", "is_async_store"]

logger = logging.getLogger(__name__)
T = TypeVar("T")


class AsyncStoreBridge:
    """Presents an :class:`AsyncPartitionStore` as a synchronous store to the cache."""

    def __init__(self, store: AsyncPartitionStore, *, wait_seconds: float = 5.0) -> None:
        self.store = store
        self._wait_seconds = wait_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"AsyncStoreBridge({self.store!r})"

    def bind_running_loop(self) -> None:
        """Remember the running loop (the async driver calls this before each flow)."""
        self._loop = asyncio.get_running_loop()

    def defers_here(self) -> bool:
        """Whether this thread may not wait for the store (the loop's own, or no loop yet)."""
        return self._loop is None or self._on_loop_thread()

    def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        """The store's answer, awaited on the loop from this worker thread."""
        if self._on_loop_thread() or self._loop is None:
            raise LoadDeferred("an async store loads from a flow's step, not the event loop")
        return self._wait(self.store.load(partition))

    def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        """Write through the loop: awaited from a worker thread, scheduled on the loop."""
        if self._loop is None:
            raise StoreUnavailable("the async store is not bound to an event loop yet")
        if self._on_loop_thread():
            task = self._loop.create_task(self._write_logged(partition, list(changes)))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        self._wait(self.store.write(partition, changes))

    def try_lock(self, name: str, ttl_ms: int) -> str | None:
        """The async store's fill lock, if it has them (see ``FillLocks``)."""
        token: str | None = self._wait(self._locks().try_lock(name, ttl_ms))
        return token

    def unlock(self, name: str, token: str) -> None:
        """Release a fill lock; scheduled on the loop when called from it."""
        if self._on_loop_thread() and self._loop is not None:
            task = self._loop.create_task(self.store.unlock(name, token))  # type: ignore[attr-defined]
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        self._wait(self._locks().unlock(name, token))

    def wait_unlocked(self, name: str, timeout: float) -> None:
        """Wait (in this worker thread) for the async store's fill lock to go."""
        self._wait(self._locks().wait_unlocked(name, timeout), timeout + self._wait_seconds)

    def _locks(self) -> Any:
        if self._on_loop_thread() or self._loop is None:
            raise LoadDeferred("an async store locks from a flow's step, not the event loop")
        if not hasattr(self.store, "try_lock"):
            raise LoadDeferred("this async store has no fill locks")
        return self.store

    async def _write_logged(self, partition: PartitionKey, changes: list[EntryChange]) -> None:
        try:
            await self.store.write(partition, changes)
        except Exception as failure:  # a store never fails the app; nobody awaits this task
            logger.warning("token cache store write failed (%s)", type(failure).__name__)

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _wait(self, work: Coroutine[Any, Any, T], seconds: float | None = None) -> T:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            return future.result(timeout=seconds or self._wait_seconds)
        except TimeoutError:
            future.cancel()
            raise StoreUnavailable("the async store did not answer in time") from None


def is_async_store(store: object) -> bool:
    """Whether ``store`` is an async store (its ``load`` is a coroutine function)."""
    return asyncio.iscoroutinefunction(getattr(store, "load", None))
