"""The documentation runner's setup: the emulator, the settings pages read, a scratch
directory, and the library's default transports reaching the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

import entraclient.http.async_transport as async_transport
import entraclient.http.transport as sync_transport
from entraclient.emulator import Emulator
from tests.docs.environment import DocsRegistrations, register_for_docs


def _route_default_transports(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the transports an app builds for itself (no ``http_client=``) reach ``emu`` under
    the real host names, so the pages' code runs as users write it."""

    def session(connect_retries: int = 1) -> requests.Session:
        return emu.http_client()

    def async_client(**_: object) -> httpx.AsyncClient:
        return emu.async_http_client()

    monkeypatch.setattr(sync_transport, "build_requests_session", session)
    monkeypatch.setattr(async_transport, "build_httpx_client", async_client)


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
        monkeypatch.chdir(tmp_path)
        _route_default_transports(emu, monkeypatch)
        yield registrations
