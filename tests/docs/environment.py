"""What the documentation's snippets find when they run: registrations in the emulator,
exposed the way a deployed app gets its settings — through environment variables.

``DOCS_SETTINGS`` names every variable a page may read; the pages say which they use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from entraclient.emulator import App, Emulator
from tests.pki import issue

DOWNSTREAM_SCOPE = "api://contoso-inventory/Inventory.Read"
ORDERS_SCOPE = "api://contoso-orders/Orders.Read"


@dataclass(frozen=True)
class DocsRegistrations:
    """The emulator a page runs against, and the settings of the apps registered in it, by
    environment variable."""

    emulator: Emulator
    variables: dict[str, str]


def _secret_of(app: App) -> str:
    assert app.secret is not None, "registered with a generated secret"
    return app.secret


def register_for_docs(emu: Emulator, workdir: Path) -> DocsRegistrations:
    """Register a daemon (secret), a daemon (certificate), a web app, a web API calling a
    downstream API on behalf of users, and a user; write the certificate's files."""
    sample = emu.sample
    tenant = sample.tenant
    daemon = emu.add_app(tenant, display_name="docs daemon")
    emu.grant_app_roles(daemon, sample.api, ["Data.Read"])
    cert_daemon = emu.add_app(tenant, secrets=[], display_name="docs certificate daemon")
    emu.grant_app_roles(cert_daemon, sample.api, ["Data.Read"])
    issued = issue("CN=docs-daemon", key_name="docs-daemon")
    emu.add_certificate(cert_daemon, issued.cert_pem)
    (workdir / "daemon-key.pem").write_text(issued.key_pem())
    (workdir / "daemon-cert.pem").write_text(issued.cert_pem)
    redirect_uri = "http://localhost:5000/auth/callback"
    web = emu.add_app(tenant, display_name="docs web app", redirect_uris=[redirect_uri])
    orders = emu.add_app(tenant, display_name="docs orders API")
    emu.expose_api(orders, app_id_uri=ORDERS_SCOPE.rsplit("/", 1)[0])
    emu.add_api(tenant, app_id_uri=DOWNSTREAM_SCOPE.rsplit("/", 1)[0])
    alice = emu.add_user(tenant, f"alice@{tenant.domain}", display_name="Alice")
    signed_in = emu.issue_user_tokens(web, alice, [ORDERS_SCOPE, "openid", "profile"])
    return DocsRegistrations(
        emu,
        {
            "ENTRA_AUTHORITY": sample.authority,
            "ENTRA_TENANT_ID": tenant.id,
            "ENTRA_CLIENT_ID": daemon.client_id,
            "ENTRA_CLIENT_SECRET": _secret_of(daemon),
            "ENTRA_SCOPE": sample.scope,
            "ENTRA_CERT_CLIENT_ID": cert_daemon.client_id,
            "ENTRA_CERT_KEY_PATH": str(workdir / "daemon-key.pem"),
            "ENTRA_CERT_PATH": str(workdir / "daemon-cert.pem"),
            "WEB_CLIENT_ID": web.client_id,
            "WEB_CLIENT_SECRET": _secret_of(web),
            "WEB_REDIRECT_URI": redirect_uri,
            "ORDERS_SCOPE": ORDERS_SCOPE,
            "API_CLIENT_ID": orders.client_id,
            "API_CLIENT_SECRET": _secret_of(orders),
            "DOWNSTREAM_SCOPE": DOWNSTREAM_SCOPE,
            "INCOMING_TOKEN": str(signed_in["access_token"]),
            "USER_NAME": alice.username,
        },
    )
