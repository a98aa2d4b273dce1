"""The fault suite's own emulator, log capture and summary."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from entraclient.emulator import Emulator
from tests.faults.catalogue import ELSEWHERE, FAULTS
from tests.faults.flows import CUSTOM_INSTANCE, STAGES, SuiteWorld
from tests.faults.results import OUTCOMES, markdown_table


class CapturedLogs(logging.Handler):
    """Every record of every logger, formatted with its arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture(scope="module")
def suite_logs() -> Iterator[CapturedLogs]:
    """All log records of the module's tests, at DEBUG, from every logger."""
    root = logging.getLogger()
    handler = CapturedLogs()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture(scope="module")
def world() -> Iterator[SuiteWorld]:
    """A dedicated emulator (its hosts and faults touch no other test) and the suite's app."""
    with Emulator() as emu:
        emu.add_instance(CUSTOM_INSTANCE)
        emu.route_host(ELSEWHERE)  # so a followed redirect would be seen in the request log
        tenant = emu.add_tenant()
        app = emu.add_app(tenant)
        api = emu.add_api(tenant, roles=["Things.Read"])
        emu.grant_app_roles(app, api, ["Things.Read"])
        assert app.secret is not None
        yield SuiteWorld(emu, tenant, app, api, secrets={app.secret})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the outcome counts; write the whole table where ``FAULT_TABLE`` says."""
    if not OUTCOMES:
        return
    table = markdown_table([f.name for f in FAULTS], [s.name for s in STAGES])
    terminalreporter.write_line("fault suite: " + table.rsplit("\n\n", 1)[1].replace("\n", " "))
    destination = os.environ.get("FAULT_TABLE")
    if destination:
        Path(destination).write_text(table + "\n")
