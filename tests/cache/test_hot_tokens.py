"""cache/hot_tokens.py through the public API: a repeated app-token hit is answered from the
cache's compact record (``TokenCache.hot_tokens``), and that answer is always the one the full
look-up would give.

Every test compares against what must hold without records: the answer of a fresh cache
loaded from the same state (which has no record yet, so its first hit takes the full look-up),
or the request the identity provider must see. A record must never outlive its entry
(removal, ``deserialize``, a new token under the key), never answer for a token due for
refresh or near expiry, never answer another app, never let a refused scope through, and
never wait for the cache's lock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.cache.hot_tokens import HotToken
from entraclient.cache.schema import access_token_key
from entraclient.emulator import Emulator
from tests.clocked import ClockedApp, real_time_clock
from tests.emulator.support import Daemon
from tests.flows.scripted import FakeClock

ENV = "login.microsoftonline.com"
MARGIN = 300  # EXPIRY_MARGIN_SECONDS: a token closer than this to its expiry is not handed out
THREAD_GUARD = 30.0  # seconds; only there so a hit that waits for the lock fails, not hangs


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


@pytest.fixture
def clock() -> FakeClock:
    return real_time_clock()


def make_app(
    emu: Emulator, daemon: Daemon, cache: SerializableTokenCache, clock: FakeClock, **overrides: Any
) -> ClockedApp:
    """A daemon app of the emulator reading ``clock``, with ``cache`` as its token cache."""
    arguments: dict[str, Any] = {
        "client_credential": daemon.app.secret,
        "authority": f"https://{ENV}/{daemon.tenant.domain}",
        "http_client": emu.http_client(),
        "token_cache": cache,
    }
    arguments.update(overrides)
    client_id = arguments.pop("client_id", daemon.app.client_id)
    return ClockedApp(client_id, clock=clock, **arguments)


def hit_twice(
    emu: Emulator, daemon: Daemon, clock: FakeClock
) -> tuple[SerializableTokenCache, ClockedApp, list[str], dict[str, Any]]:
    """A new cache and app, its API's token acquired (the first answer) and then hit once,
    which leaves the record."""
    cache = SerializableTokenCache()
    app = make_app(emu, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    first = app.acquire_token_for_client(scope)
    app.acquire_token_for_client(scope)
    return cache, app, scope, first


def loaded(state: str) -> SerializableTokenCache:
    cache = SerializableTokenCache()
    cache.deserialize(state)
    return cache


def only_record(cache: SerializableTokenCache) -> tuple[str, HotToken]:
    (key,) = cache.hot_tokens
    return key, cache.hot_tokens[key]


def edit_access_tokens(
    cache: SerializableTokenCache, edit: Callable[[dict[str, Any]], None]
) -> None:
    """Rewrite every access token of ``cache`` with ``edit`` (through its serialized state)."""
    state = json.loads(cache.serialize())
    for entry in state["AccessToken"].values():
        edit(entry)
    cache.deserialize(json.dumps(state))


def plant(cache: SerializableTokenCache, target: str, secret: str) -> str:
    """Store a copy of the cache's one app token for ``target`` (as another SDK could have
    written it); returns its key."""
    state = json.loads(cache.serialize())
    model = next(iter(state["AccessToken"].values()))
    key = access_token_key(
        home_account_id=None, environment=model["environment"], client_id=model["client_id"],
        realm=model["realm"], target=target,
    )  # fmt: skip
    state["AccessToken"][key] = {**model, "target": target, "secret": secret}
    cache.deserialize(json.dumps(state))
    return key


def run_in_thread(work: Callable[[], Any]) -> Any:
    """``work()`` in another thread; fails (instead of hanging) if it does not return soon."""
    box: list[Any] = []
    thread = threading.Thread(target=lambda: box.append(work()), daemon=True)
    thread.start()
    thread.join(THREAD_GUARD)
    assert not thread.is_alive(), "the call waited for the cache's lock"
    return box[0]


# -- the record and its answer ---------------------------------------------------------------


def test_a_repeated_hit_is_answered_from_one_record_of_the_entry(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    first = app.acquire_token_for_client(scope)
    assert first["token_source"] == "identity_provider"
    assert cache.hot_tokens == {}  # a miss makes no record
    second = app.acquire_token_for_client(scope)
    key, record = only_record(cache)
    assert key in json.loads(cache.serialize())["AccessToken"]
    assert record.secret == first["access_token"]
    assert record.owner == (None, ENV, daemon.app.client_id, daemon.tenant.id)
    (entry,) = cache.entries("AccessToken")
    assert record.expires_on == int(entry["expires_on"])
    for answer in (
        second,
        app.acquire_token_for_client(scope),
        app.acquire_token_for_client(scope),
    ):
        assert answer["token_source"] == "cache"
        assert answer["access_token"] == first["access_token"]
    assert only_record(cache) == (key, record)
    assert len(entra_emulator.token_requests()) == 1


@pytest.mark.parametrize("refresh_in", [None, 1800])
def test_a_hot_hit_answers_exactly_as_the_full_look_up(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock, refresh_in: int | None
) -> None:
    entra_emulator.set_refresh_in(daemon.app, refresh_in)
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    start = clock.now
    first = app.acquire_token_for_client(scope)
    app.acquire_token_for_client(scope)  # the full check, which leaves the record
    assert len(cache.hot_tokens) == 1
    for elapsed in (0.0, 7.25, 600.5):
        clock.advance(elapsed)
        hot = app.acquire_token_for_client(scope)
        reference_cache = loaded(cache.serialize())
        assert reference_cache.hot_tokens == {}
        full = make_app(entra_emulator, daemon, reference_cache, clock).acquire_token_for_client(
            scope
        )
        assert hot == full
        assert hot["token_source"] == "cache"
        assert hot["access_token"] == first["access_token"]
        assert hot["token_type"] == first["token_type"]
        (entry,) = cache.entries("AccessToken")
        assert hot["expires_in"] == int(int(entry["expires_on"]) - clock.now)
        assert 0 <= first["expires_in"] - (clock.now - start) - hot["expires_in"] < 2
        assert ("refresh_on" in hot) == (refresh_in is not None)
        if refresh_in is not None:
            assert hot["refresh_on"] == first["refresh_on"]
    assert len(entra_emulator.token_requests()) == 1


_DROP = object()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="as-written"),
        pytest.param({"token_type": _DROP}, id="no-token-type"),
        pytest.param({"token_type": ""}, id="empty-token-type"),
        pytest.param({"token_type": "pop"}, id="other-token-type"),
        pytest.param({"refresh_on": "{later}"}, id="refresh-on-text"),
        pytest.param({"refresh_on": "{later:int}"}, id="refresh-on-number"),
        pytest.param({"expires_on": "{expires:int}"}, id="expires-on-number"),
        pytest.param(
            {"cached_at": _DROP, "extended_expires_on": _DROP, "x_other_sdk": [1, {"a": None}]},
            id="unread-fields-dropped-unknown-added",
        ),
    ],
)
def test_entries_other_sdks_wrote_get_the_same_answer_hot_and_full(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock, changes: dict[str, Any]
) -> None:
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    app.acquire_token_for_client(scope)

    def edit(entry: dict[str, Any]) -> None:
        later, expires = int(clock()) + 1200, int(entry["expires_on"])
        for name, value in changes.items():
            if value is _DROP:
                del entry[name]
            elif value == "{later}":
                entry[name] = str(later)
            elif value == "{later:int}":
                entry[name] = later
            elif value == "{expires:int}":
                entry[name] = expires
            else:
                entry[name] = value

    edit_access_tokens(cache, edit)
    state = cache.serialize()
    app.acquire_token_for_client(scope)  # the full check, which leaves the record
    assert len(cache.hot_tokens) == 1
    clock.advance(3.5)
    hot = app.acquire_token_for_client(scope)
    full = make_app(entra_emulator, daemon, loaded(state), clock).acquire_token_for_client(scope)
    assert hot == full
    assert hot["token_source"] == "cache"
    assert len(entra_emulator.token_requests()) == 1


# -- a record never outlives its entry -------------------------------------------------------


def test_after_remove_tokens_for_client_the_next_call_goes_to_the_identity_provider(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    cache, app, scope, first = hit_twice(entra_emulator, daemon, clock)
    assert len(cache.hot_tokens) == 1
    app.remove_tokens_for_client()
    assert cache.hot_tokens == {}
    again = app.acquire_token_for_client(scope)
    assert again["token_source"] == "identity_provider"
    assert again["access_token"] != first["access_token"]
    hit = app.acquire_token_for_client(scope)
    assert (hit["token_source"], hit["access_token"]) == ("cache", again["access_token"])
    assert len(entra_emulator.token_requests()) == 2


def test_deserialize_drops_every_record_and_the_new_state_is_served(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    scope = [daemon.api.default_scope]
    other_cache = SerializableTokenCache()
    theirs = make_app(entra_emulator, daemon, other_cache, clock).acquire_token_for_client(scope)
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    mine = app.acquire_token_for_client(scope)
    assert mine["access_token"] != theirs["access_token"]
    app.acquire_token_for_client(scope)
    assert len(cache.hot_tokens) == 1

    cache.deserialize(other_cache.serialize())

    assert cache.hot_tokens == {}
    for _ in range(3):
        hit = app.acquire_token_for_client(scope)
        assert (hit["token_source"], hit["access_token"]) == ("cache", theirs["access_token"])
    cache.deserialize(None)  # an empty state drops them too
    assert cache.hot_tokens == {}
    assert app.acquire_token_for_client(scope)["token_source"] == "identity_provider"
    assert len(entra_emulator.token_requests()) == 3


def test_a_refused_state_keeps_the_content_and_its_records(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    cache, app, scope, first = hit_twice(entra_emulator, daemon, clock)
    before = dict(cache.hot_tokens)
    with pytest.raises(ValueError):
        cache.deserialize('{"AccessToken": {"k": "not an object"}}')
    assert cache.hot_tokens == before
    hit = app.acquire_token_for_client(scope)
    assert (hit["token_source"], hit["access_token"]) == ("cache", first["access_token"])


def test_a_new_token_stored_under_the_key_is_what_the_next_hit_serves(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    cache, app, scope, first = hit_twice(entra_emulator, daemon, clock)
    assert len(cache.hot_tokens) == 1
    challenge = '{"access_token": {"nbf": {"essential": true, "value": "1700000000"}}}'
    fresh = app.acquire_token_for_client(scope, claims_challenge=challenge)
    assert fresh["token_source"] == "identity_provider"
    assert fresh["access_token"] != first["access_token"]
    assert all(r.secret != first["access_token"] for r in cache.hot_tokens.values())
    for _ in range(3):  # the full check (a new record), then hits of the new record
        hit = app.acquire_token_for_client(scope)
        assert (hit["token_source"], hit["access_token"]) == ("cache", fresh["access_token"])
    assert only_record(cache)[1].secret == fresh["access_token"]
    assert len(entra_emulator.token_requests()) == 2


def test_a_token_another_app_stores_under_the_key_replaces_the_record(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    cache = SerializableTokenCache()
    scope = [daemon.api.default_scope]
    app = make_app(entra_emulator, daemon, cache, clock)
    first = app.acquire_token_for_client(scope)
    app.acquire_token_for_client(scope)
    twin = make_app(entra_emulator, daemon, cache, clock)  # same client, same cache
    challenge = '{"access_token": {"nbf": {"essential": true, "value": "1700000000"}}}'
    fresh = twin.acquire_token_for_client(scope, claims_challenge=challenge)
    assert fresh["access_token"] != first["access_token"]
    hit = app.acquire_token_for_client(scope)
    assert (hit["token_source"], hit["access_token"]) == ("cache", fresh["access_token"])


def _replace_secret(cache: SerializableTokenCache) -> None:
    (entry,) = cache.entries("AccessToken")
    cache.modify("AccessToken", entry, {"secret": "replaced"})


def _remove_entry(cache: SerializableTokenCache) -> None:
    (entry,) = cache.entries("AccessToken")
    cache.remove_at(entry)


def _load_replaced(cache: SerializableTokenCache) -> None:
    edit_access_tokens(cache, lambda entry: entry.update(secret="replaced"))


@pytest.mark.parametrize("change", [_replace_secret, _remove_entry, _load_replaced])
def test_no_record_is_made_of_an_entry_that_changed_while_it_was_checked(
    entra_emulator: Emulator,
    daemon: Daemon,
    clock: FakeClock,
    change: Callable[[SerializableTokenCache], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hit reads the entry without the lock: a writer may replace or remove it before the
    record is made. The record must then not be made (it would outlive its entry)."""
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    first = app.acquire_token_for_client(scope)
    remember = cache._remember_hot
    changed: list[bool] = []

    def change_first(*args: Any) -> None:
        if not changed:
            changed.append(True)
            change(cache)
        remember(*args)

    monkeypatch.setattr(cache, "_remember_hot", change_first)
    hit = app.acquire_token_for_client(scope)  # the full check, racing with the change
    assert (hit["token_source"], hit["access_token"]) == ("cache", first["access_token"])
    assert changed and cache.hot_tokens == {}
    monkeypatch.undo()
    expected = make_app(entra_emulator, daemon, loaded(cache.serialize()), clock)
    reference = expected.acquire_token_for_client(scope)
    for _ in range(2):
        answer = app.acquire_token_for_client(scope)
        assert answer["access_token"] != first["access_token"]
        if reference["token_source"] == "cache":
            assert answer == reference


# -- a record never answers for a token due for refresh or near expiry ----------------------


def test_a_token_past_refresh_on_is_refreshed_not_answered_from_its_record(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    entra_emulator.set_refresh_in(daemon.app, 1800)
    cache, app, scope, first = hit_twice(entra_emulator, daemon, clock)
    _, record = only_record(cache)
    assert record.refresh_on is not None and record.refresh_on == first["refresh_on"]
    clock.now = float(record.refresh_on)  # not yet past it: still a hit
    assert app.acquire_token_for_client(scope)["token_source"] == "cache"
    clock.now = record.refresh_on + 0.5
    refreshed = app.acquire_token_for_client(scope)
    assert refreshed["token_source"] == "identity_provider"
    assert refreshed["access_token"] != first["access_token"]
    assert len(entra_emulator.token_requests()) == 2


def test_a_token_within_the_expiry_margin_is_not_answered_from_its_record(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    cache, app, scope, first = hit_twice(entra_emulator, daemon, clock)
    _, record = only_record(cache)
    clock.now = float(record.expires_on - MARGIN)  # exactly the margin left: still handed out
    at_margin = app.acquire_token_for_client(scope)
    assert at_margin == {**at_margin, "token_source": "cache", "expires_in": MARGIN}
    clock.now = record.expires_on - MARGIN + 0.5
    entra_emulator.fail_next_token_requests(1)  # and no fallback to the expiring token
    failed = app.acquire_token_for_client(scope)
    assert "access_token" not in failed and failed["error"] == "temporarily_unavailable"
    clock.advance(10)  # past the throttle of the failed request
    renewed = app.acquire_token_for_client(scope)
    assert renewed["token_source"] == "identity_provider"
    assert renewed["access_token"] != first["access_token"]
    assert [r.status for r in entra_emulator.token_requests()] == [200, 503, 200]


@pytest.mark.parametrize("refresh_on", ["0", 0], ids=repr)
def test_a_token_with_refresh_on_zero_is_refreshed_like_without_records(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock, refresh_on: object
) -> None:
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    app.acquire_token_for_client(scope)
    edit_access_tokens(cache, lambda entry: entry.update(refresh_on=refresh_on))
    entra_emulator.fail_next_token_requests(1)
    fallback = app.acquire_token_for_client(scope)  # aging: a refresh, which fails
    assert fallback["token_source"] == "cache"
    assert len(cache.hot_tokens) == 1  # the full check left a record
    clock.advance(10)  # past the throttle of the failed refresh
    reference = make_app(entra_emulator, daemon, loaded(cache.serialize()), clock)
    before = len(entra_emulator.token_requests())
    expected = reference.acquire_token_for_client(scope)  # without records: refreshed
    assert expected["token_source"] == "identity_provider"
    assert len(entra_emulator.token_requests()) == before + 1
    again = app.acquire_token_for_client(scope)
    assert again["token_source"] == "identity_provider"
    assert len(entra_emulator.token_requests()) == before + 2


# -- a record answers only the app it was made for -------------------------------------------


def test_a_record_answers_only_the_exact_client_id_it_was_made_for(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock
) -> None:
    """Client ids differing in case share one key (MSAL's keys are lower-case), and the full
    look-up lets them share tokens; a record must neither change that nor answer the other."""
    scope = [daemon.api.default_scope]
    cache = SerializableTokenCache()
    lower = make_app(entra_emulator, daemon, cache, clock, client_id=daemon.app.client_id.lower())
    upper = make_app(entra_emulator, daemon, cache, clock, client_id=daemon.app.client_id.upper())
    first = lower.acquire_token_for_client(scope)
    state = cache.serialize()
    lower.acquire_token_for_client(scope)
    key, record = only_record(cache)
    assert record.owner[2] == daemon.app.client_id.lower()
    reference = make_app(
        entra_emulator, daemon, loaded(state), clock, client_id=daemon.app.client_id.upper()
    ).acquire_token_for_client(scope)
    for _ in range(2):
        assert upper.acquire_token_for_client(scope) == reference
    assert only_record(cache) == (key, record)  # the other app's hits left no record of theirs
    # A record is what the hits of its owner read, and only theirs:
    cache.hot_tokens[key] = record._replace(secret="from-the-record")
    assert lower.acquire_token_for_client(scope)["access_token"] == "from-the-record"
    assert upper.acquire_token_for_client(scope)["access_token"] == first["access_token"]


# -- a record never lets a refused scope through ---------------------------------------------


def _refusal(call: Callable[[], object]) -> tuple[type[BaseException], str] | object:
    try:
        return call()
    except (ValueError, TypeError) as refused:
        return type(refused), str(refused)


@pytest.mark.parametrize(
    ("asked", "refused"),
    [
        (["OpenID"], "openid"),
        (["Profile"], "profile"),
        (["OFFLINE_ACCESS"], "offline_access"),
        (["a", "b"], "a b"),
        (["A", "b"], "A B"),
    ],
)
def test_a_scope_refused_without_records_is_refused_with_a_record_under_its_key(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock, asked: list[str], refused: str
) -> None:
    """``asked`` reaches the entry whose key ``[refused]`` would build; its hits leave a record
    under that key, which must not answer ``[refused]``."""
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    app.acquire_token_for_client([daemon.api.default_scope])  # discovery, and a model entry
    key = plant(cache, " ".join(sorted(asked)), "planted")
    state = cache.serialize()
    for _ in range(2):
        assert app.acquire_token_for_client(asked)["access_token"] == "planted"
    assert cache.hot_tokens[key].secret == "planted"
    assert key.endswith("-" + refused.lower())

    reference_app = make_app(entra_emulator, daemon, loaded(state), clock)
    reference_app.acquire_token_for_client([daemon.api.default_scope])  # discovered, a hit
    expected = _refusal(lambda: reference_app.acquire_token_for_client([refused]))
    assert isinstance(expected, tuple)  # refused without records
    for _ in range(2):
        assert _refusal(lambda: app.acquire_token_for_client([refused])) == expected
    assert len(entra_emulator.token_requests()) == 1


@pytest.mark.parametrize(
    "refused",
    ["openid", "a b", "a\tb", "a\nb", "a\u3000b", "a\u2028b", "a\x0bb", "\x1c", "OFFLINE_ACCESS b"],
    ids=repr,
)
def test_a_record_under_the_key_of_a_refused_scope_is_never_read(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock, refused: str
) -> None:
    """Whatever record sits under the key ``[refused]`` builds (here forged, with the asking
    app as its owner), the call is refused exactly as on a cache without records."""
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    app.acquire_token_for_client(scope)
    app.acquire_token_for_client(scope)
    key, record = only_record(cache)
    prefix = key[: -len(scope[0])]
    cache.hot_tokens[prefix + refused.lower()] = record._replace(secret="forged")

    reference_app = make_app(entra_emulator, daemon, loaded(cache.serialize()), clock)
    reference_app.acquire_token_for_client(scope)
    expected = _refusal(lambda: reference_app.acquire_token_for_client([refused]))
    assert isinstance(expected, tuple)
    assert _refusal(lambda: app.acquire_token_for_client([refused])) == expected
    assert len(entra_emulator.token_requests()) == 1


@pytest.mark.parametrize(
    "scopes",
    [[42], [None], [b"api://x/.default"], [["nested"]], [], ["api://x/.default", 7]],
    ids=repr,
)
def test_scopes_of_the_wrong_type_are_refused_as_without_records(
    entra_emulator: Emulator, daemon: Daemon, clock: FakeClock, scopes: list[Any]
) -> None:
    cache = SerializableTokenCache()
    app = make_app(entra_emulator, daemon, cache, clock)
    scope = [daemon.api.default_scope]
    app.acquire_token_for_client(scope)
    app.acquire_token_for_client(scope)
    assert len(cache.hot_tokens) == 1
    reference_app = make_app(entra_emulator, daemon, loaded(cache.serialize()), clock)
    reference_app.acquire_token_for_client(scope)
    expected = _refusal(lambda: reference_app.acquire_token_for_client(scopes))
    assert isinstance(expected, tuple)
    assert _refusal(lambda: app.acquire_token_for_client(scopes)) == expected


# -- a hit never waits for the lock ----------------------------------------------------------


@pytest.fixture
def held_lock() -> Iterator[Callable[[SerializableTokenCache], None]]:
    """``hold(cache)``: hold ``cache._lock`` in another thread until the test ends."""
    release = threading.Event()
    holders: list[threading.Thread] = []

    def hold(cache: SerializableTokenCache) -> None:
        taken = threading.Event()

        def holder() -> None:
            with cache._lock:
                taken.set()
                release.wait(THREAD_GUARD * 2)

        thread = threading.Thread(target=holder, daemon=True)
        thread.start()
        holders.append(thread)
        assert taken.wait(THREAD_GUARD)

    yield hold
    release.set()
    for thread in holders:
        thread.join(THREAD_GUARD)


def test_a_hot_hit_needs_no_lock(
    entra_emulator: Emulator,
    daemon: Daemon,
    clock: FakeClock,
    held_lock: Callable[[SerializableTokenCache], None],
) -> None:
    cache, app, scope, first = hit_twice(entra_emulator, daemon, clock)
    assert len(cache.hot_tokens) == 1
    held_lock(cache)  # a writer holds the lock
    for _ in range(3):
        hit = run_in_thread(lambda: app.acquire_token_for_client(scope))
        assert (hit["token_source"], hit["access_token"]) == ("cache", first["access_token"])


def test_the_first_hit_of_a_loaded_token_needs_no_lock_either(
    entra_emulator: Emulator,
    daemon: Daemon,
    clock: FakeClock,
    held_lock: Callable[[SerializableTokenCache], None],
) -> None:
    source = SerializableTokenCache()
    writer = make_app(entra_emulator, daemon, source, clock)
    scope = [daemon.api.default_scope]
    first = writer.acquire_token_for_client(scope)
    second_key = plant(source, "api://second/.default", "second-token")
    cache = loaded(source.serialize())
    app = make_app(entra_emulator, daemon, cache, clock)
    assert app.acquire_token_for_client(scope)["access_token"] == first["access_token"]
    held_lock(cache)
    hit = run_in_thread(lambda: app.acquire_token_for_client(["api://second/.default"]))
    assert (hit["token_source"], hit["access_token"]) == ("cache", "second-token")
    again = run_in_thread(lambda: app.acquire_token_for_client(scope))
    assert (again["token_source"], again["access_token"]) == ("cache", first["access_token"])
    assert second_key in json.loads(source.serialize())["AccessToken"]
    assert len(entra_emulator.token_requests()) == 1


# -- keys MSAL's format makes ambiguous (an in-process identity provider) --------------------


class _Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self.status_code = 200
        self.text = json.dumps(body)
        self.headers: dict[str, str] = {}


class TenantEchoIdp:
    """An ``http_client`` answering discovery of any tenant and client-credentials requests
    in-process; each token is ``{tenant}|{scope}|{n}``, so its owner is plain to see."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []

    def get(self, url: str, **kwargs: Any) -> _Response:
        base = f"https://{ENV}/{urlsplit(url).path.split('/')[1]}"
        return _Response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            }
        )

    def post(self, url: str, data: Any = None, **kwargs: Any) -> _Response:
        tenant, scope = urlsplit(url).path.split("/")[1], dict(data)["scope"]
        self.posts.append((tenant, scope))
        token = f"{tenant}|{scope}|{len(self.posts)}"
        return _Response({"token_type": "Bearer", "expires_in": 3599, "access_token": token})


def _echo_app(
    idp: TenantEchoIdp, cache: SerializableTokenCache, tenant: str
) -> ConfidentialClientApplication:
    return ConfidentialClientApplication(
        "c", client_credential="s", authority=f"https://{ENV}/{tenant}", http_client=idp,
        token_cache=cache,
    )  # fmt: skip


def test_one_client_in_two_tenants_sharing_a_cache_gets_each_tenant_its_own_token() -> None:
    idp, cache = TenantEchoIdp(), SerializableTokenCache()
    here, there = _echo_app(idp, cache, "tenant-one"), _echo_app(idp, cache, "tenant-two")
    scope = ["api://x/.default"]
    mine = here.acquire_token_for_client(scope)["access_token"]
    theirs = there.acquire_token_for_client(scope)["access_token"]
    assert (mine, theirs) == ("tenant-one|api://x/.default|1", "tenant-two|api://x/.default|2")
    for _ in range(4):  # full checks (one record each), then hits of the records, interleaved
        assert here.acquire_token_for_client(scope)["access_token"] == mine
        assert there.acquire_token_for_client(scope)["access_token"] == theirs
    assert sorted(record.owner[3] for record in cache.hot_tokens.values()) == [
        "tenant-one", "tenant-two",
    ]  # fmt: skip
    assert len(idp.posts) == 2


def test_two_tenants_whose_keys_collide_never_get_each_others_tokens() -> None:
    """Tenant ``t`` asking for ``x-y`` and tenant ``t-x`` asking for ``y`` build the same key."""
    idp, cache = TenantEchoIdp(), SerializableTokenCache()
    first, second = _echo_app(idp, cache, "t"), _echo_app(idp, cache, "t-x")
    for _ in range(3):  # a miss, the full check, a hit of the record
        assert first.acquire_token_for_client(["x-y"])["access_token"] == "t|x-y|1"
    assert len(cache.hot_tokens) == 1
    for _ in range(3):
        assert second.acquire_token_for_client(["y"])["access_token"].startswith("t-x|y|")
    for _ in range(3):
        assert first.acquire_token_for_client(["x-y"])["access_token"].startswith("t|x-y|")
    assert all(token.startswith("t|") for token in _served(first, ["x-y"], 3))
    assert all(token.startswith("t-x|") for token in _served(second, ["y"], 3))


def _served(app: ConfidentialClientApplication, scopes: list[str], times: int) -> list[str]:
    return [app.acquire_token_for_client(scopes)["access_token"] for _ in range(times)]


def test_an_empty_scope_is_refused_even_when_another_tenants_record_has_its_key() -> None:
    """Tenant ``t`` asking for ``x-`` files its token under the key tenant ``t-x`` would build
    for the scope ``""``; the record of that token must not answer ``[""]``."""
    idp, cache = TenantEchoIdp(), SerializableTokenCache()
    first, second = _echo_app(idp, cache, "t"), _echo_app(idp, cache, "t-x")
    for _ in range(3):
        assert first.acquire_token_for_client(["x-"])["access_token"] == "t|x-|1"
    (key,) = cache.hot_tokens
    assert second.acquire_token_for_client(["z"])["token_source"] == "identity_provider"
    assert key == f"-{ENV}-accesstoken-c-t-x-"  # what second's key of [""] would be
    for _ in range(2):
        with pytest.raises(ValueError, match="empty"):
            second.acquire_token_for_client([""])
    assert idp.posts == [("t", "x-"), ("t-x", "z")]
