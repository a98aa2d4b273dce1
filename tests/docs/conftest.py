"""The documentation runner's setup: the emulator, the settings pages read, a scratch
directory, and the environment switch (``ENTRACLIENT_EMULATOR``) that routes the library's
default transports to the emulator, so the pages' code runs as users write it: without
``http_client=``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from entraclient.emulator import Emulator
from entraclient.emulator_switch import EmulatorSwitch
from tests.docs.environment import DocsRegistrations, register_for_docs


@pytest.fixture
def docs_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DocsRegistrations]:
    """A fresh emulator per page, its registrations exposed as environment variables, and a
    scratch directory to run in (a page that writes ``cache.json`` writes it there)."""
    with Emulator() as emu:
        registrations = register_for_docs(emu, tmp_path)
        for name, value in registrations.variables.items():
            monkeypatch.setenv(name, value)
        switch = EmulatorSwitch((emu.host, emu.port), emu.ca_path)
        for name, value in switch.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        yield registrations
