"""Protected resources: bearer tokens validated as a real API does, and CAE challenges."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
import requests

from entraclient.emulator import Emulator
from entraclient.emulator.resources import ProtectedResource
from entraclient.integrations.challenges import claims_challenge_of

from .support import Daemon, PostToken


@pytest.fixture
def resource(emu: Emulator, daemon: Daemon) -> ProtectedResource:
    return emu.add_resource(daemon.api, roles=["Things.Read"])


def _token(post_token: PostToken, daemon: Daemon, **form: str) -> str:
    response = post_token(daemon.tenant.id, daemon.form(**form))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _get(http: requests.Session, resource: ProtectedResource, token: str) -> requests.Response:
    return http.get(f"{resource.url}/orders", headers={"Authorization": f"Bearer {token}"})


def _error_of(response: requests.Response) -> str:
    header = response.headers["WWW-Authenticate"]
    assert header.startswith('Bearer realm="", authorization_uri="https://login.microsoftonline')
    return str(response.json()["error"])


def test_default_host_comes_from_the_app_id_uri(emu: Emulator, daemon: Daemon) -> None:
    api = emu.add_api(daemon.tenant, app_id_uri="api://Contoso.Orders")
    assert emu.add_resource(api).host == "contoso-orders.resource.test"
    assert emu.add_resource(api, host="orders.example.test").url == "https://orders.example.test"
    with pytest.raises(ValueError, match="already served"):
        emu.add_resource(api, host="orders.example.test")


def test_a_valid_app_token_is_served(
    http: requests.Session, daemon: Daemon, resource: ProtectedResource, post_token: PostToken
) -> None:
    answer = _get(http, resource, _token(post_token, daemon))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["resource"], body["method"], body["path"]) == (resource.host, "GET", "/orders")
    assert body["caller"]["appid"] == daemon.app.client_id
    assert body["caller"]["roles"] == ["Things.Read"]


def test_no_token_and_a_non_bearer_header_are_refused(
    http: requests.Session, resource: ProtectedResource
) -> None:
    assert _error_of(http.get(resource.url)) == "invalid_token"
    answer = http.get(resource.url, headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert (answer.status_code, _error_of(answer)) == (401, "invalid_token")


def test_a_forged_signature_is_refused(
    http: requests.Session, daemon: Daemon, resource: ProtectedResource, post_token: PostToken
) -> None:
    claims = jwt.decode(_token(post_token, daemon), options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-key-" * 4, algorithm="HS256")
    answer = _get(http, resource, forged)
    assert answer.status_code == 401
    assert "signature" in answer.json()["error_description"]


def test_a_token_for_another_api_is_refused(
    emu: Emulator,
    http: requests.Session,
    daemon: Daemon,
    resource: ProtectedResource,
    post_token: PostToken,
) -> None:
    other = emu.add_api(daemon.tenant, roles=["Things.Read"])
    emu.grant_app_roles(daemon.app, other, ["Things.Read"])
    answer = _get(http, resource, _token(post_token, daemon, scope=other.default_scope))
    assert answer.status_code == 401
    assert "audience" in answer.json()["error_description"]


def test_a_v2_issuer_on_a_v1_api_is_refused(
    emu: Emulator, http: requests.Session, daemon: Daemon, resource: ProtectedResource
) -> None:
    now = int(time.time())
    claims = {
        "aud": daemon.api.app_id_uri,
        "iss": f"https://login.microsoftonline.com/{daemon.tenant.id}/v2.0",
        "tid": daemon.tenant.id,
        "iat": now,
        "exp": now + 600,
        "roles": ["Things.Read"],
    }
    answer = _get(http, resource, emu._context.signer.sign(claims))
    assert answer.json()["error_description"] == "The token issuer is not valid for this API."


def test_an_expired_token_is_refused(
    emu: Emulator, http: requests.Session, daemon: Daemon, resource: ProtectedResource
) -> None:
    now = int(time.time())
    claims = {
        "aud": daemon.api.app_id_uri,
        "iss": f"https://sts.windows.net/{daemon.tenant.id}/",
        "tid": daemon.tenant.id,
        "iat": now - 4000,
        "exp": now - 301,  # beyond the 5 minutes of clock skew
        "roles": ["Things.Read"],
    }
    answer = _get(http, resource, emu._context.signer.sign(claims))
    assert answer.json()["error_description"] == "The token is expired."


def test_a_token_without_the_required_role_is_forbidden(
    emu: Emulator, http: requests.Session, daemon: Daemon, post_token: PostToken
) -> None:
    writers_only = emu.add_resource(
        daemon.api, host="writers.resource.test", roles=["Things.Write"]
    )
    answer = _get(http, writers_only, _token(post_token, daemon))
    assert (answer.status_code, _error_of(answer)) == (403, "insufficient_scope")


def _capable(daemon: Daemon) -> dict[str, str]:
    return {"claims": json.dumps({"access_token": {"xms_cc": {"values": ["CP1"]}}})}


def test_revoked_sessions_challenge_cae_tokens_only(
    emu: Emulator,
    http: requests.Session,
    daemon: Daemon,
    resource: ProtectedResource,
    post_token: PostToken,
) -> None:
    cae_token = _token(post_token, daemon, **_capable(daemon))
    plain_token = _token(post_token, daemon)
    revoked_at = emu.revoke_sessions(daemon.app)
    challenged = _get(http, resource, cae_token)
    assert (challenged.status_code, _error_of(challenged)) == (401, "insufficient_claims")
    challenge = claims_challenge_of([challenged.headers["WWW-Authenticate"]])
    assert challenge is not None
    expected = {"access_token": {"nbf": {"essential": True, "value": str(revoked_at)}}}
    assert json.loads(challenge.claims) == expected
    encoded = challenged.headers["WWW-Authenticate"].split('claims="')[1].rstrip('"')
    assert "=" not in encoded and base64.urlsafe_b64decode(encoded + "==")
    # A non-CAE token is honoured until it expires, as Entra's short-lived tokens are.
    assert _get(http, resource, plain_token).status_code == 200


def test_the_token_endpoint_honours_the_nbf_of_a_claims_challenge(
    emu: Emulator,
    http: requests.Session,
    daemon: Daemon,
    resource: ProtectedResource,
    post_token: PostToken,
) -> None:
    revoked_at = emu.revoke_sessions(daemon.app)
    challenge = {
        "access_token": {
            "nbf": {"essential": True, "value": str(revoked_at)},
            "xms_cc": {"values": ["CP1"]},
        }
    }
    token = _token(post_token, daemon, claims=json.dumps(challenge))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iat"] >= revoked_at and claims["xms_cc"] == ["CP1"]
    assert _get(http, resource, token).status_code == 200


def test_user_tokens_follow_the_api_version(emu: Emulator, daemon: Daemon) -> None:
    user = emu.add_user(daemon.tenant)
    v2_api = emu.add_api(daemon.tenant, app_id_uri="api://v2-user-api", access_token_version=2)
    v1 = emu.issue_user_tokens(daemon.app, user, [f"{daemon.api.app_id_uri}/Things.Read"])
    v2 = emu.issue_user_tokens(daemon.app, user, [f"{v2_api.app_id_uri}/Things.Read"])
    v1_claims = jwt.decode(str(v1["access_token"]), options={"verify_signature": False})
    v2_claims = jwt.decode(str(v2["access_token"]), options={"verify_signature": False})
    assert (v1_claims["aud"], v1_claims["ver"], v1_claims["upn"]) == (
        daemon.api.app_id_uri,
        "1.0",
        user.username,
    )
    assert v1_claims["appid"] == daemon.app.client_id and "preferred_username" not in v1_claims
    assert (v2_claims["aud"], v2_claims["ver"], v2_claims["azp"]) == (
        v2_api.app_id,
        "2.0",
        daemon.app.client_id,
    )
    assert v2_claims["preferred_username"] == user.username and "upn" not in v2_claims
    assert v2_claims["iss"] == f"https://login.microsoftonline.com/{daemon.tenant.id}/v2.0"


def test_a_refreshed_user_token_carries_the_announced_capabilities(
    emu: Emulator, daemon: Daemon, post_token: PostToken
) -> None:
    user = emu.add_user(daemon.tenant)
    scope = f"{daemon.api.app_id_uri}/Things.Read"
    first = emu.issue_user_tokens(daemon.app, user, ["openid", "offline_access", scope])
    form = {
        "grant_type": "refresh_token",
        "client_id": daemon.app.client_id,
        "client_secret": str(daemon.app.secret),
        "refresh_token": str(first["refresh_token"]),
        "scope": scope,
        **_capable(daemon),
    }
    answer = post_token(daemon.tenant.id, form)
    assert answer.status_code == 200, answer.text
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["xms_cc"] == ["CP1"] and claims["scp"] == "Things.Read"


def test_a_policy_change_challenges_every_cae_token_of_the_api(
    emu: Emulator,
    http: requests.Session,
    daemon: Daemon,
    resource: ProtectedResource,
    post_token: PostToken,
) -> None:
    other_app = emu.add_app(daemon.tenant)
    emu.grant_app_roles(other_app, daemon.api, ["Things.Read"])
    other_form = {"client_id": other_app.client_id, "client_secret": str(other_app.secret)}
    tokens = [
        _token(post_token, daemon, **_capable(daemon)),
        _token(post_token, daemon, **_capable(daemon), **other_form),
    ]
    other_api = emu.add_api(daemon.tenant, roles=["Things.Read"])
    emu.change_policy(other_api)  # another API's policy: nothing changes here
    assert [_get(http, resource, t).status_code for t in tokens] == [200, 200]
    emu.change_policy(daemon.api)
    assert [_error_of(_get(http, resource, t)) for t in tokens] == ["insufficient_claims"] * 2
