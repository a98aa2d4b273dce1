"""Run an example script the way a person does: its own process, started from a directory
that is not the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_environment() -> dict[str, str]:
    """This environment without the settings that would point an example elsewhere."""
    dropped = ("ENTRA_", "ENTRACLIENT_EMULATOR", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def run_example(script: str, cwd: Path, *args: str) -> str:
    """Run ``examples/{script}`` from ``cwd`` to its end; return what it printed."""
    finished = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd, env=example_environment(), capture_output=True, text=True, timeout=90,
        check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def start_example(script: str, cwd: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``examples/{script}`` from ``cwd``; the caller reads its output and stops it."""
    return subprocess.Popen(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd, env=example_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
