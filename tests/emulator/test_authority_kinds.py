"""The emulator's B2C, ADFS and regional hosts and its metadata service, over HTTPS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from entraclient.emulator import Emulator
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.regional import RegionSettings, check_regional_request, region_of_host

from .support import CheckEntraError, Daemon, PostToken

CONFIG = ".well-known/openid-configuration"


# -- B2C -------------------------------------------------------------------------------------


def test_b2c_configuration(emu: Emulator, http: requests.Session, daemon: Daemon) -> None:
    base = f"https://contoso.b2clogin.com/{daemon.tenant.domain}"
    doc = http.get(f"{base}/B2C_1_SignUpSignIn/v2.0/{CONFIG}").json()
    policy_base = f"{base}/b2c_1_signupsignin"
    assert doc["token_endpoint"] == f"{policy_base}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{policy_base}/oauth2/v2.0/authorize"
    assert doc["jwks_uri"] == f"{policy_base}/discovery/v2.0/keys"
    assert doc["issuer"] == f"https://contoso.b2clogin.com/{daemon.tenant.id}/v2.0/"
    keys = http.get(doc["jwks_uri"]).json()["keys"]
    assert [k["kid"] for k in keys] == [k["kid"] for k in emu.jwks()["keys"]]


def test_b2c_token(http: requests.Session, daemon: Daemon) -> None:
    url = f"https://contoso.b2clogin.com/{daemon.tenant.domain}/b2c_1_susi/oauth2/v2.0/token"
    response = http.post(url, data=daemon.form())
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("policy", ["signup", "b2c_"])
def test_b2c_needs_a_policy_name(http: requests.Session, daemon: Daemon, policy: str) -> None:
    base = f"https://contoso.b2clogin.com/{daemon.tenant.domain}/{policy}"
    for response in (
        http.get(f"{base}/v2.0/{CONFIG}"),
        http.post(f"{base}/oauth2/v2.0/token", data=daemon.form()),
        http.get(f"{base}/discovery/v2.0/keys"),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_b2c_unknown_tenant(http: requests.Session, entra_error: CheckEntraError) -> None:
    url = f"https://contoso.b2clogin.com/nobody.onmicrosoft.com/B2C_1_x/v2.0/{CONFIG}"
    entra_error(http.get(url), error="invalid_tenant", code=90002)


# -- ADFS ------------------------------------------------------------------------------------


@pytest.fixture
def farm(emu: Emulator, daemon: Daemon) -> str:
    host = f"adfs.{uuid.uuid4().hex[:8]}.test"
    assert emu.add_adfs(host, daemon.tenant) == f"https://{host}/adfs"
    return host


def test_adfs_configuration(http: requests.Session, farm: str) -> None:
    doc = http.get(f"https://{farm}/adfs/{CONFIG}").json()
    assert doc["issuer"] == f"https://{farm}/adfs"
    assert doc["token_endpoint"] == f"https://{farm}/adfs/oauth2/token/"
    assert doc["authorization_endpoint"] == f"https://{farm}/adfs/oauth2/authorize/"
    assert http.get(doc["jwks_uri"]).status_code == 200


@pytest.mark.parametrize("path", ["/adfs/oauth2/token/", "/adfs/oauth2/token"])
def test_adfs_token_for_the_farm_tenant(
    http: requests.Session, farm: str, daemon: Daemon, path: str
) -> None:
    response = http.post(f"https://{farm}{path}", data=daemon.form())
    assert response.status_code == 200, response.text


def test_adfs_checks_the_secret(
    http: requests.Session, farm: str, daemon: Daemon, entra_error: CheckEntraError
) -> None:
    response = http.post(f"https://{farm}/adfs/oauth2/token/", data=daemon.form(client_secret="x"))
    entra_error(response, error="invalid_client", code=7000215, status=401)


def test_adfs_paths_elsewhere_are_404(http: requests.Session, daemon: Daemon) -> None:
    assert http.get(f"https://login.microsoftonline.com/adfs/{CONFIG}").status_code == 404
    response = http.post("https://login.microsoftonline.com/adfs/oauth2/token/", data=daemon.form())
    assert response.status_code == 404


# -- regional hosts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("westus2.login.microsoft.com", "westus2"),
        ("usgovvirginia.login.microsoftonline.us:443", "usgovvirginia"),
        ("login.microsoft.com", None),
        ("a.b.login.microsoft.com", None),
        ("contoso.b2clogin.com", None),
    ],
)
def test_region_of_host(host: str, region: str | None) -> None:
    assert region_of_host(host) == region


def test_regional_discovery_and_token(
    http: requests.Session, daemon: Daemon, post_token: PostToken
) -> None:
    doc = http.get(f"https://westus2.login.microsoft.com/{daemon.tenant.id}/v2.0/{CONFIG}").json()
    assert doc["token_endpoint"] == (
        f"https://westus2.login.microsoft.com/{daemon.tenant.id}/oauth2/v2.0/token"
    )
    response = post_token(daemon.tenant.id, daemon.form(), host="westus2.login.microsoft.com")
    assert response.status_code == 200, response.text


def test_regional_hosts_serve_only_client_credentials(daemon: Daemon) -> None:
    # No other grant exists in the emulator yet, so the rule is checked directly.
    settings = RegionSettings()
    form = {"grant_type": "refresh_token"}
    check_regional_request(settings, "login.microsoft.com", form, daemon.app)
    with pytest.raises(EntraError) as refused:
        check_regional_request(settings, "westus2.login.microsoft.com", form, daemon.app)
    assert refused.value.kind is ErrorKind.REGIONAL_NOT_ALLOWED
    check_regional_request(
        settings, "westus2.login.microsoft.com", {"grant_type": "client_credentials"}, daemon.app
    )


def test_regional_hosts_refuse_denied_apps(
    emu: Emulator, daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    emu.deny_regional(daemon.app)
    regional = post_token(daemon.tenant.id, daemon.form(), host="eastus.login.microsoft.com")
    entra_error(regional, error="invalid_request", code=100007)
    assert post_token(daemon.tenant.id, daemon.form()).status_code == 200


# -- the metadata service ----------------------------------------------------------------------


@pytest.fixture
def region(emu: Emulator) -> Iterator[str]:
    emu.set_region("swedencentral")
    yield "swedencentral"
    emu.set_region(None)


def _imds(http: requests.Session, emu: Emulator, path: str, **params: str) -> requests.Response:
    headers = {"Metadata": "true"} if params.pop("metadata", "true") == "true" else {}
    return http.get(f"{emu.imds_endpoint}/metadata/instance/{path}", params=params, headers=headers)


def test_imds_location(http: requests.Session, emu: Emulator, region: str) -> None:
    response = _imds(http, emu, "compute/location", format="text", **{"api-version": "2021-02-01"})
    assert (response.status_code, response.text) == (200, region)
    compute = _imds(http, emu, "compute", **{"api-version": "2021-02-01"})
    assert compute.json()["location"] == region


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"metadata": "no", "format": "text", "api-version": "2021-02-01"}, "metadata header"),
        ({"format": "text"}, "api-version"),
        ({"api-version": "2021-02-01"}, "format=text"),
    ],
)
def test_imds_refuses_what_azure_refuses(
    http: requests.Session, emu: Emulator, region: str, params: dict[str, str], message: str
) -> None:
    response = _imds(http, emu, "compute/location", **params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_imds_without_a_region_is_404(http: requests.Session, emu: Emulator) -> None:
    emu.set_region(None)
    response = _imds(http, emu, "compute/location", format="text", **{"api-version": "2021-02-01"})
    assert response.status_code == 404
