"""The Orders API on its own: a web API that validates the caller's bearer token and calls
a downstream API on the user's behalf (on-behalf-of), from its cache when it can.

Run it from anywhere::

    python examples/web_api/api.py            # calls itself twice as a user, then stops
    python examples/web_api/api.py --serve    # keeps serving; prints a curl command

It starts a local emulator, registers the API, a client app, a downstream API and a user,
and points the library at the emulator with the environment switch, so the API's
application is built exactly as in production: without ``http_client``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from any directory

import httpx

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator_switch import EmulatorSwitch
from examples.serving import LoopbackServer
from examples.web_api.orders_api import ApiSettings, build_orders_api

ORDERS_API = "api://contoso-orders"
DOWNSTREAM_SCOPE = "api://contoso-inventory/Inventory.Read"


@dataclass
class RunningApi:
    """The served API, and a token a signed-in user's client app would send it."""

    server: LoopbackServer
    user_token: str


def serve_orders_api(emu: Emulator, port: int = 0) -> RunningApi:
    """Register the API and its callers in ``emu``, switch the library to ``emu``, serve."""
    tenant = emu.sample.tenant
    os.environ.update(EmulatorSwitch((emu.host, emu.port), emu.ca_path).environment())
    api_app = emu.add_app(tenant, display_name="orders API")
    # The orders API accepts v2 tokens (accessTokenAcceptedVersion 2): aud is its client id.
    orders_api = emu.expose_api(api_app, app_id_uri=ORDERS_API, access_token_version=2)
    emu.add_api(tenant, app_id_uri=DOWNSTREAM_SCOPE.rsplit("/", 1)[0])
    client = emu.add_app(tenant, display_name="client app")
    alice = emu.add_user(tenant, f"alice@{tenant.domain}", display_name="Alice")
    signed_in = emu.issue_user_tokens(client, alice, [f"{ORDERS_API}/Orders.Read"])
    authority = f"https://login.microsoftonline.com/{tenant.domain}"
    with emu.http_client() as http:
        jwks = http.get(f"{authority}/discovery/v2.0/keys").json()
    msal_app = AsyncConfidentialClientApplication(
        api_app.client_id, client_credential=api_app.secret, authority=authority
    )
    settings = ApiSettings(
        audience=orders_api.app_id,
        issuer=f"https://login.microsoftonline.com/{tenant.id}/v2.0",
        jwks=jwks,
        downstream_scope=DOWNSTREAM_SCOPE,
    )
    server = LoopbackServer(port).start(build_orders_api(msal_app, settings))
    return RunningApi(server, str(signed_in["access_token"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help="keep serving until Ctrl-C")
    parser.add_argument("--port", type=int, default=0, help="the API's port (default: any)")
    arguments = parser.parse_args()
    with Emulator() as emu:
        api = serve_orders_api(emu, arguments.port)
        try:
            print(f"Orders API at {api.server.url}/orders")
            headers = {"Authorization": f"Bearer {api.user_token}"}
            with httpx.Client(trust_env=False) as http:
                for attempt in (1, 2):
                    answer = http.get(f"{api.server.url}/orders", headers=headers).json()
                    source = answer["downstream_token"]["token_source"]
                    print(f"call {attempt} as {answer['user']}: {len(answer['orders'])} orders; "
                          f"downstream token from {source}")  # fmt: skip
                refused = http.get(f"{api.server.url}/orders", headers={"Authorization": "x"})
                print(f"without a bearer token: HTTP {refused.status_code}")
            if arguments.serve:
                print(f"curl -H 'Authorization: Bearer {api.user_token}' {api.server.url}/orders")
                print("serving; Ctrl-C to stop")
                _wait_for_interrupt()
        finally:
            api.server.stop()


def _wait_for_interrupt() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()


if __name__ == "__main__":
    main()
