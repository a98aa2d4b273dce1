"""OpenID configuration, instance discovery and JWKS, over HTTPS through the routing session."""

from __future__ import annotations

import pytest
import requests

from entraclient.emulator import Emulator

from .support import CheckEntraError

CONFIG_PATH = "v2.0/.well-known/openid-configuration"


def test_configuration_for_a_domain_uses_the_tenant_guid(
    emu: Emulator, http: requests.Session
) -> None:
    tenant = emu.add_tenant("fabrikam.example", domains=["fabrikam.onmicrosoft.com"])
    for name in ("fabrikam.example", "FABRIKAM.onmicrosoft.com", tenant.id):
        doc = http.get(f"https://login.microsoftonline.com/{name}/{CONFIG_PATH}").json()
        base = f"https://login.microsoftonline.com/{tenant.id}"
        assert doc["token_endpoint"] == f"{base}/oauth2/v2.0/token"
        assert doc["authorization_endpoint"] == f"{base}/oauth2/v2.0/authorize"
        assert doc["device_authorization_endpoint"] == f"{base}/oauth2/v2.0/devicecode"
        assert doc["end_session_endpoint"] == f"{base}/oauth2/v2.0/logout"
        assert doc["jwks_uri"] == f"{base}/discovery/v2.0/keys"
        assert doc["issuer"] == f"{base}/v2.0"
        assert doc["tenant_region_scope"] == "NA"


def test_configuration_fields(emu: Emulator, http: requests.Session) -> None:
    url = f"https://login.microsoftonline.com/{emu.sample.tenant.id}/{CONFIG_PATH}"
    doc = http.get(url).json()
    assert doc["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert doc["scopes_supported"] == ["openid", "profile", "email", "offline_access"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["subject_types_supported"] == ["pairwise"]
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]
    assert doc["cloud_instance_name"] == "microsoftonline.com"
    assert doc["msgraph_host"] == "graph.microsoft.com"


@pytest.mark.parametrize("alias", ["common", "organizations", "consumers"])
def test_configuration_for_an_alias_keeps_it(alias: str, http: requests.Session) -> None:
    doc = http.get(f"https://login.microsoftonline.com/{alias}/{CONFIG_PATH}").json()
    assert doc["token_endpoint"] == f"https://login.microsoftonline.com/{alias}/oauth2/v2.0/token"
    assert doc["issuer"] == "https://login.microsoftonline.com/{tenantid}/v2.0"
    assert doc["tenant_region_scope"] is None


def test_double_slash_of_the_default_authority_is_tolerated(
    emu: Emulator, http: requests.Session
) -> None:
    url = "https://login.microsoftonline.com/common//v2.0/.well-known/openid-configuration"
    response = http.get(url)
    assert response.status_code == 200
    assert emu.requests[-1].path == "/common//v2.0/.well-known/openid-configuration"


def test_urls_follow_the_host_the_client_used(emu: Emulator, http: requests.Session) -> None:
    tenant = emu.sample.tenant
    national = http.get(f"https://login.microsoftonline.us/{tenant.id}/{CONFIG_PATH}").json()
    assert national["token_endpoint"].startswith("https://login.microsoftonline.us/")
    assert national["cloud_instance_name"] == "microsoftonline.us"
    loopback = http.get(f"{emu.base_url}/{tenant.domain}/{CONFIG_PATH}").json()
    assert loopback["token_endpoint"] == f"{emu.base_url}/{tenant.id}/oauth2/v2.0/token"
    assert loopback["issuer"] == f"{emu.base_url}/{tenant.id}/v2.0"


def test_unknown_tenant_is_invalid_tenant(
    http: requests.Session, entra_error: CheckEntraError
) -> None:
    url = f"https://login.microsoftonline.com/nowhere.example/{CONFIG_PATH}"
    response = http.get(url, headers={"client-request-id": "5e1f6f4c-0000-4000-8000-000000000001"})
    body = entra_error(response, error="invalid_tenant", code=90002)
    assert "'nowhere.example'" in str(body["error_description"])
    assert body["correlation_id"] == "5e1f6f4c-0000-4000-8000-000000000001"
    assert response.headers["client-request-id"] == body["correlation_id"]


def test_validation_call_answers_a_known_host(http: requests.Session) -> None:
    params = {
        "api-version": "1.0",
        "authorization_endpoint": "https://login.microsoftonline.us/contoso.com/oauth2/v2.0/authorize",
    }
    response = http.get(
        "https://login.microsoftonline.com/common/discovery/instance", params=params
    )
    body = response.json()
    assert response.status_code == 200
    assert body["tenant_discovery_endpoint"] == (
        "https://login.microsoftonline.us/contoso.com/v2.0/.well-known/openid-configuration"
    )
    assert isinstance(body["metadata"], list)


def test_metadata_call_lists_the_alias_groups(http: requests.Session) -> None:
    params = {
        "api-version": "1.1",
        "authorization_endpoint": "https://login.microsoftonline.com/common/oauth2/authorize",
    }
    url = "https://login.microsoftonline.com/common/discovery/instance"
    metadata = http.get(url, params=params, headers={"Accept": "application/json"}).json()[
        "metadata"
    ]
    public = metadata[0]
    assert public["preferred_network"] == "login.microsoftonline.com"
    assert public["preferred_cache"] == "login.windows.net"
    assert set(public["aliases"]) == {
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
    }
    groups = [set(group["aliases"]) for group in metadata]
    assert {"login.partner.microsoftonline.cn", "login.chinacloudapi.cn"} in groups
    assert {"login.microsoftonline.us", "login.usgovcloudapi.net"} in groups


def test_unknown_instance_is_invalid_instance(
    emu: Emulator, http: requests.Session, entra_error: CheckEntraError
) -> None:
    params = {
        "api-version": "1.0",
        "authorization_endpoint": "https://login.example.test/t/oauth2/v2.0/authorize",
    }
    url = "https://login.microsoftonline.com/common/discovery/instance"
    entra_error(http.get(url, params=params), error="invalid_instance", code=50049)
    emu.add_instance("login.example.test")
    body = http.get(url, params=params).json()
    assert body["tenant_discovery_endpoint"].startswith("https://login.example.test/t/")
    assert {"login.example.test"} in [set(g["aliases"]) for g in body["metadata"]]


def test_jwks_publishes_the_signing_key(emu: Emulator, http: requests.Session) -> None:
    for tenant in ("common", emu.sample.tenant.id):
        keys = http.get(f"https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys").json()
        assert [k["kid"] for k in keys["keys"]] == [k["kid"] for k in emu.jwks()["keys"]]
        assert keys["keys"][0]["kty"] == "RSA"


def test_unknown_path_is_a_json_404(http: requests.Session) -> None:
    response = http.get("https://login.microsoftonline.com/common/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
