"""Fixtures of the integration tests: a tenant, a daemon, a protected resource per test."""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec

import httpx
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


class RoutingTransport(httpx.BaseTransport):
    """A sync httpx transport reaching the emulator's hosts (the twin of the emulator's
    async one, for testing ``httpx.Client``)."""

    def __init__(self, emu: Emulator) -> None:
        self._router = emu.router()
        self._pool = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=emu.ca_path))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        target = self._router.route(host, request.url.port or 443)
        if target is None:
            raise httpx.ConnectError(f"{host} is not served by the emulator", request=request)
        request.url = request.url.copy_with(host=target[0], port=target[1])
        request.extensions = {**request.extensions, "sni_hostname": host}
        return self._pool.handle_request(request)

    def close(self) -> None:
        self._pool.close()


def user_assertion(setup: Setup) -> tuple[str, App]:
    """A middle-tier API app, exposed, and a user's token for it (the OBO assertion)."""
    emu = setup.emu
    middle = emu.add_app(setup.tenant)
    exposed = emu.expose_api(middle)
    client = emu.add_app(setup.tenant)
    user = emu.add_user(setup.tenant)
    tokens = emu.issue_user_tokens(client, user, [f"{exposed.app_id_uri}/access"])
    return str(tokens["access_token"]), middle
