"""Prints the adversarial suite's outcome table at the end of a run that included it."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.adversarial.test_hostile_provider import OUTCOMES

    if not OUTCOMES:
        return
    terminalreporter.write_line(f"adversarial suite: {len(OUTCOMES)} hostile answers x 2 facades")
    terminalreporter.write_line("| case | sync | async |")
    for name, by_facade in OUTCOMES.items():
        sync, aio = by_facade.get("sync", "-"), by_facade.get("async", "-")
        terminalreporter.write_line(f"| {name} | {sync} | {aio} |")
