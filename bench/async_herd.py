"""Asyncio benchmarks (issue 8): cache-hit throughput, and a thundering herd at token expiry.

Run with ``python -m bench.async_herd`` (``--quick`` for fewer callers). Everything talks to
the embedded emulator on loopback, which holds each token request for ``LATENCY`` seconds
like a real identity provider far away. MSAL Python has no asyncio API, so its rows run
``acquire_token_for_client`` in a thread pool, as asyncio services using it do.

Reported, per row: requests that reached the identity provider and the wall time; ratios are
MSAL's figure over entraclient's, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msal

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.faults import TOKEN_ENDPOINT, DelayHeaders

LATENCY = 0.2


def _msal_app(emu: Emulator) -> Any:
    sample = emu.sample
    return msal.ConfidentialClientApplication(
        sample.app.client_id, client_credential=sample.app.secret,
        authority=sample.authority, http_client=emu.http_client(),
    )  # fmt: skip


def _async_app(emu: Emulator, client: Any) -> AsyncConfidentialClientApplication:
    sample = emu.sample
    return AsyncConfidentialClientApplication(
        sample.app.client_id, client_credential=sample.app.secret,
        authority=sample.authority, http_client=client,
    )  # fmt: skip


def herd_entraclient(emu: Emulator, callers: int) -> tuple[int, float]:
    """``callers`` coroutines ask at once for a token nobody has yet."""

    async def scenario() -> float:
        async with emu.async_http_client() as client, _async_app(emu, client) as app:
            await app._driver.run(app._core.resolver.resolve())  # discovery is not the point
            emu.clear_log()
            start = time.perf_counter()
            calls = [app.acquire_token_for_client([emu.sample.scope]) for _ in range(callers)]
            results = await asyncio.gather(*calls)
            elapsed = time.perf_counter() - start
            assert all("access_token" in r for r in results)
            return elapsed

    elapsed = asyncio.run(scenario())
    return len(emu.token_requests()), elapsed


def herd_msal(emu: Emulator, callers: int) -> tuple[int, float]:
    """``callers`` threads ask MSAL at once for a token nobody has yet."""
    app = _msal_app(emu)
    emu.clear_log()
    with ThreadPoolExecutor(max_workers=callers) as pool:
        start = time.perf_counter()
        results = list(
            pool.map(lambda _: app.acquire_token_for_client([emu.sample.scope]), range(callers))
        )
        elapsed = time.perf_counter() - start
    assert all("access_token" in r for r in results)
    return len(emu.token_requests()), elapsed


def hits_entraclient(emu: Emulator, calls: int) -> float:
    """Cache hits per second from one event loop, 100 concurrent tasks."""

    async def scenario() -> float:
        async with emu.async_http_client() as client, _async_app(emu, client) as app:
            scope = [emu.sample.scope]
            await app.acquire_token_for_client(scope)

            async def worker(n: int) -> None:
                for _ in range(n):
                    await app.acquire_token_for_client(scope)

            start = time.perf_counter()
            await asyncio.gather(*(worker(calls // 100) for _ in range(100)))
            return calls / (time.perf_counter() - start)

    return asyncio.run(scenario())


def hits_msal(emu: Emulator, calls: int) -> float:
    """Cache hits per second from MSAL in a 100-thread pool."""
    app = _msal_app(emu)
    scope = [emu.sample.scope]
    app.acquire_token_for_client(scope)
    with ThreadPoolExecutor(max_workers=100) as pool:
        start = time.perf_counter()
        list(pool.map(lambda _: app.acquire_token_for_client(scope), range(calls)))
        return calls / (time.perf_counter() - start)


def run(quick: bool) -> dict[str, Any]:
    """Run every row and return the figures."""
    rows: dict[str, Any] = {}
    with Emulator() as emu:
        hit_calls = 20_000 if quick else 100_000
        ours, theirs = hits_entraclient(emu, hit_calls), hits_msal(emu, hit_calls)
        rows["async cache hits/s"] = {"entraclient": ours, "msal": theirs, "ratio": ours / theirs}
        emu.inject(DelayHeaders(LATENCY), path=TOKEN_ENDPOINT, times=None)
        for callers in (10, 100) if quick else (10, 100, 500):
            sent, elapsed = herd_entraclient(emu, callers)
            msal_sent, msal_elapsed = herd_msal(emu, callers)
            rows[f"herd of {callers}"] = {
                "entraclient_requests": sent, "msal_requests": msal_sent,
                "entraclient_s": elapsed, "msal_s": msal_elapsed,
                "wall_time_ratio": msal_elapsed / elapsed,
            }  # fmt: skip
        emu.clear_faults()
    return rows


def print_table(rows: dict[str, Any]) -> None:
    """Print the rows as a table of figures and ratios."""
    hits = rows["async cache hits/s"]
    print(f"{'async cache hits/s':<22} entraclient {hits['entraclient']:>10,.0f}   "
          f"MSAL (threads) {hits['msal']:>10,.0f}   ratio {hits['ratio']:.1f}x")  # fmt: skip
    for name, row in rows.items():
        if not name.startswith("herd"):
            continue
        print(
            f"{name:<22} IdP requests: entraclient {row['entraclient_requests']:>4} "
            f"MSAL {row['msal_requests']:>4}   wall: entraclient {row['entraclient_s']:.2f} s "
            f"MSAL {row['msal_s']:.2f} s   ratio {row['wall_time_ratio']:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    rows = run(options.quick)
    print_table(rows)
    if options.json:
        with open(options.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=2)


if __name__ == "__main__":
    main()
