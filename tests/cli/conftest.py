"""Fixtures of the command-line tests: run ``entraclient`` in-process, a daemon app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from entraclient.cli import main
from entraclient.emulator import App, Emulator, Tenant


@dataclass(frozen=True)
class Outcome:
    """What one ``entraclient`` run printed and returned."""

    code: int
    out: str
    err: str


Run = Callable[..., Outcome]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """``cli("token", "--client-id", ...)`` runs ``entraclient`` in this process."""

    def run(*argv: str) -> Outcome:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse: --help, usage errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@dataclass(frozen=True)
class Daemon:
    """A tenant, an app with a secret and an API granting it a role."""

    tenant: Tenant
    app: App
    scope: str


@pytest.fixture
def daemon(entra_emulator_switch: Emulator) -> Daemon:
    """A daemon registered in the switched-on emulator."""
    emu = entra_emulator_switch
    tenant = emu.add_tenant("cli.onmicrosoft.com")
    app = emu.add_app(tenant, client_id="0b5b5d8e-5f0a-4a8e-9d57-2d3b1f0c7a11")
    api = emu.add_api(tenant, app_id_uri="api://cli-orders", roles=["Orders.Read"])
    emu.grant_app_roles(app, api, ["Orders.Read"])
    return Daemon(tenant, app, api.default_scope)
