"""cli/main.py: help everywhere, exit codes, one-line errors, tracebacks only on --debug."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import Run


def test_help_lists_commands_and_exit_codes(cli: Run) -> None:
    done = cli("--help")
    assert done.code == 0
    for word in ("token", "decode", "emulator", "exit codes", "70"):
        assert word in done.out


@pytest.mark.parametrize("command", ["token", "decode", "emulator"])
def test_every_command_has_help(cli: Run, command: str) -> None:
    done = cli(command, "--help")
    assert done.code == 0
    assert f"entraclient {command}" in done.out
    assert "exit codes" in done.out


def test_no_command_is_a_usage_error(cli: Run) -> None:
    assert cli().code == 2


def test_python_dash_m_entraclient() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "entraclient", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "usage: entraclient" in done.stdout


def test_debug_prints_the_traceback(cli: Run, tmp_path: object) -> None:
    quiet = cli("decode", "not-a-token")
    loud = cli("--debug", "decode", "not-a-token")
    assert quiet.code == loud.code == 4
    assert "Traceback" not in quiet.err
    assert quiet.err.count("\n") == 1
    assert "Traceback" in loud.err
