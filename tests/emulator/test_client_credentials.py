"""The client credentials grant: tokens verified against the served JWKS, and its errors."""

from __future__ import annotations

import time

import jwt
import pytest
import requests

from entraclient.emulator import Emulator

from .support import CheckEntraError, Daemon, PostToken


def verified_claims(
    http: requests.Session, token: str, *, tenant_id: str, audience: str, version: int = 1
) -> dict[str, object]:
    """Verify ``token`` against the JWKS the emulator serves; return its claims."""
    jwks_url = f"https://login.microsoftonline.com/{tenant_id}/discovery/v2.0/keys"
    keys = {k["kid"]: jwt.PyJWK(k) for k in http.get(jwks_url).json()["keys"]}
    key = keys[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, object] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=f"https://login.microsoftonline.com/{tenant_id}/v2.0"
        if version == 2
        else f"https://sts.windows.net/{tenant_id}/",
    )
    return claims


def test_issues_a_verifiable_app_token(
    daemon: Daemon, http: requests.Session, post_token: PostToken
) -> None:
    response = post_token(daemon.tenant.domain, daemon.form(client_info="1"))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"token_type", "expires_in", "ext_expires_in", "access_token"}
    assert (body["token_type"], body["expires_in"], body["ext_expires_in"]) == (
        "Bearer",
        3599,
        3599,
    )
    claims = verified_claims(
        http, body["access_token"], tenant_id=daemon.tenant.id, audience=daemon.api.app_id_uri
    )
    assert claims["tid"] == daemon.tenant.id
    assert claims["appid"] == daemon.app.client_id
    assert "azp" not in claims and "azpacr" not in claims  # v1: the API did not opt into v2
    assert claims["idp"] == claims["iss"]
    assert claims["oid"] == claims["sub"] == daemon.app.service_principal_id
    assert (claims["appidacr"], claims["idtyp"], claims["ver"]) == ("1", "app", "1.0")
    assert claims["roles"] == ["Things.Read"]
    assert isinstance(claims["exp"], int)
    assert isinstance(claims["iat"], int)
    assert claims["exp"] - claims["iat"] == 3599
    assert claims["nbf"] == claims["iat"]
    assert "scp" not in claims
    assert isinstance(claims["uti"], str)


def test_resource_addressed_by_its_app_id(
    daemon: Daemon, http: requests.Session, post_token: PostToken
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(scope=f"{daemon.api.app_id}/.default"))
    token = response.json()["access_token"]
    claims = verified_claims(http, token, tenant_id=daemon.tenant.id, audience=daemon.api.app_id)
    assert claims["roles"] == ["Things.Read"]


def test_a_v2_api_gets_a_v2_token_whichever_way_it_is_named(
    emu: Emulator, daemon: Daemon, http: requests.Session, post_token: PostToken
) -> None:
    api = emu.add_api(daemon.tenant, app_id_uri="api://v2-api", roles=["R"], access_token_version=2)
    emu.grant_app_roles(daemon.app, api, ["R"])
    for scope in (api.default_scope, f"{api.app_id}/.default"):
        token = post_token(daemon.tenant.id, daemon.form(scope=scope)).json()["access_token"]
        claims = verified_claims(
            http, token, tenant_id=daemon.tenant.id, audience=api.app_id, version=2
        )
        assert (claims["azp"], claims["azpacr"], claims["ver"]) == (
            daemon.app.client_id,
            "1",
            "2.0",
        )
        assert "appid" not in claims and "appidacr" not in claims and "idp" not in claims
        assert claims["roles"] == ["R"]


def test_an_api_accepts_only_token_version_1_or_2(emu: Emulator, daemon: Daemon) -> None:
    with pytest.raises(ValueError, match="access_token_version"):
        emu.add_api(daemon.tenant, access_token_version=3)


@pytest.mark.parametrize(
    ("resource", "app_id"),
    [
        ("https://storage.azure.com", "e406a681-f3d4-42a8-90b6-c2b029497af1"),
        ("https://vault.azure.net", "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"),
        ("https://management.azure.com", "797f4846-ba00-4fd7-ba43-dac1f8f63013"),
        ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"),
    ],
)
def test_first_party_apis_are_known_and_get_v1_tokens(
    daemon: Daemon, post_token: PostToken, resource: str, app_id: str
) -> None:
    form = daemon.form(scope=f"{resource}/.default")
    token = post_token(daemon.tenant.id, form).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["aud"], claims["ver"]) == (resource, "1.0")
    assert claims["iss"] == f"https://sts.windows.net/{daemon.tenant.id}/"
    by_id = post_token(daemon.tenant.id, daemon.form(scope=f"{app_id}/.default")).json()
    assert jwt.decode(by_id["access_token"], options={"verify_signature": False})["aud"] == app_id


def test_no_roles_granted_still_issues_a_token(
    emu: Emulator, daemon: Daemon, post_token: PostToken
) -> None:
    other = emu.add_app(daemon.tenant)
    form = {**daemon.form(), "client_id": other.client_id, "client_secret": str(other.secret)}
    token = post_token(daemon.tenant.id, form).json()["access_token"]
    assert "roles" not in jwt.decode(token, options={"verify_signature": False})


def test_graph_is_known_in_every_tenant(daemon: Daemon, post_token: PostToken) -> None:
    form = daemon.form(scope="https://graph.microsoft.com//.default")
    token = post_token(daemon.tenant.id, form).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == (
        "https://graph.microsoft.com"
    )


def test_sample_app_gets_its_role(emu: Emulator, post_token: PostToken) -> None:
    sample = emu.sample
    form = {
        "client_id": sample.app.client_id,
        "client_secret": str(sample.app.secret),
        "grant_type": "client_credentials",
        "scope": sample.scope,
    }
    token = post_token(sample.tenant.domain, form).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["Data.Read"]
    assert claims["aud"] == "api://contoso-sample-api"


@pytest.mark.parametrize("alias", ["common", "organizations", "consumers"])
def test_tenant_alias_is_refused(
    alias: str, daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    entra_error(post_token(alias, daemon.form()), error="invalid_request", code=50059)


@pytest.mark.parametrize(
    ("scope", "error", "code"),
    [
        (None, "invalid_request", 900144),
        ("api://x/Things.Read", "invalid_scope", 1002012),
        ("openid", "invalid_scope", 1002012),
        ("/.default", "invalid_scope", 70011),
        ("api://one/.default api://two/.default", "invalid_scope", 28000),
        ("api://not-registered/.default", "invalid_resource", 500011),
    ],
)
def test_scope_errors(
    scope: str | None,
    error: str,
    code: int,
    daemon: Daemon,
    post_token: PostToken,
    entra_error: CheckEntraError,
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(scope=scope))
    entra_error(response, error=error, code=code)


def test_same_resource_twice_is_one_resource(daemon: Daemon, post_token: PostToken) -> None:
    scope = f"{daemon.api.default_scope} {daemon.api.app_id_uri.upper()}/.default"
    assert post_token(daemon.tenant.id, daemon.form(scope=scope)).status_code == 200


def test_api_of_another_tenant_is_unknown(
    emu: Emulator, daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    elsewhere = emu.add_api(emu.add_tenant(), roles=["Things.Read"])
    response = post_token(daemon.tenant.id, daemon.form(scope=elsewhere.default_scope))
    entra_error(response, error="invalid_resource", code=500011)


def test_tokens_are_unique(daemon: Daemon, post_token: PostToken) -> None:
    first = post_token(daemon.tenant.id, daemon.form()).json()["access_token"]
    second = post_token(daemon.tenant.id, daemon.form()).json()["access_token"]
    assert first != second
    assert abs(jwt.decode(first, options={"verify_signature": False})["iat"] - time.time()) < 5
