"""acquire_token_on_behalf_of against the emulator: cache first, the assertion's refresh
token next, the assertion last; and every refusal of a bad assertion."""

from __future__ import annotations

import base64
import inspect
import json

import msal
import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.cache.records import user_assertion_hash
from entraclient.emulator import Emulator
from tests.clocked import real_time_clock
from tests.user_flows import DOWNSTREAM_SCOPE, World, new_world

OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


def _grants(world: World) -> list[str | None]:
    return [r.form_value("grant_type") for r in world.emu.token_requests()]


def test_signature_is_msals() -> None:
    for name in ("acquire_token_on_behalf_of",
                 "acquire_token_by_user_federated_identity_credential"):  # fmt: skip
        ours = inspect.signature(getattr(ConfidentialClientApplication, name))
        theirs = inspect.signature(getattr(msal.ConfidentialClientApplication, name))
        shape = [(p.name, p.kind, p.default) for p in ours.parameters.values()]
        assert shape == [(p.name, p.kind, p.default) for p in theirs.parameters.values()], name


def test_first_call_asks_the_service_second_is_a_cache_hit(world: World) -> None:
    middle = world.middle_tier()
    assertion = world.user_assertion()
    world.emu.clear_log()
    first = middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    assert first["token_source"] == "identity_provider", first
    assert first["id_token_claims"]["oid"] == world.alice.object_id
    second = middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    assert _grants(world) == [OBO_GRANT]  # the second call never reached the token endpoint
    (sent,) = world.emu.token_requests()
    assert sent.form_value("requested_token_use") == "on_behalf_of"
    assert sent.form_value("assertion") == assertion
    assert sent.form_value("scope") == f"{DOWNSTREAM_SCOPE} offline_access openid profile"


def test_another_users_assertion_is_not_served_from_the_cache(world: World) -> None:
    middle = world.middle_tier()
    bob = world.emu.add_user(world.tenant, f"bob@{world.tenant.domain}")
    alices = middle.acquire_token_on_behalf_of(world.user_assertion(), [DOWNSTREAM_SCOPE])
    bobs = middle.acquire_token_on_behalf_of(world.user_assertion(bob), [DOWNSTREAM_SCOPE])
    assert bobs["token_source"] == "identity_provider"
    assert bobs["id_token_claims"]["oid"] == bob.object_id
    assert bobs["access_token"] != alices["access_token"]
    assert len(_grants(world)) == 2


def test_cache_entries_carry_the_assertion_hash(world: World) -> None:
    middle = world.middle_tier()
    assertion = world.user_assertion()
    middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    expected = user_assertion_hash(assertion)
    (at,) = middle.token_cache.search("AccessToken")
    (rt,) = middle.token_cache.search("RefreshToken")
    assert at["user_assertion_hash"] == rt["user_assertion_hash"] == expected
    assert at["home_account_id"] == world.alice.home_account_id
    assert at["target"] == f"{DOWNSTREAM_SCOPE} openid profile"
    assert len(list(middle.token_cache.search("IdToken"))) == 1
    (account,) = middle.get_accounts()
    assert account["username"] == world.alice.username
    assert "account_source" not in next(iter(middle.token_cache.search("Account")))


def test_expired_access_token_is_renewed_with_the_assertions_refresh_token(
    entra_emulator: Emulator,
) -> None:
    clock = real_time_clock()
    with Emulator(clock=clock) as emu:
        world = new_world(emu)
        middle = world.middle_tier(clock)
        assertion = world.user_assertion()
        first = middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
        clock.advance(4500 + 60)  # the downstream token and the incoming assertion expired
        emu.clear_log()
        renewed = middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
        assert renewed["token_source"] == "identity_provider", renewed
        assert renewed["access_token"] != first["access_token"]
        assert _grants(world) == ["refresh_token"]  # not the (expired) assertion
        (sent,) = emu.token_requests()
        assert sent.form_value("refresh_token") == first["refresh_token"]
        (rt,) = middle.token_cache.search("RefreshToken")  # rotated in place, still bound
        assert rt["secret"] == renewed["refresh_token"]
        assert rt["user_assertion_hash"] == user_assertion_hash(assertion)
        emu.clear_log()
        again = middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
        assert again["token_source"] == "cache"
        assert emu.token_requests() == []


def test_refused_refresh_token_falls_back_to_the_assertion(entra_emulator: Emulator) -> None:
    clock = real_time_clock()
    with Emulator(clock=clock) as emu:
        world = new_world(emu)
        middle = world.middle_tier(clock)
        assertion = world.user_assertion()
        middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
        clock.advance(4500 - 200)  # the downstream token is within 300 s of expiry
        emu.revoke_refresh_tokens(world.alice)
        emu.clear_log()
        renewed = middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
        assert renewed["token_source"] == "identity_provider", renewed
        assert _grants(world) == ["refresh_token", OBO_GRANT]
        assert [r.status for r in emu.token_requests()] == [400, 200]


def test_claims_challenge_bypasses_the_cache(world: World) -> None:
    middle = world.middle_tier(client_capabilities=["CP1"])
    assertion = world.user_assertion()
    middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    challenge = '{"access_token": {"nbf": {"essential": true, "value": "1"}}}'
    world.emu.clear_log()
    fresh = middle.acquire_token_on_behalf_of(
        assertion, [DOWNSTREAM_SCOPE], claims_challenge=challenge
    )
    assert fresh["token_source"] == "identity_provider"
    (sent,) = world.emu.token_requests()
    assert sent.form_value("grant_type") == OBO_GRANT
    assert json.loads(sent.form_value("claims") or "") == {
        "access_token": {"nbf": {"essential": True, "value": "1"}, "xms_cc": {"values": ["CP1"]}}
    }


@pytest.mark.parametrize(
    ("assertion", "error", "message"),
    [
        ("", ValueError, "empty"),
        ("   ", ValueError, "empty"),
        (None, TypeError, "not NoneType"),
        (b"a.b.c", TypeError, "not bytes"),
        ("Bearer eyJhbGciOi.eyJzdWIi.c2ln", ValueError, "not a JWT"),
        ("opaque-reference-token", ValueError, "not a JWT"),
        ("a.b.c.d", ValueError, "not a JWT"),
    ],
)
def test_malformed_assertions_are_refused_before_any_request(
    world: World, assertion: object, error: type[Exception], message: str
) -> None:
    middle = world.middle_tier()
    world.emu.clear_log()
    with pytest.raises(error, match=message) as raised:
        middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])  # type: ignore[arg-type]
    assert world.emu.requests == []
    assert "opaque-reference-token" not in str(raised.value)


def test_misuse_is_refused(world: World) -> None:
    middle = world.middle_tier()
    assertion = world.user_assertion()
    with pytest.raises(ValueError, match="added for you"):
        middle.acquire_token_on_behalf_of(assertion, ["openid"])
    with pytest.raises(ValueError, match="single string"):
        middle.acquire_token_on_behalf_of(assertion, DOWNSTREAM_SCOPE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="claims_challenge"):
        middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE], claims_challenge="{")
    with pytest.raises(TypeError, match="unexpected"):
        middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE], data={"a": "b"})


def _error_of(result: dict[str, object]) -> tuple[object, object]:
    return result.get("error"), result.get("error_codes")


def test_assertion_for_another_audience_is_invalid_grant(world: World) -> None:
    # A token of the user for the web app itself, not for the middle tier's API.
    graph_token = world.emu.issue_user_tokens(world.web, world.alice, ["User.Read"])
    result = world.middle_tier().acquire_token_on_behalf_of(
        str(graph_token["access_token"]), [DOWNSTREAM_SCOPE]
    )
    assert _error_of(result) == ("invalid_grant", [50013])
    assert "audience" in str(result["error_description"])


def test_id_token_as_assertion_is_refused(world: World) -> None:
    body = world.emu.issue_user_tokens(world.middle, world.alice, ["openid", "profile"])
    result = world.middle_tier().acquire_token_on_behalf_of(
        str(body["id_token"]), [DOWNSTREAM_SCOPE]
    )
    assert _error_of(result) == ("invalid_grant", [240002])


def test_app_only_token_as_assertion_is_refused(world: World) -> None:
    daemon = world.application(world.web)
    app_token = daemon.acquire_token_for_client([world.middle_api.default_scope])
    result = world.middle_tier().acquire_token_on_behalf_of(
        app_token["access_token"], [DOWNSTREAM_SCOPE]
    )
    assert _error_of(result) == ("invalid_grant", [50013])


def test_forged_assertion_is_refused_and_nothing_cached(world: World) -> None:
    header, payload, _ = world.user_assertion().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["oid"] = "00000000-0000-0000-0000-000000000666"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    middle = world.middle_tier()
    result = middle.acquire_token_on_behalf_of(
        f"{header}.{forged_payload}.c2lnbmF0dXJl", [DOWNSTREAM_SCOPE]
    )
    assert _error_of(result) == ("invalid_grant", [50013])
    assert len(middle.token_cache) == 0


def test_expired_assertion_without_a_refresh_token_is_invalid_grant(
    entra_emulator: Emulator,
) -> None:
    clock = real_time_clock()
    with Emulator(clock=clock) as emu:
        world = new_world(emu)
        assertion = world.user_assertion()
        clock.advance(4500 + 1)
        result = world.middle_tier(clock).acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
        assert _error_of(result) == ("invalid_grant", [500133])


def test_mfa_policy_answers_interaction_required_with_claims(world: World) -> None:
    policy = world.emu.require_mfa(world.downstream)
    result = world.middle_tier().acquire_token_on_behalf_of(
        world.user_assertion(), [DOWNSTREAM_SCOPE]
    )
    assert _error_of(result) == ("interaction_required", [50076])
    challenge = json.loads(str(result["claims"]))
    assert challenge == {"access_token": {"capolids": {"essential": True, "values": [policy]}}}


def test_cache_with_obo_entries_round_trips_through_msal(world: World) -> None:
    middle = world.middle_tier()
    assertion = world.user_assertion()
    middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    cache = middle.token_cache
    assert isinstance(cache, SerializableTokenCache)
    theirs = msal.SerializableTokenCache()
    theirs.deserialize(cache.serialize())
    msal_app = msal.ConfidentialClientApplication(
        world.middle.client_id,
        client_credential=world.middle.secret,
        authority=world.authority,
        http_client=world.emu.http_client(),
        token_cache=theirs,
    )
    (account,) = msal_app.get_accounts()
    hit = msal_app.acquire_token_silent([DOWNSTREAM_SCOPE], account)
    assert hit is not None and hit["token_source"] == "cache"
    back = SerializableTokenCache()
    back.deserialize(theirs.serialize())
    again = world.middle_tier(token_cache=back)
    world.emu.clear_log()
    result = again.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    assert result["token_source"] == "cache"  # user_assertion_hash survived MSAL
    assert world.emu.token_requests() == []
