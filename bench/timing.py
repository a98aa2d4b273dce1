"""Measuring: seconds per operation (median of repeats), and bytes per cached token."""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def per_op(batches: Sequence[Sequence[Any]], call: Callable[[Any], object]) -> float:
    """Median over ``batches`` of the mean seconds of ``call(item)`` for each item of a batch."""
    results = []
    for batch in batches:
        start = time.perf_counter()
        for item in batch:
            call(item)
        results.append((time.perf_counter() - start) / len(batch))
    return statistics.median(results)


def per_op_alternating(batches: Sequence[Sequence[Any]], first: Callable[[Any], object],
                       second: Callable[[Any], object]) -> tuple[float, float]:  # fmt: skip
    """:func:`per_op` of two calls over the same batches, batch by batch in turn, so that
    a slower spell of the machine weighs on both alike."""
    results: tuple[list[float], list[float]] = ([], [])
    for batch in batches:
        for call, timings in ((first, results[0]), (second, results[1])):
            start = time.perf_counter()
            for item in batch:
                call(item)
            timings.append((time.perf_counter() - start) / len(batch))
    return statistics.median(results[0]), statistics.median(results[1])


def once(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def best_of(repeats: int, action: Callable[[], object]) -> float:
    return min(once(action) for _ in range(repeats))


def allocated_by(build: Callable[[], Any]) -> tuple[Any, int]:
    """What ``build()`` returns, and the bytes it left allocated (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        built = build()
        gc.collect()
        current, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return built, current


def resident_bytes() -> int | None:
    """The resident set size of this process (Linux ``/proc``), or ``None`` elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the garbage collector from rescanning the (huge) filled caches while timing."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.collect()
