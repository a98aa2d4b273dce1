"""Fixtures of the managed identity tests: the session's emulator, and a host environment of
each kind applied to ``os.environ`` for the duration of one test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from entraclient.emulator import Emulator
from entraclient.emulator.managed_identities import (
    MANAGED_IDENTITY_VARIABLES,
    ManagedIdentityEnvironment,
)

ALL_KINDS = ("vm", "app_service", "machine_learning", "service_fabric", "azure_arc")
SELECTING_KINDS = ("vm", "app_service", "machine_learning", "azure_arc")  # SF: cluster-set
RESOURCE = "api://contoso-sample-api"
UseHost = Callable[..., ManagedIdentityEnvironment]


@pytest.fixture
def emu(entra_emulator: Emulator) -> Emulator:
    """The session's emulator."""
    return entra_emulator


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*MANAGED_IDENTITY_VARIABLES, "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def arc_dir(tmp_path: Path) -> Path:
    """An Azure Arc agent token directory for this test."""
    directory = tmp_path / "arc-tokens"
    directory.mkdir()
    return directory


@pytest.fixture
def use_host(emu: Emulator, arc_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UseHost]:
    """Make this process look like an Azure host of a kind whose endpoint is the emulator."""

    def use(kind: str, **options: object) -> ManagedIdentityEnvironment:
        if kind == "azure_arc":
            options.setdefault("key_directory", arc_dir)
        options.setdefault("token_lifetime", 86400)
        environment = emu.managed_identity(kind, **options)  # type: ignore[arg-type]
        for name, value in environment.env.items():
            monkeypatch.setenv(name, value)
        return environment

    yield use
    emu.managed_identity("service_fabric")  # unbind any identity a test gave Service Fabric
