"""Import time: ``import entraclient`` and ``import entraclient.aio`` against ``import msal``.

Each import runs in a fresh interpreter that times only the import statement (not the
interpreter's own start), ``count`` times per module, interleaved so that a slow moment of a
shared machine hits both alike; the figure is the median. Both libraries are imported from
bytecode, as ``pip install`` leaves them: msal's was compiled when it was installed, and ours
(an editable checkout, where ``PYTHONDONTWRITEBYTECODE`` may keep Python from caching it) is
compiled first with :mod:`compileall`.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys

from bench.scenarios import Row, Settings

_PROGRAM = (
    "import time; started = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - started)"
)


def import_seconds(module: str) -> float:
    """Seconds ``import module`` takes in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def import_rows(settings: Settings) -> list[Row]:
    """Median wall time of each import (ms); the MSAL column is ``import msal`` each time."""
    import entraclient

    compileall.compile_dir(entraclient.__path__[0], quiet=1)
    modules = ("entraclient", "entraclient.aio", "msal")
    samples: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(settings.import_runs):
        for module in modules:
            samples[module].append(import_seconds(module))
    median = {module: statistics.median(found) * 1e3 for module, found in samples.items()}
    note = f"median of {settings.import_runs} fresh processes, from bytecode"
    return [
        Row("import entraclient", 0, "ms", median["entraclient"], median["msal"], note),
        Row("import entraclient.aio", 0, "ms", median["entraclient.aio"], median["msal"], note),
    ]
