"""``python -m bench [--quick] [--save]``: entraclient against MSAL Python, same run.

Prints a table of ratios (MSAL time / our time; for memory, MSAL bytes / our bytes). Hit
rows also show the floor: the same random keys probed in a plain dict of the same entries,
and how many times the floor our hit costs. The results, with the machine and date they came
from, go to ``build/bench/results.json``, outside the tracked tree; ``--save`` writes the
tracked ``bench/results.json`` instead (``make bench SAVE=1``). Nothing touches a
network: both libraries talk to the same in-process identity provider (:mod:`bench.doubles`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import msal

import entraclient
from bench import async_herd, credentials
from bench.imports import import_rows
from bench.obo import obo_rows
from bench.persistence import persistence_rows
from bench.scenarios import SCENARIOS, Row, Settings

SCENARIOS = {
    **SCENARIOS,
    "on-behalf-of": obo_rows,
    "import": import_rows,
    "persistence": persistence_rows,
}

RESULTS = Path(__file__).with_name("results.json")
SCRATCH = Path(__file__).resolve().parent.parent / "build" / "bench" / "results.json"

FULL = Settings(sizes=(10, 1_000, 10_000, 100_000, 1_000_000))
QUICK = Settings(
    sizes=(10, 1_000, 10_000),
    hit_batch=1000,
    repeats=3,
    miss_batch=200,
    msal_budget_seconds=1.0,
    tenants=(100, 10),
    serialized_size=10_000,
    memory_size=10_000,
    obo_users=10_000,
    import_runs=5,
)


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "bytes":
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def print_table(rows: list[Row]) -> None:
    header = f"{'scenario':<32} {'tokens':>10} {'unit':>6} {'entraclient':>12} {'msal':>12} " \
             f"{'ratio':>8} {'floor':>8} {'/floor':>7}  note"  # fmt: skip
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = f"{row.ratio:,.1f}x" if row.ratio is not None else "-"
        floor = _format(row.floor, row.unit) if row.floor is not None else "-"
        over = f"{row.ours / row.floor:,.2f}x" if row.floor else "-"
        note = "" if row.msal_note == "measured" else row.msal_note
        if row.answer_floor:
            note = f"floor with the answer built: {row.answer_floor:,.2f} " \
                   f"({row.ours / row.answer_floor:,.2f}x)"  # fmt: skip
        size = f"{row.size:>10,}" if row.size else f"{'-':>10}"
        ours, theirs = _format(row.ours, row.unit), _format(row.msal, row.unit)
        print(f"{row.scenario:<32} {size} {row.unit:>6} {ours:>12} {theirs:>12} {ratio:>8} "
              f"{floor:>8} {over:>7}  {note}")  # fmt: skip


def print_scaling(rows: list[Row]) -> None:
    for scenario in ("cache hit", "miss+insert"):
        mine = {r.size: r.ours for r in rows if r.scenario == scenario}
        if len(mine) > 1:
            small, large = min(mine), max(mine)
            print(f"entraclient {scenario}: {mine[large] / mine[small]:.2f}x the cost at "
                  f"{large:,} tokens as at {small:,}")  # fmt: skip


def write_results(
    rows: list[Row],
    quick: bool,
    seconds: float,
    async_rows: dict[str, Any] | None,
    path: Path,
) -> None:
    document = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": _machine(),
        "quick": quick,
        "seconds": round(seconds, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "entraclient": entraclient.__version__,
        "msal": msal.__version__,
        "ratio": "msal / entraclient (higher is better for entraclient)",
        "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
        "async": async_rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def _machine() -> str:
    """The processor's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced set, under a minute")
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--no-async", action="store_true", help="skip the asyncio rows")
    parser.add_argument("--save", action="store_true", help=f"write the results to {RESULTS}")
    arguments = parser.parse_args()
    settings = QUICK if arguments.quick else FULL
    started = time.perf_counter()
    rows: list[Row] = []
    for name, scenario in SCENARIOS.items():
        if arguments.only and name not in arguments.only:
            continue
        print(f"{name} ...", flush=True)
        rows.extend(scenario(settings))
    print()
    print_table(rows)
    print()
    print_scaling(rows)
    async_rows = None
    if not arguments.no_async and not arguments.only:
        print("\nasyncio (against the embedded emulator on loopback) ...", flush=True)
        async_rows = async_herd.run(arguments.quick)
        async_herd.print_table(async_rows)
        async_rows["azure_credentials"] = credentials.run_and_print(arguments.quick)
    elapsed = time.perf_counter() - started
    path = RESULTS if arguments.save else SCRATCH
    write_results(rows, arguments.quick, elapsed, async_rows, path)
    print(f"\n{elapsed:.0f} s; results written to {path}")


if __name__ == "__main__":
    main()
