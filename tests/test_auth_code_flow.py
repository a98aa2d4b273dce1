"""The auth code flow of a web app against the emulator: initiate, sign in, redeem, and every
way a redirect can be wrong (nothing is cached then)."""

from __future__ import annotations

import base64
import hashlib
import inspect
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msal
import pytest

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from tests.clocked import real_time_clock
from tests.user_flows import (
    REDIRECT_URI,
    World,
    form_post,
    new_world,
    redirect_parameters,
    sign_in,
    visit,
)

GRAPH_READ = "User.Read"


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


def _cached(app: ConfidentialClientApplication) -> int:
    return len(app.token_cache)


@pytest.mark.parametrize(
    "name",
    [
        "initiate_auth_code_flow",
        "acquire_token_by_auth_code_flow",
        "get_authorization_request_url",
        "acquire_token_by_authorization_code",
        "acquire_token_by_refresh_token",
    ],
)
def test_signatures_are_msals(name: str) -> None:
    ours = inspect.signature(getattr(ConfidentialClientApplication, name))
    theirs = inspect.signature(getattr(msal.ConfidentialClientApplication, name))
    shape = [(p.name, p.kind, p.default) for p in ours.parameters.values()]
    assert shape == [(p.name, p.kind, p.default) for p in theirs.parameters.values()]


def test_flow_dict_and_authorize_url(world: World) -> None:
    web = world.web_app()
    flow = web.initiate_auth_code_flow(
        [GRAPH_READ], redirect_uri=REDIRECT_URI, login_hint="alice@contoso.test", max_age=60
    )
    assert set(flow) == {"auth_uri", "state", "redirect_uri", "scope", "code_verifier", "nonce",
                         "max_age", "claims_challenge"}  # fmt: skip
    assert sorted(flow["scope"]) == ["User.Read", "offline_access", "openid", "profile"]
    assert len(flow["code_verifier"]) == 43 and len(flow["state"]) >= 22
    url = urlsplit(flow["auth_uri"])
    assert f"https://{url.netloc}{url.path}" == (
        f"https://login.microsoftonline.com/{world.tenant.id}/oauth2/v2.0/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    digest = hashlib.sha256(flow["code_verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge_method"] == "S256"
    assert query["nonce"] == hashlib.sha256(flow["nonce"].encode()).hexdigest()
    assert query["state"] == flow["state"]
    assert query["scope"] == "User.Read offline_access openid profile"
    assert query["X-AnchorMailbox"] == "UPN:alice@contoso.test"
    assert query["max_age"] == "60" and query["client_info"] == "1"


def test_sign_in_caches_the_account_and_its_tokens(world: World) -> None:
    web = world.web_app()
    flow, response = sign_in(world, web, [GRAPH_READ])
    world.emu.clear_log()
    result = web.acquire_token_by_auth_code_flow(flow, response)
    assert result["token_source"] == "identity_provider", result
    claims = result["id_token_claims"]
    assert (claims["oid"], claims["tid"]) == (world.alice.object_id, world.tenant.id)
    assert claims["preferred_username"] == world.alice.username
    (sent,) = world.emu.token_requests()
    assert sent.form_value("grant_type") == "authorization_code"
    assert sent.form_value("code_verifier") == flow["code_verifier"]
    assert sent.form_value("redirect_uri") == REDIRECT_URI
    assert sent.headers["x-anchormailbox"] == f"Oid:{world.alice.object_id}@{world.tenant.id}"
    (account,) = web.get_accounts()
    assert account["account_source"] == "authorization_code"
    assert account["home_account_id"] == world.alice.home_account_id
    silent = web.acquire_token_silent([GRAPH_READ], account)
    assert silent is not None and silent["token_source"] == "cache"
    refreshed = web.acquire_token_silent(["User.ReadBasic.All"], account)
    assert refreshed is not None and refreshed["token_source"] == "identity_provider"


def test_form_post_answers_with_a_self_submitting_form(world: World) -> None:
    web = world.web_app()
    flow = web.initiate_auth_code_flow(
        [GRAPH_READ], redirect_uri=REDIRECT_URI, response_mode="form_post"
    )
    world.emu.sign_in_as(world.alice)
    page = visit(world.emu, flow["auth_uri"])
    assert page.status_code == 200
    action, response = form_post(page.text)
    assert action == REDIRECT_URI
    assert set(response) == {"code", "client_info", "session_state", "state"}
    assert response["state"] == flow["state"]
    assert web.acquire_token_by_auth_code_flow(flow, response)["token_source"] == (
        "identity_provider"
    )


def test_state_mismatch_is_an_error_and_nothing_is_sent(world: World) -> None:
    web = world.web_app()
    flow, response = sign_in(world, web, [GRAPH_READ])
    world.emu.clear_log()
    result = web.acquire_token_by_auth_code_flow(flow, {**response, "state": "forged"})
    assert result["error"] == "state_mismatch"
    assert world.emu.token_requests() == []
    assert _cached(web) == 0


def test_error_in_the_auth_response_is_returned_without_extras(world: World) -> None:
    web = world.web_app()
    flow = web.initiate_auth_code_flow([GRAPH_READ], redirect_uri=REDIRECT_URI)
    response = redirect_parameters(visit(world.emu, flow["auth_uri"]))  # nobody signs in
    assert response["error"] == "login_required"
    result = web.acquire_token_by_auth_code_flow(flow, {**response, "access_token": "injected"})
    assert set(result) == {"error", "error_description"}
    assert result["error"] == "login_required"
    assert _cached(web) == 0


def test_response_without_code_or_error_is_refused(world: World) -> None:
    web = world.web_app()
    flow = web.initiate_auth_code_flow([GRAPH_READ], redirect_uri=REDIRECT_URI)
    result = web.acquire_token_by_auth_code_flow(flow, {"state": flow["state"]})
    assert result["error"] == "invalid_auth_response"


def test_replayed_response_is_refused_and_caches_nothing_more(world: World) -> None:
    web = world.web_app()
    flow, response = sign_in(world, web, [GRAPH_READ])
    assert "access_token" in web.acquire_token_by_auth_code_flow(flow, response)
    before = web.token_cache.serialize()
    replay = web.acquire_token_by_auth_code_flow(flow, response)
    assert (replay["error"], replay["error_codes"]) == ("invalid_grant", [54005])
    assert web.token_cache.serialize() == before


def test_tampered_code_is_refused(world: World) -> None:
    web = world.web_app()
    flow, response = sign_in(world, web, [GRAPH_READ])
    result = web.acquire_token_by_auth_code_flow(flow, {**response, "code": response["code"] + "x"})
    assert result["error"] == "invalid_grant"
    assert _cached(web) == 0


def test_tampered_verifier_fails_pkce(world: World) -> None:
    web = world.web_app()
    flow, response = sign_in(world, web, [GRAPH_READ])
    tampered = {**flow, "code_verifier": "A" * 43}
    result = web.acquire_token_by_auth_code_flow(tampered, response)
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [501481])
    assert _cached(web) == 0


def test_response_of_another_sign_in_fails_the_nonce_check(world: World) -> None:
    """A code of another sign-in, smuggled with this flow's state: its id token's nonce
    (and PKCE verifier) belong to the other sign-in."""
    web = world.web_app()
    flow, _ = sign_in(world, web, [GRAPH_READ])
    other_flow, other = sign_in(world, web, [GRAPH_READ])
    spliced = {**flow, "code_verifier": other_flow["code_verifier"]}
    result = web.acquire_token_by_auth_code_flow(spliced, {**other, "state": flow["state"]})
    assert result["error"] == "invalid_id_token"
    assert "nonce" in result["error_description"]
    assert _cached(web) == 0


def test_expired_code_is_refused(entra_emulator: Emulator) -> None:
    clock = real_time_clock()
    with Emulator(clock=clock) as emu:
        world = new_world(emu)
        web = world.web_app(clock)
        flow, response = sign_in(world, web, [GRAPH_READ])
        clock.advance(601)
        result = web.acquire_token_by_auth_code_flow(flow, response)
        assert (result["error"], result["error_codes"]) == ("invalid_grant", [70008])


def test_max_age_needs_a_recent_auth_time(entra_emulator: Emulator) -> None:
    clock = real_time_clock()
    with Emulator(clock=clock) as emu:
        world = new_world(emu)
        web = world.web_app(clock)
        flow, response = sign_in(world, web, [GRAPH_READ], max_age=0)
        ok = web.acquire_token_by_auth_code_flow(flow, response)
        assert ok["id_token_claims"]["auth_time"] == int(clock())
        flow, response = sign_in(world, web, [GRAPH_READ], max_age=0)
        clock.advance(200)  # the code is still valid; the sign-in is too old for max_age=0
        stale = web.acquire_token_by_auth_code_flow(flow, response)
        assert stale["error"] == "invalid_id_token" and "max_age" in stale["error_description"]


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(world: World) -> None:
    web = world.web_app()
    for uri in ("https://evil.test/callback", REDIRECT_URI + "/", REDIRECT_URI.upper()):
        flow = web.initiate_auth_code_flow(
            [GRAPH_READ], redirect_uri=uri, login_hint=world.alice.username
        )
        page = visit(world.emu, flow["auth_uri"])
        assert page.status_code == 400
        assert "location" not in page.headers
        assert "AADSTS50011" in page.text


def test_login_hint_signs_a_registered_user_in(world: World) -> None:
    web = world.web_app()
    flow = web.initiate_auth_code_flow(
        [GRAPH_READ], redirect_uri=REDIRECT_URI, login_hint=world.alice.username.upper()
    )
    response = redirect_parameters(visit(world.emu, flow["auth_uri"]))
    result = web.acquire_token_by_auth_code_flow(flow, response)
    assert result["id_token_claims"]["oid"] == world.alice.object_id


def test_misuse_raises(world: World) -> None:
    web = world.web_app()
    flow = web.initiate_auth_code_flow([GRAPH_READ], redirect_uri=REDIRECT_URI)
    with pytest.raises(ValueError, match="no state"):
        web.acquire_token_by_auth_code_flow({}, {"code": "x"})
    with pytest.raises(TypeError, match="auth_response"):
        web.acquire_token_by_auth_code_flow(flow, "code=x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="subset"):
        web.acquire_token_by_auth_code_flow(flow, {"state": flow["state"]}, scopes=["Mail.Read"])
    with pytest.raises(ValueError, match="added for you"):
        web.initiate_auth_code_flow(["openid"])
    with pytest.raises(ValueError, match="response_mode"):
        web.initiate_auth_code_flow([GRAPH_READ], response_mode="web_message")
    with pytest.raises(ValueError, match="max_age"):
        web.initiate_auth_code_flow([GRAPH_READ], max_age=-1)


def test_unknown_tenant_makes_initiate_raise(world: World) -> None:
    web = world.application(world.web, authority="https://login.microsoftonline.com/no.such")
    with pytest.raises(ValueError, match="invalid_tenant"):
        web.initiate_auth_code_flow([GRAPH_READ], redirect_uri=REDIRECT_URI)


def test_state_and_nonce_managed_by_the_caller(world: World) -> None:
    web = world.web_app()
    with pytest.warns(DeprecationWarning, match="initiate_auth_code_flow"):
        url = web.get_authorization_request_url(
            [GRAPH_READ], state="my-state", redirect_uri=REDIRECT_URI, nonce="my-nonce"
        )
    world.emu.sign_in_as(world.alice)
    response = redirect_parameters(visit(world.emu, url))
    assert response["state"] == "my-state"
    with pytest.warns(DeprecationWarning, match="acquire_token_by_auth_code_flow"):
        result = web.acquire_token_by_authorization_code(
            response["code"], [GRAPH_READ], redirect_uri=REDIRECT_URI, nonce="my-nonce"
        )
    assert result["id_token_claims"]["nonce"] == "my-nonce"
    assert web.get_accounts() != []


def test_authorization_code_with_a_wrong_nonce_is_not_cached(world: World) -> None:
    web = world.web_app()
    with pytest.warns(DeprecationWarning, match="initiate_auth_code_flow"):
        url = web.get_authorization_request_url([GRAPH_READ], redirect_uri=REDIRECT_URI, nonce="n1")
    world.emu.sign_in_as(world.alice)
    code = redirect_parameters(visit(world.emu, url))["code"]
    with pytest.warns(DeprecationWarning, match="acquire_token_by_auth_code_flow"):
        result = web.acquire_token_by_authorization_code(
            code, [GRAPH_READ], redirect_uri=REDIRECT_URI, nonce="n2"
        )
    assert result["error"] == "invalid_id_token"
    assert _cached(web) == 0


def test_redirect_uri_must_match_the_authorize_request(world: World) -> None:
    web = world.web_app()
    second = REDIRECT_URI + "2"
    world.emu.add_redirect_uri(world.web, second)
    flow, response = sign_in(world, web, [GRAPH_READ])
    result = web.acquire_token_by_auth_code_flow({**flow, "redirect_uri": second}, response)
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [500112])


def test_code_of_another_app_is_refused(world: World) -> None:
    web = world.web_app()
    flow, response = sign_in(world, web, [GRAPH_READ])
    other = world.emu.add_app(world.tenant, redirect_uris=[REDIRECT_URI])
    intruder = world.application(other)
    result: dict[str, Any] = intruder.acquire_token_by_auth_code_flow(flow, response)
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [70000])


def test_mfa_step_up_round_trip(world: World) -> None:
    """The middle tier's OBO asks for MFA; the web app signs the user in again with the
    challenge; the new token satisfies the policy."""
    world.emu.require_mfa(world.downstream)
    web, middle = world.web_app(), world.middle_tier()
    flow, response = sign_in(world, web, [world.middle_scope])
    token = web.acquire_token_by_auth_code_flow(flow, response)["access_token"]
    refused = middle.acquire_token_on_behalf_of(token, ["api://downstream-orders/Orders.Read"])
    assert refused["error"] == "interaction_required"
    flow, response = sign_in(world, web, [world.middle_scope], claims_challenge=refused["claims"])
    stepped_up = web.acquire_token_by_auth_code_flow(flow, response)["access_token"]
    granted = middle.acquire_token_on_behalf_of(stepped_up, ["api://downstream-orders/Orders.Read"])
    assert granted["token_source"] == "identity_provider", granted
