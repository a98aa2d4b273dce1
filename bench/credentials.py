"""Azure SDK credentials (issue 17): entraclient's vs azure-identity 1.27's, same run.

``python -m bench.credentials [--quick]``. Both talk to the embedded emulator on loopback
through the same routed ``requests`` session (azure-identity through azure-core transports).

Rows:

* ``get_token`` answered from the cache, sync: ``entraclient.integrations.azure.ClientCredential``
  vs ``azure.identity.ClientSecretCredential`` (calls per second; ratio ours / theirs);
* the same, async: ``AsyncClientCredential`` vs ``azure.identity.aio.ClientSecretCredential``;
* 1,000 concurrent async ``get_token`` calls for one missing token while the token endpoint
  takes ``LATENCY`` s: token requests each library sent (goal for ours: 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

import azure.identity
import azure.identity.aio
from azure.core.pipeline.transport import AsyncioRequestsTransport, RequestsTransport

from entraclient.emulator import Emulator
from entraclient.emulator.faults import TOKEN_ENDPOINT, DelayHeaders
from entraclient.integrations.azure import AsyncClientCredential, ClientCredential

LATENCY = 0.2


def _ours(emu: Emulator) -> ClientCredential:
    sample = emu.sample
    return ClientCredential(
        sample.app.client_id, sample.app.secret,
        authority=sample.authority, http_client=emu.http_client(),
    )  # fmt: skip


def _ours_async(emu: Emulator) -> AsyncClientCredential:
    sample = emu.sample
    return AsyncClientCredential(
        sample.app.client_id, sample.app.secret,
        authority=sample.authority, http_client=emu.async_http_client(),
    )  # fmt: skip


def _theirs(emu: Emulator) -> Any:
    sample = emu.sample
    return azure.identity.ClientSecretCredential(
        sample.tenant.id, sample.app.client_id, str(sample.app.secret),
        transport=RequestsTransport(session=emu.http_client()),
    )  # fmt: skip


def _theirs_async(emu: Emulator) -> Any:
    sample = emu.sample
    return azure.identity.aio.ClientSecretCredential(
        sample.tenant.id, sample.app.client_id, str(sample.app.secret),
        transport=AsyncioRequestsTransport(session=emu.http_client()),
    )  # fmt: skip


def _sync_rate(get_token: Callable[[str], Any], scope: str, calls: int) -> float:
    get_token(scope)  # warm: the token is cached from here on
    start = time.perf_counter()
    for _ in range(calls):
        get_token(scope)
    return calls / (time.perf_counter() - start)


async def _async_rate(get_token: Callable[[str], Awaitable[Any]], scope: str, calls: int) -> float:
    await get_token(scope)
    start = time.perf_counter()
    for _ in range(calls):
        await get_token(scope)
    return calls / (time.perf_counter() - start)


def _best(measure: Callable[[], float], repeats: int) -> float:
    return max(measure() for _ in range(repeats))


def cache_hits(emu: Emulator, calls: int, repeats: int) -> dict[str, float]:
    """Cache-hit ``get_token`` calls per second, sync and async, for both libraries."""
    scope = emu.sample.scope
    ours, theirs = _ours(emu), _theirs(emu)
    sync_ours = _best(lambda: _sync_rate(ours.get_token, scope, calls), repeats)
    sync_theirs = _best(lambda: _sync_rate(theirs.get_token, scope, calls), repeats)

    async def measure_async() -> tuple[float, float]:
        async with _ours_async(emu) as mine, _theirs_async(emu) as other:
            rates_ours = [await _async_rate(mine.get_token, scope, calls) for _ in range(repeats)]
            rates_theirs = [
                await _async_rate(other.get_token, scope, calls) for _ in range(repeats)
            ]
        return max(rates_ours), max(rates_theirs)

    async_ours, async_theirs = asyncio.run(measure_async())
    return {
        "sync_ours_per_s": sync_ours,
        "sync_azure_identity_per_s": sync_theirs,
        "sync_ratio": sync_ours / sync_theirs,
        "async_ours_per_s": async_ours,
        "async_azure_identity_per_s": async_theirs,
        "async_ratio": async_ours / async_theirs,
    }


def herd(emu: Emulator, callers: int) -> dict[str, int]:
    """Token requests sent when ``callers`` coroutines ask at once for one missing token."""
    scope = emu.sample.scope

    async def one(make: Callable[[Emulator], Any]) -> int:
        async with make(emu) as credential:
            emu.inject(DelayHeaders(LATENCY), path=TOKEN_ENDPOINT, times=None)
            emu.clear_log()
            try:
                await asyncio.gather(*(credential.get_token(scope) for _ in range(callers)))
            finally:
                emu.clear_faults()
            return len(emu.token_requests())

    return {
        "callers": callers,
        "ours_token_requests": asyncio.run(one(_ours_async)),
        "azure_identity_token_requests": asyncio.run(one(_theirs_async)),
    }


def run(quick: bool) -> dict[str, Any]:
    """Every row, against a fresh emulator."""
    with Emulator() as emu:
        hits = cache_hits(emu, calls=2_000 if quick else 20_000, repeats=3 if quick else 5)
        stampede = herd(emu, 1_000)
    return {"azure_identity": version("azure-identity"), **hits, **stampede}


def print_table(rows: dict[str, Any]) -> None:
    """The rows as a small table."""
    print(f"{'credential row':<44} {'entraclient':>14} {'azure-identity':>15} {'ratio':>8}")
    for kind in ("sync", "async"):
        ours, theirs = rows[f"{kind}_ours_per_s"], rows[f"{kind}_azure_identity_per_s"]
        print(f"{'get_token cache hit, ' + kind + ' (calls/s)':<44} {ours:>14,.0f} "
              f"{theirs:>15,.0f} {rows[f'{kind}_ratio']:>7.1f}x")  # fmt: skip
    print(f"{'1,000 concurrent get_token: token requests':<44} "
          f"{rows['ours_token_requests']:>14} "
          f"{rows['azure_identity_token_requests']:>15}")  # fmt: skip


def run_and_print(quick: bool) -> dict[str, Any]:
    """Run the rows, print them, return them (for ``python -m bench``)."""
    print("\nAzure SDK credentials vs azure-identity ...", flush=True)
    rows = run(quick)
    print_table(rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.credentials", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    rows = run_and_print(arguments.quick)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
