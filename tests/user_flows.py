"""A three-tier world in the emulator for the user flows: a web app that signs users in, a
middle-tier API it calls, and a downstream API the middle tier calls on the user's behalf."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.emulator import Api, App, Emulator, Tenant, User
from entraclient.emulator.form_post import read_form_post
from tests.clocked import ClockedApp
from tests.flows.scripted import FakeClock

REDIRECT_URI = "https://webapp.contoso.test/auth/callback"
DOWNSTREAM_SCOPE = "api://downstream-orders/Orders.Read"


@dataclass
class World:
    emu: Emulator
    tenant: Tenant
    web: App
    middle: App
    middle_api: Api
    downstream: Api
    alice: User

    @property
    def authority(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant.domain}"

    @property
    def middle_scope(self) -> str:
        return f"{self.middle_api.app_id_uri}/access_as_user"

    def application(self, app: App, clock: FakeClock | None = None,
                    **extra: Any) -> ConfidentialClientApplication:  # fmt: skip
        arguments: dict[str, Any] = {
            "client_credential": app.secret,
            "authority": self.authority,
            "http_client": self.emu.http_client(),
            "token_cache": SerializableTokenCache(),
        }
        arguments.update(extra)
        if clock is not None:
            return ClockedApp(app.client_id, clock=clock, **arguments)
        return ConfidentialClientApplication(app.client_id, **arguments)

    def web_app(
        self, clock: FakeClock | None = None, **extra: Any
    ) -> ConfidentialClientApplication:
        return self.application(self.web, clock, **extra)

    def middle_tier(self, clock: FakeClock | None = None,
                    **extra: Any) -> ConfidentialClientApplication:  # fmt: skip
        return self.application(self.middle, clock, **extra)

    def user_assertion(self, user: User | None = None) -> str:
        """What the web app sends the middle tier: a token of the user for its API."""
        body = self.emu.issue_user_tokens(self.web, user or self.alice, [self.middle_scope])
        return str(body["access_token"])


def new_world(emu: Emulator) -> World:
    tenant = emu.add_tenant()
    web = emu.add_app(tenant, display_name="web app", redirect_uris=[REDIRECT_URI])
    middle = emu.add_app(tenant, display_name="middle tier")
    middle_api = emu.expose_api(middle)
    downstream = emu.add_api(tenant, app_id_uri="api://downstream-orders")
    alice = emu.add_user(tenant, f"alice@{tenant.domain}", display_name="Alice")
    return World(emu, tenant, web, middle, middle_api, downstream, alice)


def visit(emu: Emulator, auth_uri: str) -> requests.Response:
    """What a browser does with ``auth_uri``: one GET, redirects not followed."""
    with emu.http_client() as browser:
        return browser.get(auth_uri, allow_redirects=False)


def redirect_parameters(response: requests.Response) -> dict[str, str]:
    """The parameters the authorize endpoint sent back to the redirect URI."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return dict(parse_qsl(urlsplit(location).query))


def sign_in(world: World, app: ConfidentialClientApplication, scopes: list[str],
            user: User | None = None, **flow_arguments: Any) -> tuple[dict[str, Any], dict[str, str]]:  # fmt: skip
    """Start a flow, sign ``user`` in at the emulator: the flow and the redirect's parameters."""
    flow = app.initiate_auth_code_flow(scopes, redirect_uri=REDIRECT_URI, **flow_arguments)
    world.emu.sign_in_as(user or world.alice)
    return flow, redirect_parameters(visit(world.emu, flow["auth_uri"]))


def form_post(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of a ``response_mode=form_post`` page."""
    return read_form_post(page)
