"""A minimal fault switch for the token endpoint: fail the next *n* token requests.

Invariants:

* Faults are consumed in arrival order, one per token request, under one lock, so ``n``
  requests fail and the one after succeeds whatever threads send them.
* A failing request is answered before anything else is looked at (no authentication, no
  grant): an outage, rendered as Entra renders ``temporarily_unavailable`` (AADSTS90033), with
  the requested HTTP status.
"""

from __future__ import annotations

import threading

__all__ = ["TokenFaults"]


class TokenFaults:
    """Pending failures for the token endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[int] = []

    def __repr__(self) -> str:
        return f"TokenFaults({len(self._pending)} pending)"

    def fail_next(self, count: int, *, status: int = 503) -> None:
        """Make the next ``count`` token requests fail with HTTP ``status`` (4xx or 5xx)."""
        if count < 0:
            raise ValueError("count must be zero or more")
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        with self._lock:
            self._pending.extend([status] * count)

    def take(self) -> int | None:
        """The status to fail the current request with, or ``None`` to serve it."""
        with self._lock:
            return self._pending.pop(0) if self._pending else None

    def clear(self) -> None:
        """Drop every pending failure."""
        with self._lock:
            self._pending.clear()
