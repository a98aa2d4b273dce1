"""The single-flight table both drivers share: identical requests in flight are sent once.

Rules:

* Rule 1: the first caller for a key *leads* (it sends); later callers *join* and share its
  outcome. The table counts who waits on each flight.
* Rule 2: an entry is released in ``finally`` by its leader, whatever ends the leader (an
  answer, a :class:`~entraclient.errors.TransportError`, Ctrl-C, a bug), so a later caller
  never joins a flight nobody will land.
* Rule 3: a flight every waiter has left is abandoned (the async driver cancels its task),
  and no waiter waits longer than :data:`MAX_FLIGHT_SECONDS`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["MAX_FLIGHT_SECONDS", "SingleFlight"]

MAX_FLIGHT_SECONDS = 600.0
"""The longest a caller waits on a request another caller sent."""

F = TypeVar("F")


class _Entry(Generic[F]):
    __slots__ = ("flight", "waiters")

    def __init__(self, flight: F) -> None:
        self.flight = flight
        self.waiters = 0


class SingleFlight(Generic[F]):
    """Flights by key, each with the number of callers waiting on it. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[bytes, _Entry[F]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def join(self, key: bytes, start: Callable[[], F]) -> tuple[F, bool]:
        """The flight for ``key`` and whether this caller leads it (``start`` made it)."""
        with self._lock:
            entry = self._entries.get(key)
            leading = entry is None
            if entry is None:
                entry = self._entries[key] = _Entry(start())
            entry.waiters += 1
            return entry.flight, leading

    def depart(self, key: bytes, flight: F) -> bool:
        """One waiter of ``flight`` has gone; return whether it was the last one.

        ``False`` for a flight already released (its outcome is in, nobody to abandon).
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.flight is not flight:
                return False
            entry.waiters -= 1
            return entry.waiters <= 0

    def release(self, key: bytes, flight: F) -> None:
        """Remove ``flight`` from the table, if it is still the one under ``key``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.flight is flight:
                del self._entries[key]
