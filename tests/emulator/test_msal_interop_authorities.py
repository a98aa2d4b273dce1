"""MSAL Python 1.39, as a test oracle, against the emulator's other authority kinds."""

from __future__ import annotations

import uuid
from typing import Any

import msal
import pytest
import requests

from entraclient.emulator import Emulator

from .support import Daemon


@pytest.fixture
def daemon(emu: Emulator) -> Daemon:
    tenant = emu.add_tenant(f"m{uuid.uuid4().hex[:10]}.onmicrosoft.com")
    app = emu.add_app(tenant)
    api = emu.add_api(tenant, roles=["Things.Read"])
    emu.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


def _msal(daemon: Daemon, http: requests.Session, **kwargs: Any) -> dict[str, Any]:
    app = msal.ConfidentialClientApplication(
        daemon.app.client_id, client_credential=daemon.app.secret, http_client=http, **kwargs
    )
    result: dict[str, Any] = app.acquire_token_for_client([daemon.api.default_scope])
    return result


def _label(daemon: Daemon) -> str:
    return daemon.tenant.domain.split(".")[0]


def test_b2c(emu: Emulator, daemon: Daemon, http: requests.Session) -> None:
    authority = f"https://{_label(daemon)}.b2clogin.com/{daemon.tenant.domain}/B2C_1_susi"
    assert _msal(daemon, http, authority=authority)["token_source"] == "identity_provider"
    (post,) = emu.token_requests()
    assert post.path == f"/{daemon.tenant.domain}/b2c_1_susi/oauth2/v2.0/token"


@pytest.mark.parametrize("with_path", [False, True])
def test_ciam(daemon: Daemon, http: requests.Session, with_path: bool) -> None:
    host = f"https://{_label(daemon)}.ciamlogin.com"
    authority = f"{host}/{daemon.tenant.id}" if with_path else host
    assert "access_token" in _msal(daemon, http, authority=authority)


def test_adfs(emu: Emulator, daemon: Daemon, http: requests.Session) -> None:
    authority = emu.add_adfs(f"fs.{_label(daemon)}.test", daemon.tenant)
    assert "access_token" in _msal(daemon, http, authority=authority)
    assert emu.token_requests()[0].path == "/adfs/oauth2/token/"


def test_national_cloud(daemon: Daemon, http: requests.Session) -> None:
    authority = f"https://login.sovcloud-identity.fr/{daemon.tenant.domain}"
    assert "access_token" in _msal(daemon, http, authority=authority)


def test_oidc_authority_passes_msal_issuer_check(daemon: Daemon, http: requests.Session) -> None:
    authority = f"https://login.microsoftonline.com/{daemon.tenant.id}/v2.0"
    assert "access_token" in _msal(daemon, http, oidc_authority=authority)


def test_regional(emu: Emulator, daemon: Daemon, http: requests.Session) -> None:
    # MSAL also probes the metadata service, which the routed session refuses in-process:
    # that address is never contacted.
    authority = f"https://login.microsoftonline.com/{daemon.tenant.domain}"
    assert "access_token" in _msal(daemon, http, authority=authority, azure_region="westus2")
    (post,) = emu.token_requests()
    assert post.host == "westus2.login.microsoft.com"


def test_regional_refusal_reaches_msal(
    emu: Emulator, daemon: Daemon, http: requests.Session
) -> None:
    emu.deny_regional(daemon.app)
    authority = f"https://login.microsoftonline.com/{daemon.tenant.domain}"
    result = _msal(daemon, http, authority=authority, azure_region="westus2")
    assert result["error_codes"] == [100007]


def test_alias_metadata_call_is_what_msal_expects(
    emu: Emulator, daemon: Daemon, http: requests.Session
) -> None:
    app = msal.ConfidentialClientApplication(
        daemon.app.client_id, client_credential=daemon.app.secret, http_client=http,
        authority=f"https://login.microsoftonline.us/{daemon.tenant.domain}",
    )  # fmt: skip
    app.acquire_token_for_client([daemon.api.default_scope])
    app.remove_tokens_for_client()
    call = emu.requests[-1]
    assert (call.host, call.path, call.query_value("api-version")) == (
        "login.microsoftonline.us",
        "/common/discovery/instance",
        "1.1",
    )
    assert call.status == 200
    assert app.acquire_token_for_client([daemon.api.default_scope])["token_source"] == (
        "identity_provider"
    )
