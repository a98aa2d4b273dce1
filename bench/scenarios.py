"""The benchmark scenarios. Each fills the caches of both libraries with the same content
(through each library's own ``deserialize``) and times the same public calls on both."""

from __future__ import annotations

import gc
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench.doubles import CLIENT_ID, HOST, TENANT_ID, CannedIdentityProvider
from bench.libraries import MSAL, OURS, Library
from bench.rss import resident_growth
from bench.states import many_tenants, one_partition, scope, tenant_name
from bench.timing import (
    allocated_by,
    best_of,
    frozen_heap,
    once,
    per_op,
    per_op_alternating,
)


@dataclass
class Row:
    """One line of the report: our figure, MSAL's, and how MSAL's was obtained."""

    scenario: str
    size: int
    unit: str
    ours: float
    msal: float | None
    msal_note: str = "measured"
    floor: float | None = None
    """For a hit: the same random keys probed in a plain dict of the same entries (no library)."""
    answer_floor: float | None = None
    """For a hit: the floor plus building MSAL's answer dict from the entry found (the clock,
    ``expires_in``): what any hit must do besides the probe, with no library around it."""

    @property
    def ratio(self) -> float | None:
        return self.msal / self.ours if self.msal is not None and self.ours else None


@dataclass
class Settings:
    sizes: Sequence[int]
    hit_batch: int = 2000
    repeats: int = 5
    miss_batch: int = 400
    msal_budget_seconds: float = 3.0
    msal_max_op_seconds: float = 10.0
    tenants: tuple[int, int] = (1000, 10)
    serialized_size: int = 100_000
    memory_size: int = 100_000
    obo_users: int = 100_000
    import_runs: int = 20
    notes: list[str] = field(default_factory=list)


def _hit_batches(size: int, settings: Settings, rng: random.Random) -> list[list[list[str]]]:
    """Random cached tokens to ask for again: ``repeats`` batches of fresh scope lists."""
    return [
        [[scope(rng.randrange(size))] for _ in range(settings.hit_batch)]
        for _ in range(settings.repeats)
    ]


def _first_hit_batches(size: int, settings: Settings, rng: random.Random
                       ) -> list[list[list[str]]]:  # fmt: skip
    """Distinct random cached tokens, none asked for since the cache was loaded (the token
    ``_check_hit`` asks for, number 0, is left out): each is its first hit."""
    count = min(settings.hit_batch * settings.repeats, size - 1)
    batch = max(count // settings.repeats, 1)
    picks = rng.sample(range(1, size), count)
    return [[[scope(i)] for i in picks[r * batch:(r + 1) * batch]]
            for r in range(min(settings.repeats, count))]  # fmt: skip


def _miss_batches(count: int, batch: int, tag: str) -> list[list[list[str]]]:
    return [[[f"api://new-{tag}-{r}-{i}/.default"] for i in range(batch)] for r in range(count)]


def _check_hit(app: Any, scopes: list[str]) -> None:
    result = app.acquire_token_for_client(scopes)
    assert result.get("token_source") == "cache", result


def _msal_miss(app: Any, size: int, settings: Settings, fit: list[tuple[int, float]]
               ) -> tuple[float | None, str]:  # fmt: skip
    """MSAL's miss cost: as many misses as fit in the time budget (at least three)."""
    trial = once(lambda: app.acquire_token_for_client([f"api://trial-{size}/.default"]))
    ops = int(settings.msal_budget_seconds / max(trial, 1e-6))
    if ops < 9:
        samples = [trial] + [
            once(partial(app.acquire_token_for_client, [f"api://m-{size}-{i}/.default"]))
            for i in range(2)
        ]
        measured = statistics.median(samples)
        note = f"median of {len(samples)} misses"
    else:
        batches = _miss_batches(3, min(settings.miss_batch, ops) // 3, "m")
        measured, note = per_op(batches, app.acquire_token_for_client), "measured"
    fit.append((size, measured))
    return measured, note


def _estimate(fit: list[tuple[int, float]], size: int) -> float | None:
    """Linear model ``a + b*n`` through the two largest measured sizes."""
    if len(fit) < 2:
        return None
    (n1, t1), (n2, t2) = fit[-2], fit[-1]
    slope = (t2 - t1) / (n2 - n1)
    return t2 + slope * (size - n2)


def one_partition_rows(settings: Settings) -> list[Row]:
    """Cache hit and miss+insert for ``acquire_token_for_client``, one partition of N tokens."""
    rows: list[Row] = []
    fit: list[tuple[int, float]] = []
    for size in settings.sizes:
        state = one_partition(size, int(time.time()))
        rng = random.Random(size)
        hit_batches = _hit_batches(size, settings, rng)
        first_batches = _first_hit_batches(size, settings, rng)
        estimate = _estimate(fit, size)
        skip_msal_miss = estimate is not None and estimate > settings.msal_max_op_seconds
        ours, theirs = _time_partition(
            state, size, (first_batches, hit_batches), settings, fit, skip_msal_miss
        )
        floor, answer_floor = _plain_dict_floor(state, hit_batches)
        del state
        rows.append(Row("cache hit", size, "us/op", ours["hit"] * 1e6, theirs["hit"] * 1e6,
                        floor=floor * 1e6, answer_floor=answer_floor * 1e6))  # fmt: skip
        rows.append(Row("first hit after load", size, "us/op", ours["first"] * 1e6,
                        theirs["first"] * 1e6, floor=floor * 1e6))  # fmt: skip
        msal_miss = theirs["miss"] * 1e6 if theirs["miss"] is not None else None
        rows.append(Row("miss+insert", size, "us/op", ours["miss"] * 1e6, msal_miss,
                        theirs["miss_note"]))  # fmt: skip
        print(f"  {size:>9,} tokens done", flush=True)
    return rows


def _plain_dict_floor(state: str, hits: list[list[list[str]]]) -> tuple[float, float]:
    """Seconds per probe of a plain dict holding the same entries under the same keys, asked
    with the same random keys, each built from the scope as a look-up builds it; and seconds
    per probe that also builds the answer a hit returns from the entry found."""
    entries: dict[str, Any] = json.loads(state)["AccessToken"]
    prefix = f"-{HOST}-accesstoken-{CLIENT_ID}-{TENANT_ID}-".lower()
    assert entries[prefix + hits[0][0][0].lower()]

    def answer(scopes: list[str]) -> dict[str, Any]:
        entry = entries[prefix + scopes[0].lower()]
        return {
            "access_token": entry["secret"],
            "token_type": entry["token_type"],
            "expires_in": int(entry["expires_on"]) - int(time.time()),
            "token_source": "cache",
        }

    with frozen_heap():
        probe = per_op(hits, lambda scopes: entries.get(prefix + scopes[0].lower()))
        answered = per_op(hits, answer)
    return probe, answered


def _time_partition(state: str, size: int,
                    hit_sets: tuple[list[list[list[str]]], list[list[list[str]]]],
                    settings: Settings, fit: list[tuple[int, float]],
                    skip_miss: bool) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """Both libraries loaded with ``state``: first hits right after loading; then, once every
    token was served once (a cache in use), hits of random tokens; then misses. The hit
    batches of the two alternate, so a slower spell of the machine falls on both alike."""
    first_hits, hits = hit_sets
    https = {library.name: CannedIdentityProvider() for library in (OURS, MSAL)}
    caches = {library.name: library.new_cache(state) for library in (OURS, MSAL)}
    apps = {library.name: library.new_app(caches[library.name], https[library.name])
            for library in (OURS, MSAL)}  # fmt: skip
    ours, theirs = apps[OURS.name], apps[MSAL.name]
    for app in (ours, theirs):
        _check_hit(app, [scope(0)])
    with frozen_heap():
        first = per_op_alternating(first_hits, ours.acquire_token_for_client,
                                   theirs.acquire_token_for_client)  # fmt: skip
    for i in range(size):  # MSAL keeps nothing from a hit: for it this would change nothing
        ours.acquire_token_for_client([scope(i)])
    with frozen_heap():
        hit = per_op_alternating(hits, ours.acquire_token_for_client,
                                 theirs.acquire_token_for_client)  # fmt: skip
        our_miss = per_op(_miss_batches(settings.repeats, settings.miss_batch, "o"),
                          ours.acquire_token_for_client)  # fmt: skip
        their_miss: float | None
        if skip_miss:
            their_miss = _estimate(fit, size)
            note = f"estimated (linear in N): one miss would take {their_miss or 0:.0f} s"
        else:
            their_miss, note = _msal_miss(theirs, size, settings, fit)
    for library in (OURS, MSAL):
        assert https[library.name].posts > 0
        assert library.entries(caches[library.name]) >= size
    del apps, caches, ours, theirs
    gc.collect()
    return (
        {"first": first[0], "hit": hit[0], "miss": our_miss, "miss_note": "measured"},
        {"first": first[1], "hit": hit[1], "miss": their_miss, "miss_note": note},
    )


def many_tenants_rows(settings: Settings) -> list[Row]:
    """MSAL's own benchmark shape: T tenants x K tokens, one app per tenant, one shared cache."""
    tenants, per_tenant = settings.tenants
    state = many_tenants(tenants, per_tenant, int(time.time()))
    rng = random.Random(7)
    picks = [(rng.randrange(tenants), rng.randrange(per_tenant)) for _ in range(settings.hit_batch)]
    results: dict[str, tuple[float, float]] = {}
    for library in (OURS, MSAL):
        http = CannedIdentityProvider()
        cache = library.new_cache(state)
        apps = [library.new_app(cache, http, tenant_name(t)) for t in range(tenants)]
        for app in apps:
            _check_hit(app, [scope(0)])
        hits = [[(apps[t], [scope(i)]) for t, i in picks] for _ in range(settings.repeats)]
        misses = [
            [(apps[t], [f"api://miss-{r}-{n}/.default"]) for n, (t, _) in enumerate(picks[:100])]
            for r in range(3)
        ]
        with frozen_heap():
            hit = per_op(hits, lambda pair: pair[0].acquire_token_for_client(pair[1]))
            miss = per_op(misses, lambda pair: pair[0].acquire_token_for_client(pair[1]))
        results[library.name] = (hit, miss)
        del apps, cache
    size = tenants * per_tenant
    label = f"{tenants:,} tenants x {per_tenant}"
    ours, theirs = results["entraclient"], results["msal"]
    return [
        Row(f"{label}: hit", size, "us/op", ours[0] * 1e6, theirs[0] * 1e6),
        Row(f"{label}: miss+insert", size, "us/op", ours[1] * 1e6, theirs[1] * 1e6),
    ]


def serialization_rows(settings: Settings) -> list[Row]:
    """serialize() and deserialize() of a cache of N tokens."""
    size = settings.serialized_size
    state = one_partition(size, int(time.time()))
    figures: dict[str, tuple[float, float]] = {}
    for library in (OURS, MSAL):
        cache = library.new_cache(state)
        write = best_of(3, cache.serialize)
        read = best_of(3, partial(cache.deserialize, state))
        figures[library.name] = (write, read)
        del cache
        gc.collect()
    (ours_w, ours_r), (msal_w, msal_r) = figures["entraclient"], figures["msal"]
    return [
        Row("serialize", size, "ms", ours_w * 1e3, msal_w * 1e3),
        Row("deserialize", size, "ms", ours_r * 1e3, msal_r * 1e3),
    ]


def memory_rows(settings: Settings) -> list[Row]:
    """Bytes the cache holds per token after deserializing N tokens and answering one hit:
    as Python allocations (tracemalloc) and as resident memory (RSS, in a fresh process)."""
    size = settings.memory_size
    state = one_partition(size, int(time.time()))
    traced: dict[str, float] = {}
    resident: dict[str, float | None] = {}
    for library in (OURS, MSAL):
        cache, allocated = allocated_by(partial(_loaded_and_hit, library, state))
        assert library.entries(cache) == size
        traced[library.name] = allocated / size
        del cache
        gc.collect()
        with tempfile.TemporaryDirectory() as folder:
            state_file = Path(folder) / "state.json"
            state_file.write_text(state)
            grown = resident_growth(library.name, state_file)
        resident[library.name] = grown / size if grown is not None else None
    rows = [Row("memory per token (tracemalloc)", size, "bytes", traced["entraclient"],
                traced["msal"])]  # fmt: skip
    ours_rss = resident["entraclient"]
    if ours_rss is not None:
        rows.append(Row("memory per token (RSS)", size, "bytes", ours_rss, resident["msal"]))
    return rows


def _loaded_and_hit(library: Library, state: str) -> Any:
    """A cache loaded from a copy of ``state`` made here, so that text is counted when a
    cache keeps it (ours keeps undecoded access tokens as slices of it)."""
    cache = library.new_cache((state + " ")[:-1])
    _check_hit(library.new_app(cache, CannedIdentityProvider()), [scope(0)])
    return cache


SCENARIOS: dict[str, Callable[[Settings], list[Row]]] = {
    "one partition": one_partition_rows,
    "many tenants": many_tenants_rows,
    "serialization": serialization_rows,
    "memory": memory_rows,
}
