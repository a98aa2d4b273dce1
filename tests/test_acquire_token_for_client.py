"""acquire_token_for_client and remove_tokens_for_client, complete, over HTTPS.

Time cannot be moved for the application (it reads the real clock, as MSAL's does), so an
"aging" or "expiring" token is made by rewriting the timestamps of a persisted cache: exactly
what an application sees when it loads a cache written earlier.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache, TokenCache
from entraclient.emulator import Emulator
from tests.clocked import ClockedApp, real_time_clock
from tests.emulator.support import Daemon
from tests.flows.scripted import FakeClock

CP1_ONLY = '{"access_token": {"xms_cc": {"values": ["CP1"]}}}'


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


def make_app(emu: Emulator, daemon: Daemon, **overrides: Any) -> ConfidentialClientApplication:
    arguments: dict[str, Any] = {
        "client_credential": daemon.app.secret,
        "authority": f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        "http_client": emu.http_client(),
    }
    arguments.update(overrides)
    client_id = arguments.pop("client_id", daemon.app.client_id)
    return ConfidentialClientApplication(client_id, **arguments)


def clocked_app(emu: Emulator, daemon: Daemon, clock: FakeClock, **overrides: Any) -> ClockedApp:
    arguments: dict[str, Any] = {
        "client_credential": daemon.app.secret,
        "authority": f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        "http_client": emu.http_client(),
    }
    arguments.update(overrides)
    return ClockedApp(daemon.app.client_id, clock=clock, **arguments)


def token_claims(result: dict[str, Any]) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(result["access_token"], options={"verify_signature": False})
    return claims


# -- claims ----------------------------------------------------------------------------------


def test_capabilities_alone_are_sent_and_do_not_bypass_the_cache(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    app = make_app(entra_emulator, daemon, client_capabilities=["CP1"])
    first = app.acquire_token_for_client([daemon.api.default_scope])
    assert token_claims(first)["xms_cc"] == ["CP1"]
    assert app.acquire_token_for_client([daemon.api.default_scope])["token_source"] == "cache"
    (request,) = entra_emulator.token_requests()
    assert request.form_value("claims") == CP1_ONLY


def test_claims_challenge_merges_with_capabilities_and_bypasses_the_cache(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    app = make_app(entra_emulator, daemon, client_capabilities=["CP1"])
    first = app.acquire_token_for_client([daemon.api.default_scope])
    challenge = '{"id_token":{"acrs":{"essential":true,"value":"c1"}}}'
    second = app.acquire_token_for_client([daemon.api.default_scope], claims_challenge=challenge)
    assert second["token_source"] == "identity_provider"
    assert second["access_token"] != first["access_token"]
    sent = entra_emulator.token_requests()[1].form_value("claims")
    assert sent == (
        '{"id_token": {"acrs": {"essential": true, "value": "c1"}}, '
        '"access_token": {"xms_cc": {"values": ["CP1"]}}}'
    )
    third = app.acquire_token_for_client([daemon.api.default_scope])
    assert third == {**third, "token_source": "cache", "access_token": second["access_token"]}


def test_claims_challenge_without_capabilities_is_sent_byte_for_byte(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    challenge = '{"access_token":{"nbf":{"essential":true, "value":"1700000000"}}}'
    make_app(entra_emulator, daemon).acquire_token_for_client(
        [daemon.api.default_scope], claims_challenge=challenge
    )
    assert entra_emulator.token_requests()[0].form_value("claims") == challenge


def test_forwarded_client_claims_are_deep_merged_and_key_the_cache(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    app = make_app(entra_emulator, daemon, client_capabilities=["CP1"])
    scope = [daemon.api.default_scope]
    forwarded = '{"access_token": {"xms_az_nwperimid": {"values": ["p1"]}}, "extra": 1}'
    first = app.acquire_token_for_client(scope, forwarded_client_claims=forwarded)
    (request,) = entra_emulator.token_requests()
    assert json.loads(request.form_value("claims") or "") == {
        "access_token": {"xms_cc": {"values": ["CP1"]}, "xms_az_nwperimid": {"values": ["p1"]}},
        "extra": 1,
    }
    assert request.form_value("client_claims") is None
    again = app.acquire_token_for_client(scope, forwarded_client_claims=forwarded)
    assert again["token_source"] == "cache"
    assert again["access_token"] == first["access_token"]
    plain = app.acquire_token_for_client(scope)
    assert plain["token_source"] == "identity_provider"
    other = app.acquire_token_for_client(scope, forwarded_client_claims='{"extra": 2}')
    assert other["token_source"] == "identity_provider"
    assert len({first["access_token"], plain["access_token"], other["access_token"]}) == 3


def test_forwarded_client_claims_alone_are_sent_verbatim(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    forwarded = '{"access_token":{"xms_az_claim":{"values":["x"]}}}'
    make_app(entra_emulator, daemon).acquire_token_for_client(
        [daemon.api.default_scope], forwarded_client_claims=forwarded
    )
    assert entra_emulator.token_requests()[0].form_value("claims") == forwarded


@pytest.mark.parametrize("argument", ["claims_challenge", "forwarded_client_claims"])
@pytest.mark.parametrize("bad", ["{", "[1]", "null"])
def test_claims_arguments_must_be_json_objects(
    entra_emulator: Emulator, daemon: Daemon, argument: str, bad: str
) -> None:
    app = make_app(entra_emulator, daemon)
    with pytest.raises(ValueError, match=argument):
        app.acquire_token_for_client([daemon.api.default_scope], **{argument: bad})
    assert entra_emulator.token_requests() == []


# -- proactive refresh -----------------------------------------------------------------------


def _rewrite_access_tokens(cache: SerializableTokenCache, **fields: int) -> None:
    state = json.loads(cache.serialize())
    for entry in state["AccessToken"].values():
        entry.update({name: str(value) for name, value in fields.items()})
    cache.deserialize(json.dumps(state))


def test_refresh_on_is_reported_and_an_aging_token_is_refreshed(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    entra_emulator.set_refresh_in(daemon.app, 1800)
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, token_cache=cache)
    scope = [daemon.api.default_scope]
    before = int(time.time())
    first = app.acquire_token_for_client(scope)
    assert before + 1800 <= first["refresh_on"] <= int(time.time()) + 1800
    assert "refresh_in" not in first
    hit = app.acquire_token_for_client(scope)
    assert hit["token_source"] == "cache" and hit["refresh_on"] == first["refresh_on"]
    _rewrite_access_tokens(cache, refresh_on=int(time.time()) - 1)
    refreshed = app.acquire_token_for_client(scope)
    assert refreshed["token_source"] == "identity_provider"
    assert refreshed["access_token"] != first["access_token"]
    (entry,) = cache.entries("AccessToken")
    assert entry["secret"] == refreshed["access_token"]
    assert len(entra_emulator.token_requests()) == 2


@pytest.mark.parametrize("status", [503, 500, 429])
def test_an_aging_token_is_kept_when_the_refresh_fails(
    entra_emulator: Emulator, daemon: Daemon, status: int
) -> None:
    entra_emulator.set_refresh_in(daemon.app, 1800)
    cache = SerializableTokenCache()
    clock = real_time_clock()
    app = clocked_app(entra_emulator, daemon, clock, token_cache=cache)
    scope = [daemon.api.default_scope]
    first = app.acquire_token_for_client(scope)
    _rewrite_access_tokens(cache, refresh_on=int(time.time()) - 1)
    entra_emulator.fail_next_token_requests(1, status=status)
    fallback = app.acquire_token_for_client(scope)
    assert fallback["token_source"] == "cache"
    assert fallback["access_token"] == first["access_token"]
    assert [r.status for r in entra_emulator.token_requests()] == [200, status]
    # The failed refresh is throttled for a few seconds: still the cached token, no request.
    assert app.acquire_token_for_client(scope)["token_source"] == "cache"
    assert len(entra_emulator.token_requests()) == 2
    clock.advance(6)
    recovered = app.acquire_token_for_client(scope)
    assert recovered["token_source"] == "identity_provider"


def test_a_token_near_expiry_is_never_returned_even_when_the_idp_fails(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    cache = SerializableTokenCache()
    clock = real_time_clock()
    app = clocked_app(entra_emulator, daemon, clock, token_cache=cache)
    scope = [daemon.api.default_scope]
    app.acquire_token_for_client(scope)
    _rewrite_access_tokens(cache, expires_on=int(time.time()) + 120)
    entra_emulator.fail_next_token_requests(1)
    result = app.acquire_token_for_client(scope)
    assert result["error"] == "temporarily_unavailable"
    assert "access_token" not in result
    clock.advance(6)
    _rewrite_access_tokens(cache, expires_on=int(time.time()) - 10)
    entra_emulator.fail_next_token_requests(1)
    assert "access_token" not in app.acquire_token_for_client(scope)
    clock.advance(6)
    assert app.acquire_token_for_client(scope)["token_source"] == "identity_provider"


# -- fmi_path --------------------------------------------------------------------------------


def test_fmi_path_is_sent_and_isolates_the_cache(entra_emulator: Emulator, daemon: Daemon) -> None:
    app = make_app(entra_emulator, daemon)
    scope = [daemon.api.default_scope]
    a = app.acquire_token_for_client(scope, fmi_path="Agents/A")
    b = app.acquire_token_for_client(scope, fmi_path="Agents/B")
    plain = app.acquire_token_for_client(scope)
    assert len({a["access_token"], b["access_token"], plain["access_token"]}) == 3
    assert [r.form_value("fmi_path") for r in entra_emulator.token_requests()] == [
        "Agents/A", "Agents/B", None,
    ]  # fmt: skip
    assert (
        app.acquire_token_for_client(scope, fmi_path="Agents/A")["access_token"]
        == a["access_token"]
    )
    assert app.acquire_token_for_client(scope)["access_token"] == plain["access_token"]
    keys = sorted(e.get("ext_cache_key") or "" for e in app.token_cache.entries("AccessToken"))
    assert keys[0] == "" and len(set(keys)) == 3
    assert len(entra_emulator.token_requests()) == 3


# -- remove_tokens_for_client ----------------------------------------------------------------


def test_remove_tokens_for_client_leaves_everything_else(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    cache = SerializableTokenCache()
    scope = [daemon.api.default_scope]
    mine = make_app(entra_emulator, daemon, token_cache=cache)
    mine.acquire_token_for_client(scope)
    mine.acquire_token_for_client(scope, fmi_path="Agents/A")
    second_api = entra_emulator.add_api(daemon.tenant, roles=["R"])
    entra_emulator.grant_app_roles(daemon.app, second_api, ["R"])
    mine.acquire_token_for_client([second_api.default_scope])
    other_app = entra_emulator.add_app(daemon.tenant)
    entra_emulator.grant_app_roles(other_app, daemon.api, ["Things.Read"])
    theirs = make_app(
        entra_emulator, daemon, token_cache=cache, client_id=other_app.client_id,
        client_credential=other_app.secret,
    )  # fmt: skip
    theirs.acquire_token_for_client(scope)
    sovereign = make_app(
        entra_emulator, daemon, token_cache=cache,
        authority=f"https://login.microsoftonline.us/{daemon.tenant.id}",
    )  # fmt: skip
    assert "access_token" in sovereign.acquire_token_for_client(scope)
    _add_user_token(cache, client_id=daemon.app.client_id)
    before = {e["secret"] for e in cache.entries("AccessToken")}
    assert len(before) == 6

    mine.remove_tokens_for_client()

    after = cache.entries("AccessToken")
    assert len(after) == 4
    survivors = {(e["client_id"], e["environment"], e.get("home_account_id"),
                  bool(e.get("ext_cache_key"))) for e in after}  # fmt: skip
    assert survivors == {
        (daemon.app.client_id, "login.microsoftonline.com", None, True),
        (other_app.client_id, "login.microsoftonline.com", None, False),
        (daemon.app.client_id, "login.microsoftonline.us", None, False),
        (daemon.app.client_id, "login.microsoftonline.com", "uid.utid", False),
    }
    assert theirs.acquire_token_for_client(scope)["token_source"] == "cache"
    assert mine.acquire_token_for_client(scope)["token_source"] == "identity_provider"


def _add_user_token(cache: SerializableTokenCache, *, client_id: str) -> None:
    state = json.loads(cache.serialize())
    now = int(time.time())
    key = f"uid.utid-login.microsoftonline.com-accesstoken-{client_id}-utid-user.read"
    state["AccessToken"][key] = {
        "credential_type": "AccessToken", "secret": "user-token", "home_account_id": "uid.utid",
        "environment": "login.microsoftonline.com", "client_id": client_id, "realm": "utid",
        "target": "User.Read", "token_type": "Bearer", "cached_at": str(now),
        "expires_on": str(now + 3600), "extended_expires_on": str(now + 3600),
    }  # fmt: skip
    cache.deserialize(json.dumps(state))


def test_remove_tokens_for_client_on_an_empty_cache(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    app = make_app(entra_emulator, daemon, token_cache=TokenCache())
    app.remove_tokens_for_client()
    assert entra_emulator.token_requests() == []
    assert {r.path for r in entra_emulator.requests} <= {"/common/discovery/instance"}


def test_remove_tokens_for_client_covers_the_aliases_of_the_host(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    cache = TokenCache()
    scope = [daemon.api.default_scope]
    on_alias = make_app(
        entra_emulator, daemon, token_cache=cache,
        authority=f"https://login.windows.net/{daemon.tenant.id}",
    )  # fmt: skip
    assert "access_token" in on_alias.acquire_token_for_client(scope)
    elsewhere = make_app(
        entra_emulator, daemon, token_cache=cache,
        authority=f"https://login.microsoftonline.us/{daemon.tenant.id}",
    )  # fmt: skip
    assert "access_token" in elsewhere.acquire_token_for_client(scope)

    make_app(entra_emulator, daemon, token_cache=cache).remove_tokens_for_client()

    assert {e["environment"] for e in cache.entries("AccessToken")} == {"login.microsoftonline.us"}


def test_remove_tokens_for_client_without_alias_metadata_still_clears_its_host(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    class NoInstanceMetadata:
        """Routes to the emulator, but the alias metadata endpoint is unreachable."""

        def __init__(self) -> None:
            self.session = entra_emulator.http_client()

        def get(self, url: str, **kwargs: Any) -> Any:
            if url.endswith("/common/discovery/instance"):
                raise ConnectionError("metadata endpoint down")
            return self.session.get(url, **kwargs)

        def post(self, url: str, **kwargs: Any) -> Any:
            return self.session.post(url, **kwargs)

    cache = TokenCache()
    app = make_app(entra_emulator, daemon, token_cache=cache, http_client=NoInstanceMetadata())
    app.acquire_token_for_client([daemon.api.default_scope])
    assert len(cache.entries("AccessToken")) == 1
    app.remove_tokens_for_client()
    assert cache.entries("AccessToken") == []


# -- argument checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scopes", "error", "message"),
    [
        ("api://x/.default", ValueError, "not a single string"),
        ([], ValueError, "at least one scope"),
        (["api://x/.default", "openid"], ValueError, "cannot ask for \\['openid'\\]"),
        (["offline_access"], ValueError, "offline_access"),
        (None, TypeError, "list of strings"),
        ([42], TypeError, "each scope must be a string"),
        (["two words"], ValueError, "whitespace"),
    ],
)
def test_scope_validation(
    entra_emulator: Emulator, daemon: Daemon, scopes: Any, error: type[Exception], message: str
) -> None:
    app = make_app(entra_emulator, daemon)
    with pytest.raises(error, match=message):
        app.acquire_token_for_client(scopes)
    assert entra_emulator.requests == []


def test_exclude_scopes_do_not_touch_app_tokens(entra_emulator: Emulator, daemon: Daemon) -> None:
    app = make_app(entra_emulator, daemon, exclude_scopes=["offline_access"])
    assert "access_token" in app.acquire_token_for_client([daemon.api.default_scope])
    assert entra_emulator.token_requests()[0].form_value("scope") == daemon.api.default_scope


@pytest.mark.parametrize(
    ("exclude", "message"),
    [("offline_access", "must be a list"), (["openid"], "cannot exclude 'openid'")],
)
def test_exclude_scopes_validation(daemon: Daemon, exclude: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConfidentialClientApplication("c", client_credential="s", exclude_scopes=exclude)


@pytest.mark.parametrize("tenant", ["common", "organizations"])
def test_tenantless_authorities_warn(entra_emulator: Emulator, daemon: Daemon, tenant: str) -> None:
    app = make_app(entra_emulator, daemon, authority=f"https://login.microsoftonline.com/{tenant}")
    with pytest.warns(DeprecationWarning, match="specific tenant"):
        result = app.acquire_token_for_client([daemon.api.default_scope])
    assert result["error_codes"] == [50059]


def test_force_refresh_and_unknown_arguments_are_refused(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    app = make_app(entra_emulator, daemon)
    with pytest.raises(ValueError, match="force_refresh"):
        app.acquire_token_for_client([daemon.api.default_scope], force_refresh=True)
    with pytest.raises(TypeError, match="unexpected"):
        app.acquire_token_for_client([daemon.api.default_scope], colour="red")
    with pytest.raises(ValueError, match="fmi_path"):  # as MSAL Python
        app.acquire_token_for_client([daemon.api.default_scope], fmi_path=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="forwarded_client_claims"):
        app.acquire_token_for_client(
            [daemon.api.default_scope],
            forwarded_client_claims={"a": 1},  # type: ignore[arg-type]
        )
