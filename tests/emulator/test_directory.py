"""The directory: tenants by id or domain, apps per tenant, APIs, grants, secrets."""

from __future__ import annotations

from entraclient.emulator.directory import Api, ClientSecret, Directory, graph_api


def test_tenant_resolves_by_id_and_every_domain() -> None:
    directory = Directory()
    tenant = directory.add_tenant(["Contoso.com", "contoso.onmicrosoft.com"])
    assert tenant.domain == "contoso.com"
    for name in (tenant.id, tenant.id.upper(), "CONTOSO.COM", "contoso.onmicrosoft.com"):
        assert directory.find_tenant(name) is tenant
    assert directory.find_tenant("fabrikam.com") is None


def test_apps_are_registered_per_tenant() -> None:
    directory = Directory()
    home, other = directory.add_tenant(["a.test"]), directory.add_tenant(["b.test"])
    app = directory.add_app(home, [ClientSecret("s")], display_name="d")
    assert directory.find_app(home, app.client_id.upper()) is app
    assert directory.find_app(other, app.client_id) is None
    assert directory.find_app_by_client_id(app.client_id) is app


def test_secrets_and_expiry() -> None:
    directory = Directory()
    app = directory.add_app(directory.add_tenant(["a.test"]), [], display_name="d")
    assert app.secret is None
    directory.add_secret(app, ClientSecret("super-secret-value", expires_at=10.0))
    (secret,) = directory.secrets_of(app)
    assert not secret.is_expired(9.9)
    assert secret.is_expired(10.0)
    assert "super-secret-value" not in repr(secret)


def test_apis_are_visible_in_their_tenant_and_global_ones_everywhere() -> None:
    directory = Directory()
    tenant, other = directory.add_tenant(["a.test"]), directory.add_tenant(["b.test"])
    api = directory.add_api(Api("1e0cb2e4-0000-4000-8000-000000000001", "api://Thing", tenant.id))
    graph = directory.add_api(graph_api())
    assert directory.find_api(tenant, "API://thing/") is api
    assert directory.find_api(tenant, api.app_id) is api
    assert directory.find_api(other, "api://thing") is None
    assert directory.find_api(other, "https://graph.microsoft.com") is graph


def test_grants_accumulate() -> None:
    directory = Directory()
    tenant = directory.add_tenant(["a.test"])
    app = directory.add_app(tenant, [], display_name="d")
    api = directory.add_api(
        Api("1e0cb2e4-0000-4000-8000-000000000002", "api://t", None, ("A", "B"))
    )
    assert directory.granted_roles(app, api) == ()
    directory.grant_app_roles(app, api, ["B"])
    directory.grant_app_roles(app, api, ["A", "B"])
    assert directory.granted_roles(app, api) == ("A", "B")
