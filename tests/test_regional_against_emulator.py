"""Regional token endpoints end to end: every azure_region input against the emulator.

The emulator's metadata service is reached by pointing ENTRACLIENT_IMDS_ENDPOINT at it;
nothing here ever contacts 169.254.169.254.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.flows.regions import IMDS_LOCATION_PATH
from entraclient.region import IMDS_DEFAULT_ENDPOINT
from tests.emulator.support import Daemon
from tests.recording import RecordingClient

CENTRAL = "login.microsoftonline.com"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MSAL_FORCE_REGION", "REGION_NAME", "ENTRACLIENT_IMDS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emu(entra_emulator: Emulator) -> Iterator[Emulator]:
    yield entra_emulator
    entra_emulator.set_region(None)


@pytest.fixture
def daemon(emu: Emulator) -> Daemon:
    tenant = emu.add_tenant()
    app = emu.add_app(tenant)
    api = emu.add_api(tenant, roles=["Things.Read"])
    emu.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


def _app(
    emu: Emulator, daemon: Daemon, host: str = CENTRAL, **arguments: Any
) -> ConfidentialClientApplication:
    arguments.setdefault("http_client", emu.http_client())
    return ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential=daemon.app.secret,
        authority=f"https://{host}/{daemon.tenant.domain}",
        **arguments,
    )


def _token_host(emu: Emulator) -> str:
    (post,) = emu.token_requests()
    return post.host


def _imds_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.path.startswith("/metadata/")]


def _assert_cached_centrally(
    app: ConfidentialClientApplication, daemon: Daemon, host: str = CENTRAL
) -> None:
    (entry,) = app.token_cache.entries("AccessToken")
    assert (entry["environment"], entry["realm"]) == (host, daemon.tenant.id)


def test_a_region_string_pins_the_token_request(emu: Emulator, daemon: Daemon) -> None:
    app = _app(emu, daemon, azure_region="westus2")
    result = app.acquire_token_for_client([daemon.api.default_scope])
    assert result["token_source"] == "identity_provider", result
    assert [(r.method, r.host, r.path) for r in emu.requests] == [
        ("GET", CENTRAL, f"/{daemon.tenant.domain}/v2.0/.well-known/openid-configuration"),
        (
            "GET",
            "westus2.login.microsoft.com",
            f"/{daemon.tenant.id}/v2.0/.well-known/openid-configuration",
        ),
        ("POST", "westus2.login.microsoft.com", f"/{daemon.tenant.id}/oauth2/v2.0/token"),
    ]
    _assert_cached_centrally(app, daemon)
    again = app.acquire_token_for_client([daemon.api.default_scope])
    assert again["token_source"] == "cache"
    assert len(emu.requests) == 3


def test_a_national_cloud_gets_the_region_as_a_sub_domain(emu: Emulator, daemon: Daemon) -> None:
    app = _app(emu, daemon, host="login.microsoftonline.us", azure_region="usgovvirginia")
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == "usgovvirginia.login.microsoftonline.us"
    _assert_cached_centrally(app, daemon, "login.microsoftonline.us")


@pytest.mark.parametrize(
    "public_host", ["login.windows.net", "sts.windows.net", "login.microsoft.com"]
)
def test_every_public_host_maps_to_login_microsoft_com(
    emu: Emulator, daemon: Daemon, public_host: str
) -> None:
    app = _app(emu, daemon, host=public_host, azure_region="northeurope")
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == "northeurope.login.microsoft.com"


def test_msal_force_region_applies_when_azure_region_is_none(
    emu: Emulator, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MSAL_FORCE_REGION", "centralus")
    assert "access_token" in _app(emu, daemon).acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == "centralus.login.microsoft.com"


def test_false_ignores_msal_force_region(
    emu: Emulator, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MSAL_FORCE_REGION", "centralus")
    app = _app(emu, daemon, azure_region=False)
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == CENTRAL


def test_none_uses_no_region_and_detects_nothing(
    emu: Emulator, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGION_NAME", "westus2")
    monkeypatch.setenv("ENTRACLIENT_IMDS_ENDPOINT", emu.imds_endpoint)
    emu.set_region("eastus")
    assert "access_token" in _app(emu, daemon).acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == CENTRAL
    assert _imds_requests(emu) == []


def test_true_reads_region_name_first(
    emu: Emulator, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGION_NAME", "West Europe")
    monkeypatch.setenv("ENTRACLIENT_IMDS_ENDPOINT", emu.imds_endpoint)
    emu.set_region("eastus")
    app = _app(emu, daemon, azure_region=True)
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == "westeurope.login.microsoft.com"
    assert _imds_requests(emu) == []


def test_true_asks_the_metadata_service(
    emu: Emulator, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTRACLIENT_IMDS_ENDPOINT", emu.imds_endpoint)
    emu.set_region("eastus")
    app = _app(emu, daemon, azure_region=True)
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == "eastus.login.microsoft.com"
    (imds,) = _imds_requests(emu)
    assert imds.path == "/metadata/instance/compute/location"
    assert imds.headers["metadata"] == "true"
    assert (imds.status, imds.query_value("format")) == (200, "text")
    _assert_cached_centrally(app, daemon)


@pytest.mark.parametrize(("reported", "warned"), [(None, False), ("East US!", True)])
def test_true_without_a_usable_answer_stays_central(
    emu: Emulator,
    daemon: Daemon,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    reported: str | None,
    warned: bool,
) -> None:
    monkeypatch.setenv("ENTRACLIENT_IMDS_ENDPOINT", emu.imds_endpoint)
    emu.set_region(reported)
    app = _app(emu, daemon, azure_region=True)
    with caplog.at_level(logging.WARNING, logger="entraclient.region"):
        assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    assert _token_host(emu) == CENTRAL
    assert len(_imds_requests(emu)) == 1
    assert ("discarded" in caplog.text) is warned


def test_true_without_the_override_never_leaves_the_process(emu: Emulator, daemon: Daemon) -> None:
    # The default metadata address is not routed: the routed client refuses it in-process,
    # before any DNS look-up or socket, and detection ends with no region.
    client = RecordingClient(emu.http_client())
    app = _app(emu, daemon, azure_region=True, http_client=client)
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    # The request was built, and refused in-process: it never reached a socket.
    assert [s.url for s in client.sent if s.url.startswith(IMDS_DEFAULT_ENDPOINT)] == [
        IMDS_DEFAULT_ENDPOINT + IMDS_LOCATION_PATH
    ]
    assert _token_host(emu) == CENTRAL


def test_an_app_not_allowed_on_regional_hosts_gets_aadsts100007(
    emu: Emulator, daemon: Daemon
) -> None:
    emu.deny_regional(daemon.app)
    app = _app(emu, daemon, azure_region="westus2")
    result = app.acquire_token_for_client([daemon.api.default_scope])
    assert result["error_codes"] == [100007]
    assert app.token_cache.entries("AccessToken") == []
    central = _app(emu, daemon).acquire_token_for_client([daemon.api.default_scope])
    assert central["token_source"] == "identity_provider"


def test_a_second_app_with_the_same_http_cache_asks_nothing_but_the_token(
    emu: Emulator, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTRACLIENT_IMDS_ENDPOINT", emu.imds_endpoint)
    emu.set_region("eastus")
    http_cache: dict[str, Any] = {}
    first = _app(emu, daemon, azure_region=True, http_cache=http_cache)
    assert "access_token" in first.acquire_token_for_client([daemon.api.default_scope])
    assert len(emu.requests) == 4  # discovery, IMDS, regional discovery, token
    emu.clear_log()
    second = _app(emu, daemon, azure_region=True, http_cache=http_cache)
    assert "access_token" in second.acquire_token_for_client([daemon.api.default_scope])
    assert [(r.method, r.host) for r in emu.requests] == [("POST", "eastus.login.microsoft.com")]
