"""The sample's apps registered in an emulator and served on loopback ports."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import Api, Emulator, Tenant, User
from examples.serving import LoopbackServer
from examples.web_api.orders_api import ApiSettings, build_orders_api
from examples.webapp.webapp import WebAppSettings, build_web_app

DOWNSTREAM_SCOPE = "api://contoso-inventory/Inventory.Read"


@dataclass
class Deployment:
    """The running sample: the web app's and the API's URLs, and who may sign in."""

    emulator: Emulator
    tenant: Tenant
    user: User
    orders_api: Api
    downstream_api: Api
    web_url: str
    api_url: str
    servers: tuple[LoopbackServer, LoopbackServer]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def deploy(
    emu: Emulator,
    *,
    authority_host: str | None = None,
    web_port: int = 0,
    response_mode: str = "form_post",
) -> Deployment:
    """Register a tenant, the web app, the Orders API, a downstream API and a user; serve.

    The apps use the real authority host (``login.microsoftonline.com``, which clients
    such as ``emu.http_client()`` route to the emulator) unless ``authority_host`` names
    the emulator's own address (``localhost:{port}``), which a browser can open.
    """
    tenant = emu.add_tenant()
    user = emu.add_user(tenant, f"alice@{tenant.domain}", display_name="Alice")
    web_server, api_server = LoopbackServer(web_port), LoopbackServer()
    redirect_uri = f"{web_server.url}/auth/callback"
    web = emu.add_app(tenant, display_name="sample web app", redirect_uris=[redirect_uri])
    api_app = emu.add_app(tenant, display_name="sample orders API")
    # The orders API opted into v2 tokens (accessTokenAcceptedVersion 2): aud is its client id.
    # The inventory API keeps Entra's default, v1: aud is its App ID URI.
    orders_api = emu.expose_api(api_app, app_id_uri="api://contoso-orders", access_token_version=2)
    downstream_api = emu.add_api(tenant, app_id_uri=DOWNSTREAM_SCOPE.rsplit("/", 1)[0])
    host = authority_host or "login.microsoftonline.com"
    authority = f"https://{host}/{tenant.domain}"
    with emu.http_client() as http:
        jwks = http.get(f"https://{host}/{tenant.id}/discovery/v2.0/keys").json()
    api_server.start(
        build_orders_api(
            AsyncConfidentialClientApplication(
                api_app.client_id, client_credential=api_app.secret, authority=authority,
                http_client=emu.async_http_client(), instance_discovery=authority_host is None,
            ),
            ApiSettings(
                audience=orders_api.app_id,
                issuer=f"https://{host}/{tenant.id}/v2.0",
                jwks=jwks,
                downstream_scope=DOWNSTREAM_SCOPE,
            ),
        )
    )  # fmt: skip
    web_server.start(
        build_web_app(
            AsyncConfidentialClientApplication(
                web.client_id, client_credential=web.secret, authority=authority,
                http_client=emu.async_http_client(), instance_discovery=authority_host is None,
            ),
            WebAppSettings(
                redirect_uri=redirect_uri,
                orders_url=f"{api_server.url}/orders",
                orders_scope=f"{orders_api.app_id_uri}/Orders.Read",
                suggested_username=user.username,
                response_mode=response_mode,
            ),
            httpx.AsyncClient(trust_env=False),
        )
    )  # fmt: skip
    servers = (web_server, api_server)
    return Deployment(
        emu, tenant, user, orders_api, downstream_api, web_server.url, api_server.url, servers
    )
