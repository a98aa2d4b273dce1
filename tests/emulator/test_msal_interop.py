"""MSAL Python 1.39, used as a test oracle, gets tokens from the emulator unchanged."""

from __future__ import annotations

import msal
import pytest
import requests

from entraclient.emulator import Emulator

from .support import Daemon


def confidential_app(
    daemon: Daemon, http: requests.Session, authority: str, **kwargs: object
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential=daemon.app.secret,
        authority=authority,
        http_client=http,
        **kwargs,
    )


def test_acquire_token_for_client_then_cache_hit(
    emu: Emulator, daemon: Daemon, http: requests.Session
) -> None:
    app = confidential_app(
        daemon, http, f"https://login.microsoftonline.com/{daemon.tenant.domain}"
    )
    first = app.acquire_token_for_client([daemon.api.default_scope])
    assert first.get("token_type") == "Bearer", first
    assert first["token_source"] == "identity_provider"
    second = app.acquire_token_for_client([daemon.api.default_scope])
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    (token_request,) = emu.token_requests()
    assert token_request.path == f"/{daemon.tenant.id}/oauth2/v2.0/token"
    assert token_request.headers["x-client-sku"] == "MSAL.Python"
    assert token_request.form_value("client_info") == "1"


def test_sample_app_with_the_sample_authority(emu: Emulator, http: requests.Session) -> None:
    sample = emu.sample
    app = msal.ConfidentialClientApplication(
        sample.app.client_id,
        client_credential=sample.app.secret,
        authority=sample.authority,
        http_client=http,
    )
    assert "access_token" in app.acquire_token_for_client([sample.scope])


def test_error_reaches_msal_as_entra_sends_it(daemon: Daemon, http: requests.Session) -> None:
    app = msal.ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential="wrong",
        authority=f"https://login.microsoftonline.com/{daemon.tenant.id}",
        http_client=http,
    )
    result = app.acquire_token_for_client([daemon.api.default_scope])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]


def test_loopback_authority_without_instance_discovery(
    emu: Emulator, daemon: Daemon, http: requests.Session
) -> None:
    authority = f"{emu.base_url}/{daemon.tenant.id}"
    app = confidential_app(daemon, http, authority, instance_discovery=False)
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])


def test_custom_instance_goes_through_instance_discovery(
    emu: Emulator, daemon: Daemon, http: requests.Session
) -> None:
    emu.add_instance("login.contoso-sts.test")
    app = confidential_app(daemon, http, f"https://login.contoso-sts.test/{daemon.tenant.domain}")
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    validation = emu.requests[0]
    assert validation.host == "login.microsoftonline.com"
    assert validation.path == "/common/discovery/instance"


def test_unknown_instance_is_refused_by_msal(daemon: Daemon, http: requests.Session) -> None:
    with pytest.raises(ValueError, match="invalid_instance"):
        confidential_app(daemon, http, f"https://login.nowhere.test/{daemon.tenant.domain}")
