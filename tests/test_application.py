"""application.py against the emulator over real HTTPS, through real authority URLs."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
import requests

from entraclient import ConfidentialClientApplication, TransportError
from entraclient.emulator import Emulator
from tests.emulator.support import Daemon


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


def _app(emu: Emulator, daemon: Daemon, **overrides: Any) -> ConfidentialClientApplication:
    client_id = overrides.pop("client_id", daemon.app.client_id)
    arguments: dict[str, Any] = {
        "client_credential": daemon.app.secret,
        "authority": f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        "http_client": emu.http_client(),
    }
    arguments.update(overrides)
    return ConfidentialClientApplication(client_id, **arguments)


def test_token_is_a_jwt_verifiable_against_the_published_jwks(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    result = _app(entra_emulator, daemon).acquire_token_for_client([daemon.api.default_scope])
    assert result["token_source"] == "identity_provider"
    assert result["token_type"] == "Bearer"
    assert result["expires_in"] == 3599
    session = entra_emulator.http_client()
    config = session.get(
        f"https://login.microsoftonline.com/{daemon.tenant.id}/v2.0/.well-known/openid-configuration"
    ).json()
    jwks = session.get(config["jwks_uri"]).json()
    token = result["access_token"]
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key=key, algorithms=["RS256"], audience=daemon.api.app_id_uri)
    assert claims["tid"] == daemon.tenant.id
    assert claims["appid"] == daemon.app.client_id
    assert claims["roles"] == ["Things.Read"]
    # A v1 API (accessTokenAcceptedVersion unset) gets the v1 issuer, not discovery's v2 one.
    assert claims["iss"] == f"https://sts.windows.net/{daemon.tenant.id}/"


def test_second_call_is_served_from_the_cache(entra_emulator: Emulator, daemon: Daemon) -> None:
    app = _app(entra_emulator, daemon)
    first = app.acquire_token_for_client([daemon.api.default_scope])
    second = app.acquire_token_for_client([daemon.api.default_scope])
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    assert set(second) == {"access_token", "token_type", "expires_in", "token_source"}
    assert len(entra_emulator.token_requests()) == 1
    entry = app.token_cache.entries("AccessToken")[0]
    assert entry["realm"] == daemon.tenant.id
    assert entry["environment"] == "login.microsoftonline.com"


def test_sent_request_carries_the_documented_fields_and_headers(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    _app(
        entra_emulator, daemon, app_name="demo\r\nX-Injected: 1", app_version="1.2"
    ).acquire_token_for_client([daemon.api.default_scope])
    (sent,) = entra_emulator.token_requests()
    assert dict(sent.form) == {
        "client_id": daemon.app.client_id,
        "grant_type": "client_credentials",
        "client_info": "1",
        "client_secret": daemon.app.secret,
        "scope": daemon.api.default_scope,
    }
    assert sent.headers["x-client-sku"] == "entraclient.Python"
    assert sent.headers["x-app-name"] == "demo X-Injected: 1"
    assert sent.headers["x-app-ver"] == "1.2"
    assert "x-injected" not in sent.headers
    assert len(sent.headers["client-request-id"]) == 36


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"client_credential": "wrong"}, "invalid_client", 7000215),
        (
            {"authority": "https://login.microsoftonline.com/nosuchtenant.onmicrosoft.com"},
            "invalid_tenant",
            90002,
        ),
        ({"client_id": "00000000-0000-0000-0000-000000000001"}, "unauthorized_client", 700016),
        ({"scopes": ["api://nothing-here/.default"]}, "invalid_resource", 500011),
        ({"scopes": ["User.Read"]}, "invalid_scope", 1002012),
    ],
)
def test_emulator_errors_come_back_as_error_dicts(
    entra_emulator: Emulator, daemon: Daemon, change: dict[str, Any], error: str, code: int
) -> None:
    scopes = change.pop("scopes", [daemon.api.default_scope])
    app = _app(entra_emulator, daemon, **change)
    result = app.acquire_token_for_client(scopes)
    assert result["error"] == error
    assert result["error_codes"] == [code]
    assert "access_token" not in result
    assert app.token_cache.entries("AccessToken") == []


def test_a_custom_http_client_is_used_instead_of_the_default(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    class Recording:
        def __init__(self) -> None:
            self.session = entra_emulator.http_client()
            self.calls: list[tuple[str, str]] = []

        def get(
            self, url: str, params: Any = None, headers: Any = None, **kwargs: Any
        ) -> requests.Response:
            self.calls.append(("GET", url))
            return self.session.get(url, params=params, headers=headers, **kwargs)

        def post(
            self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
        ) -> requests.Response:
            self.calls.append(("POST", url))
            return self.session.post(url, params=params, data=data, headers=headers, **kwargs)

    client = Recording()
    result = _app(entra_emulator, daemon, http_client=client).acquire_token_for_client(
        [daemon.api.default_scope]
    )
    assert "access_token" in result
    assert [method for method, _ in client.calls] == ["GET", "POST"]
    assert client.calls[1][1].endswith("/oauth2/v2.0/token")


def test_a_failing_http_client_raises_transport_error_with_the_cause(daemon: Daemon) -> None:
    class Broken:
        def get(self, url: str, **kwargs: Any) -> Any:
            raise ConnectionResetError("peer reset")

        def post(self, url: str, **kwargs: Any) -> Any:
            raise ConnectionResetError("peer reset")

    app = ConfidentialClientApplication(
        daemon.app.client_id, client_credential="s", authority="https://login.microsoftonline.com/x",
        http_client=Broken(),
    )  # fmt: skip
    with pytest.raises(TransportError) as failure:
        app.acquire_token_for_client(["api://x/.default"])
    assert isinstance(failure.value.__cause__, ConnectionResetError)


def test_remove_tokens_for_client_forces_a_new_request(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    app = _app(entra_emulator, daemon)
    app.acquire_token_for_client([daemon.api.default_scope])
    app.remove_tokens_for_client()
    assert (
        app.acquire_token_for_client([daemon.api.default_scope])["token_source"]
        == "identity_provider"
    )
    assert len(entra_emulator.token_requests()) == 2


def test_tenantless_authority_warns(entra_emulator: Emulator, daemon: Daemon) -> None:
    app = _app(entra_emulator, daemon, authority="https://login.microsoftonline.com/organizations")
    with pytest.warns(DeprecationWarning, match="specific tenant"):
        result = app.acquire_token_for_client([daemon.api.default_scope])
    assert result["error_codes"] == [50059]
