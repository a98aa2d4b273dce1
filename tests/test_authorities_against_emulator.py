"""Every authority kind and every discovery setting, against the emulator over HTTPS.

Each test builds an application with a real authority URL and the emulator's routed
``http_client``, acquires an app token, and checks what was requested and how the token
was cached (environment = the configured host, realm = the token endpoint's tenant).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator, Tenant
from tests.emulator.support import Daemon
from tests.recording import RecordingClient

CONFIG = ".well-known/openid-configuration"


def _name() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    """A tenant named ``{name}.onmicrosoft.com`` (so CIAM's bare form finds it), app and API."""
    tenant = entra_emulator.add_tenant(f"{_name()}.onmicrosoft.com")
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


def _acquire(
    emu: Emulator, daemon: Daemon, **arguments: Any
) -> tuple[dict[str, Any], ConfidentialClientApplication]:
    arguments.setdefault("http_client", emu.http_client())
    app = ConfidentialClientApplication(
        daemon.app.client_id, client_credential=daemon.app.secret, **arguments
    )
    return app.acquire_token_for_client([daemon.api.default_scope]), app


def _cached_at(app: ConfidentialClientApplication) -> tuple[str, str]:
    (entry,) = app.token_cache.entries("AccessToken")
    return entry["environment"], entry["realm"]


def _paths(emu: Emulator) -> list[tuple[str, str, str]]:
    return [(r.method, r.host, r.path) for r in emu.requests]


def _label(tenant: Tenant) -> str:
    return tenant.domain.split(".")[0]


@pytest.mark.parametrize(
    "host",
    [
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login.microsoftonline.de",
        "login.sovcloud-identity.fr",
        "login.windows.net",
    ],
)
@pytest.mark.parametrize("tenant_form", ["domain", "guid"])
def test_entra_and_national_clouds(
    entra_emulator: Emulator, daemon: Daemon, host: str, tenant_form: str
) -> None:
    tenant = daemon.tenant.domain if tenant_form == "domain" else daemon.tenant.id
    result, app = _acquire(entra_emulator, daemon, authority=f"https://{host}/{tenant}")
    assert result["token_source"] == "identity_provider", result
    assert _paths(entra_emulator) == [
        ("GET", host, f"/{tenant}/v2.0/{CONFIG}"),
        ("POST", host, f"/{daemon.tenant.id}/oauth2/v2.0/token"),
    ]
    assert _cached_at(app) == (host, daemon.tenant.id)


@pytest.mark.parametrize("policy", ["B2C_1_susi", "b2c_1a_signin"])
def test_b2c(entra_emulator: Emulator, daemon: Daemon, policy: str) -> None:
    host = f"{_label(daemon.tenant)}.b2clogin.com"
    authority = f"https://{host}/{daemon.tenant.domain}/{policy}"
    result, app = _acquire(entra_emulator, daemon, authority=authority)
    assert result["token_source"] == "identity_provider", result
    assert _paths(entra_emulator) == [
        ("GET", host, f"/{daemon.tenant.domain}/{policy}/v2.0/{CONFIG}"),
        ("POST", host, f"/{daemon.tenant.domain}/{policy.lower()}/oauth2/v2.0/token"),
    ]
    assert _cached_at(app) == (host, daemon.tenant.domain)


def test_b2c_with_an_unknown_policy_shape_is_an_error_dict(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    host = f"{_label(daemon.tenant)}.b2clogin.com"
    authority = f"https://{host}/{daemon.tenant.domain}/signup"
    result, _ = _acquire(entra_emulator, daemon, authority=authority)
    assert result["error"] == "not_found"
    assert entra_emulator.token_requests() == []


@pytest.mark.parametrize("with_path", [False, True])
def test_ciam(entra_emulator: Emulator, daemon: Daemon, with_path: bool) -> None:
    host = f"{_label(daemon.tenant)}.ciamlogin.com"
    authority = f"https://{host}/{daemon.tenant.id}" if with_path else f"https://{host}"
    discovered = daemon.tenant.id if with_path else daemon.tenant.domain
    result, app = _acquire(entra_emulator, daemon, authority=authority)
    assert result["token_source"] == "identity_provider", result
    assert _paths(entra_emulator) == [
        ("GET", host, f"/{discovered}/v2.0/{CONFIG}"),
        ("POST", host, f"/{daemon.tenant.id}/oauth2/v2.0/token"),
    ]
    assert _cached_at(app) == (host, daemon.tenant.id)


def test_adfs(entra_emulator: Emulator, daemon: Daemon) -> None:
    host = f"fs.{_name()}.test"
    authority = entra_emulator.add_adfs(host, daemon.tenant)
    result, app = _acquire(entra_emulator, daemon, authority=authority)
    assert result["token_source"] == "identity_provider", result
    assert _paths(entra_emulator) == [
        ("GET", host, f"/adfs/{CONFIG}"),
        ("POST", host, "/adfs/oauth2/token/"),
    ]
    assert _cached_at(app) == (host, "adfs")


def test_adfs_path_on_a_host_that_is_no_farm(entra_emulator: Emulator, daemon: Daemon) -> None:
    host = f"fs.{_name()}.test"
    entra_emulator.route_host(host)
    result, _ = _acquire(entra_emulator, daemon, authority=f"https://{host}/adfs")
    assert result["error"] == "not_found"


def test_oidc_authority(entra_emulator: Emulator, daemon: Daemon) -> None:
    authority = f"https://login.microsoftonline.com/{daemon.tenant.id}/v2.0"
    result, app = _acquire(entra_emulator, daemon, oidc_authority=authority)
    assert result["token_source"] == "identity_provider", result
    assert _paths(entra_emulator) == [
        ("GET", "login.microsoftonline.com", f"/{daemon.tenant.id}/v2.0/{CONFIG}"),
        ("POST", "login.microsoftonline.com", f"/{daemon.tenant.id}/oauth2/v2.0/token"),
    ]
    assert _cached_at(app) == ("login.microsoftonline.com", daemon.tenant.id)


def test_unknown_tenant_is_an_error_dict(entra_emulator: Emulator, daemon: Daemon) -> None:
    authority = "https://login.microsoftonline.com/nobody-here.example"
    result, _ = _acquire(entra_emulator, daemon, authority=authority)
    assert result["error"] == "invalid_tenant"
    assert result["error_codes"] == [90002]
    assert entra_emulator.token_requests() == []


# -- instance discovery settings -----------------------------------------------------------


@pytest.mark.parametrize(
    "setting", [{}, {"instance_discovery": None}, {"instance_discovery": True}]
)
def test_unknown_host_is_refused_before_any_credential_is_sent(
    entra_emulator: Emulator, daemon: Daemon, setting: dict[str, Any]
) -> None:
    host = f"login.{_name()}.test"
    entra_emulator.route_host(host)  # were it contacted, the emulator would log it
    client = RecordingClient(entra_emulator.http_client())
    authority = f"https://{host}/{daemon.tenant.domain}"
    result, _ = _acquire(entra_emulator, daemon, authority=authority, http_client=client, **setting)
    assert result["error"] == "invalid_instance"
    assert result["error_codes"] == [50049]
    (validation,) = client.sent
    assert (validation.method, validation.url) == (
        "GET",
        "https://login.microsoftonline.com/common/discovery/instance",
    )
    assert validation.params == {
        "authorization_endpoint": f"https://{host}/{daemon.tenant.domain}/oauth2/v2.0/authorize",
        "api-version": "1.0",
    }
    assert client.carried(str(daemon.app.secret)) == []
    assert _paths(entra_emulator) == [
        ("GET", "login.microsoftonline.com", "/common/discovery/instance")
    ]
    assert all(r.host != host for r in entra_emulator.requests)


def test_a_known_instance_is_validated_then_used(entra_emulator: Emulator, daemon: Daemon) -> None:
    host = f"login.{_name()}.test"
    entra_emulator.add_instance(host)
    result, app = _acquire(
        entra_emulator, daemon, authority=f"https://{host}/{daemon.tenant.domain}"
    )
    assert result["token_source"] == "identity_provider", result
    assert _paths(entra_emulator) == [
        ("GET", "login.microsoftonline.com", "/common/discovery/instance"),
        ("GET", host, f"/{daemon.tenant.domain}/v2.0/{CONFIG}"),
        ("POST", host, f"/{daemon.tenant.id}/oauth2/v2.0/token"),
    ]
    assert _cached_at(app) == (host, daemon.tenant.id)


@pytest.mark.parametrize("setting", [{"instance_discovery": False}, {"validate_authority": False}])
def test_opting_out_skips_validation(
    entra_emulator: Emulator, daemon: Daemon, setting: dict[str, Any]
) -> None:
    host = f"login.{_name()}.test"
    entra_emulator.route_host(host)
    authority = f"https://{host}/{daemon.tenant.domain}"
    result, _ = _acquire(entra_emulator, daemon, authority=authority, **setting)
    assert result["token_source"] == "identity_provider", result
    assert [path for _, _, path in _paths(entra_emulator)] == [
        f"/{daemon.tenant.domain}/v2.0/{CONFIG}",
        f"/{daemon.tenant.id}/oauth2/v2.0/token",
    ]


def test_a_custom_instance_discovery_url_is_used_for_validation(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    host = f"login.{_name()}.test"
    entra_emulator.add_instance(host)
    custom = "https://login.microsoftonline.us/common/discovery/instance"
    authority = f"https://{host}/{daemon.tenant.domain}"
    result, _ = _acquire(entra_emulator, daemon, authority=authority, instance_discovery=custom)
    assert result["token_source"] == "identity_provider", result
    assert _paths(entra_emulator)[0] == (
        "GET",
        "login.microsoftonline.us",
        "/common/discovery/instance",
    )


def test_the_loopback_emulator_needs_no_validation_when_opted_out(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    authority = f"{entra_emulator.base_url}/{daemon.tenant.id}"
    result, _ = _acquire(entra_emulator, daemon, authority=authority, instance_discovery=False)
    assert result["token_source"] == "identity_provider", result
    assert len(entra_emulator.requests) == 2


@pytest.mark.parametrize(
    "authority_of",
    [
        lambda d: f"https://login.microsoftonline.us/{d.tenant.id}",
        lambda d: f"https://{_label(d.tenant)}.b2clogin.com/{d.tenant.domain}/B2C_1_x",
        lambda d: f"https://{_label(d.tenant)}.ciamlogin.com",
    ],
    ids=["well-known", "b2c", "ciam"],
)
def test_no_validation_for_well_known_b2c_and_ciam_hosts(
    entra_emulator: Emulator, daemon: Daemon, authority_of: Any
) -> None:
    result, _ = _acquire(entra_emulator, daemon, authority=authority_of(daemon))
    assert result["token_source"] == "identity_provider", result
    assert all("/discovery/instance" not in r.path for r in entra_emulator.requests)
