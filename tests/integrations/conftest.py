"""Fixtures of the integration tests: a tenant, a daemon, a protected resource per test."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec

import pytest
import requests

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.directory import Api, App, Tenant
from entraclient.emulator.resources import ProtectedResource

P = ParamSpec("P")


@dataclass(frozen=True)
class Setup:
    """A tenant with a daemon granted ``Orders.Read`` on an API served as a resource."""

    emu: Emulator
    tenant: Tenant
    app: App
    api: Api
    resource: ProtectedResource

    @property
    def authority(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant.id}"

    @property
    def scope(self) -> str:
        return self.api.default_scope

    def app_args(self) -> dict[str, object]:
        """Constructor arguments of a ConfidentialClientApplication for the daemon."""
        return {
            "client_id": self.app.client_id,
            "client_credential": self.app.secret,
            "authority": self.authority,
            "http_client": self.emu.http_client(),
        }

    def async_app_args(self) -> dict[str, object]:
        """Constructor arguments of an AsyncConfidentialClientApplication for the daemon."""
        return {**self.app_args(), "http_client": self.emu.async_http_client()}

    def sync_app(self, *, cae: bool = False) -> ConfidentialClientApplication:
        args = self.app_args()
        return ConfidentialClientApplication(
            str(args.pop("client_id")),
            client_capabilities=["CP1"] if cae else None,
            **args,  # type: ignore[arg-type]
        )

    def token_requests(self) -> int:
        """How many token requests the daemon sent since the log was cleared."""
        return sum(
            1 for r in self.emu.token_requests() if r.form_value("client_id") == self.app.client_id
        )


@pytest.fixture
def setup(entra_emulator: Emulator) -> Setup:
    emu = entra_emulator
    tenant = emu.add_tenant()
    app = emu.add_app(tenant)
    api = emu.add_api(tenant, roles=["Orders.Read", "Orders.Write"])
    emu.grant_app_roles(app, api, ["Orders.Read"])
    resource = emu.add_resource(api, roles=["Orders.Read"])
    return Setup(emu, tenant, app, api, resource)


@pytest.fixture
def http(entra_emulator: Emulator) -> Iterator[requests.Session]:
    session = entra_emulator.http_client()
    yield session
    session.close()


def run_async(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an ``async def`` test in a fresh event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run
