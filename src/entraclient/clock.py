"""The wall clock, in one place: the I/O-free core (flows, cache) is handed a clock and never
reads time itself; this is the default the façades and caches are given."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "system_clock"]

Clock = Callable[[], float]
"""Seconds since the epoch."""

system_clock: Clock = time.time
"""The current time, in seconds since the epoch: ``time.time`` itself, so a cache hit reading
the clock costs no call of ours."""
