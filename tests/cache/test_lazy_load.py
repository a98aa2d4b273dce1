"""Lazy loading (codec.parse_outline, CacheStore._undecoded): ``deserialize`` leaves the access
tokens undecoded, a hit decodes no other entry, a change decodes them all, and ``serialize``
writes an untouched entry back byte for byte.

Whatever is decoded when, what the cache counts, serves, refuses and writes must be what a
cache that decoded everything at once would: the input's JSON, every entry as it came
(another SDK's field order, spacing, escapes and unknown fields included), bad state refused
without touching the content, and entries another MSAL wrote incompletely never served.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import msal
import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.cache.codec import is_usable
from entraclient.cache.token_cache import AccessTokenProbes, AccessTokenQuery
from entraclient.emulator import Emulator

from .factories import ENV, NOW, app_token
from .test_threads import CannedTokens

CLIENT, REALM = "cid", "t"
AUTHORITY = f"https://{ENV}/{REALM}"
FAR = NOW + 86400 * 365 * 50  # far ahead: any real clock is before
TARGETS = [f"api://r{n}/.default" for n in range(4)]
ODD_TARGET = "api://odd/.default"
ODD_TEXT = (  # another SDK's layout: its own field order and spacing, escapes, unknown fields
    '{ "x_net_field" :[1 ,2.50, "caf\\u00e9", {"deep": null}],\n'
    '    "target": "api://odd/.default", "secret":"odd-secret",\n'
    f'\t"expires_on": "{FAR}", "realm": "t", "client_id": "cid",\n'
    '  "environment": "login.microsoftonline.com", "home_account_id": null,\n'
    '  "credential_type": "AccessToken", "token_type": "Bearer", "cached_at": "1800000000" }'
)
OTHER_SECTIONS = (
    '"AppMetadata": {"appmetadata-login.microsoftonline.com-cid": '
    '{"client_id": "cid", "environment": "login.microsoftonline.com", "family_id": null}}, '
    '"x_OtherSdk": {"k": [1, "two", {"three": 3}]}'
)


def key_of(target: str, client: str = CLIENT) -> str:
    return app_token(target, client=client, realm=REALM).key


def entry_of(target: str, secret: str, client: str = CLIENT, **changes: Any) -> dict[str, Any]:
    """An app token of ``client`` in MSAL's format, valid far ahead."""
    entry = app_token(target, client=client, realm=REALM, secret=secret).to_entry()
    entry.update(expires_on=str(FAR), extended_expires_on=str(FAR))
    entry.update(changes)
    return entry


def state_text(entries: dict[str, str], others: str = OTHER_SECTIONS) -> str:
    """MSAL-format text with ``entries`` (key -> the entry's JSON text) as its access tokens."""
    body = ", ".join(f"{json.dumps(key)}: {text}" for key, text in entries.items())
    return '{"AccessToken": {' + body + "}, " + others + "}"


def sample_entries() -> dict[str, str]:
    """Four tokens as MSAL writes them (with spaces after separators, which our writer never
    puts: seeing them in the output shows the text went through untouched) and the odd one."""
    entries = {key_of(t): json.dumps(entry_of(t, f"secret-{n}")) for n, t in enumerate(TARGETS)}
    entries[key_of(ODD_TARGET)] = ODD_TEXT
    return entries


def as_kind(text: str, kind: str) -> str | bytes | bytearray:
    if kind == "bytes":
        return text.encode()
    if kind == "bytearray":
        return bytearray(text.encode())
    return text


def loaded(text: str | bytes | bytearray) -> SerializableTokenCache:
    cache = SerializableTokenCache()
    cache.deserialize(text)
    return cache


def probes(client: str = CLIENT) -> AccessTokenProbes:
    return AccessTokenProbes(client_id=client, environment=ENV, realm=REALM)


def query(target: str) -> AccessTokenQuery:
    return AccessTokenQuery(client_id=CLIENT, environment=ENV, realm=REALM, scopes=(target,))


def make_app(cache: SerializableTokenCache) -> ConfidentialClientApplication:
    """An app answered in-process: a token response's access token is the scope asked for."""
    return ConfidentialClientApplication(
        CLIENT, client_credential="s", authority=AUTHORITY,
        http_client=CannedTokens(slow_scope="never"), token_cache=cache,
    )  # fmt: skip


def undecoded_keys(cache: SerializableTokenCache) -> set[str]:
    return set(cache._undecoded)


def decoded_access_tokens(cache: SerializableTokenCache) -> dict[str, Any]:
    return dict(cache._sections.get("AccessToken", {}))


# -- deserialize, count, serialize -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["str", "bytes", "bytearray"])
def test_loaded_access_tokens_stay_undecoded_and_are_written_back_byte_for_byte(
    kind: str,
) -> None:
    entries = sample_entries()
    text = state_text(entries)
    cache = loaded(as_kind(text, kind))
    assert undecoded_keys(cache) == set(entries)
    assert decoded_access_tokens(cache) == {}
    assert len(cache) == sum(len(section) for section in json.loads(text).values())
    assert cache.has_state_changed is False
    written = cache.serialize()
    assert json.loads(written) == json.loads(text)
    for entry_text in entries.values():
        assert entry_text in written
    assert cache.serialize() == written
    assert json.loads(cache.serialize(indent=4)) == json.loads(text)
    assert undecoded_keys(cache) == set(entries)  # writing decodes nothing
    assert len(cache) == sum(len(section) for section in json.loads(text).values())


def test_a_reload_of_what_was_written_is_the_same_text() -> None:
    first = loaded(state_text(sample_entries())).serialize()
    assert loaded(first).serialize() == first
    assert loaded(first.encode()).serialize() == first


def test_the_odd_entry_is_an_ordinary_token_once_decoded() -> None:
    cache = loaded(state_text(sample_entries()))
    found = cache.find_access_token(query(ODD_TARGET), NOW)
    assert found is not None and found["secret"] == "odd-secret"
    assert found["x_net_field"] == [1, 2.5, "caf\u00e9", {"deep": None}]
    assert cache.snapshot()["AccessToken"][key_of(ODD_TARGET)] == json.loads(ODD_TEXT)


# -- a hit decodes no other entry ------------------------------------------------------------


def _hit_by_query(cache: SerializableTokenCache, target: str) -> str:
    found = cache.find_access_token(query(target), NOW)
    assert found is not None
    return str(found["secret"])


def _hit_by_probes(cache: SerializableTokenCache, target: str) -> str:
    found = cache.find_access_token_for(probes(), [target], NOW)
    assert found is not None
    return str(found["secret"])


def _hit_by_app(cache: SerializableTokenCache, target: str) -> str:
    app = make_app(cache)
    answers = [app.acquire_token_for_client([target]) for _ in range(3)]  # full, then record
    assert {answer["token_source"] for answer in answers} == {"cache"}
    assert len({answer["access_token"] for answer in answers}) == 1
    return str(answers[0]["access_token"])


@pytest.mark.parametrize("hit", [_hit_by_query, _hit_by_probes, _hit_by_app])
def test_a_hit_decodes_at_most_the_entry_it_hits(
    hit: Callable[[SerializableTokenCache, str], str],
) -> None:
    entries = sample_entries()
    text = state_text(entries)
    cache = loaded(text)
    hit_key = key_of(TARGETS[2])
    assert hit(cache, TARGETS[2]) == "secret-2"
    assert undecoded_keys(cache) >= set(entries) - {hit_key}
    assert set(decoded_access_tokens(cache)) <= {hit_key}
    assert cache._built_index is None  # an exact hit builds no index
    assert cache.has_state_changed is False
    written = cache.serialize()
    assert json.loads(written) == json.loads(text)
    for key, entry_text in entries.items():
        if key != hit_key:
            assert entry_text in written
    assert hit(cache, "api://odd/.default") == "odd-secret"
    assert undecoded_keys(cache) >= set(entries) - {hit_key, key_of(ODD_TARGET)}


def test_a_miss_decodes_everything_but_changes_nothing() -> None:
    entries = sample_entries()
    text = state_text(entries)
    cache = loaded(text)
    assert cache.find_access_token(query("api://absent/.default"), NOW) is None
    assert json.loads(cache.serialize()) == json.loads(text)
    assert cache.has_state_changed is False
    assert _hit_by_query(cache, TARGETS[1]) == "secret-1"


@pytest.mark.parametrize(
    "enumerate_all",
    [
        lambda cache: cache.snapshot(),
        lambda cache: cache.entries("AccessToken"),
        lambda cache: list(cache.search("AccessToken", now=NOW)),
        lambda cache: list(cache),
    ],
    ids=["snapshot", "entries", "search", "iter"],
)
def test_enumerations_see_every_entry_and_change_nothing(
    enumerate_all: Callable[[SerializableTokenCache], Any],
) -> None:
    entries = sample_entries()
    text = state_text(entries, OTHER_SECTIONS.replace('[1, "two", {"three": 3}]', '{"v": 1}'))
    cache = loaded(text)
    seen = json.dumps(enumerate_all(cache))
    for n in range(len(TARGETS)):
        assert f"secret-{n}" in seen
    assert "odd-secret" in seen
    assert undecoded_keys(cache) == set()
    assert json.loads(cache.serialize()) == json.loads(text)
    assert cache.has_state_changed is False


# -- a change decodes everything -------------------------------------------------------------


def _add_access_token(cache: SerializableTokenCache) -> None:
    record = app_token("api://new/.default", client="other", realm=REALM, expires_in=FAR - NOW)
    cache.add_access_token(record, now=NOW)


def _miss_then_token_response(cache: SerializableTokenCache) -> None:
    answer = make_app(cache).acquire_token_for_client(["api://new/.default"])
    assert answer["token_source"] == "identity_provider"


def _remove_another_clients_tokens(cache: SerializableTokenCache) -> None:
    _add_access_token(cache)
    assert cache.remove_access_tokens(client_id="other", environments=[ENV]) == 1


@pytest.mark.parametrize(
    "change", [_add_access_token, _miss_then_token_response, _remove_another_clients_tokens]
)
def test_a_change_decodes_everything_and_every_old_entry_is_written_back(
    change: Callable[[SerializableTokenCache], None],
) -> None:
    entries = sample_entries()
    text = state_text(entries)
    cache = loaded(text)
    assert _hit_by_app(cache, TARGETS[0]) == "secret-0"
    change(cache)
    assert undecoded_keys(cache) == set()
    assert cache.has_state_changed is True
    written = json.loads(cache.serialize())
    original = json.loads(text)
    for key, entry in original["AccessToken"].items():
        assert written["AccessToken"][key] == entry
    assert written["x_OtherSdk"] == original["x_OtherSdk"]
    assert written["AppMetadata"].keys() == original["AppMetadata"].keys()
    again = loaded(cache.serialize())
    for n, target in enumerate(TARGETS):
        assert _hit_by_app(again, target) == f"secret-{n}"
    assert _hit_by_app(again, ODD_TARGET) == "odd-secret"


def test_a_token_stored_over_an_undecoded_one_replaces_it() -> None:
    entries = sample_entries()
    cache = loaded(state_text(entries))
    replacement = app_token(TARGETS[3], client=CLIENT, realm=REALM, secret="replaced")
    cache.add_access_token(replacement, now=NOW)
    written = json.loads(cache.serialize())["AccessToken"]
    assert written[key_of(TARGETS[3])]["secret"] == "replaced"
    assert len(written) == len(entries)
    assert _hit_by_query(cache, TARGETS[3]) == "replaced"


# -- bad state -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ['"text"', '"{ in a string }"', "5", "-1.5", "[1, 2]", "[]", "null", "true", "false"]
)
@pytest.mark.parametrize("kind", ["str", "bytes", "bytearray"])
def test_an_access_token_that_is_not_an_object_is_refused_and_nothing_changes(
    value: str, kind: str
) -> None:
    cache = loaded(state_text(sample_entries()))
    app = make_app(cache)
    assert _hit_by_app(cache, TARGETS[0]) == "secret-0"
    records = dict(cache.hot_tokens)
    before, undecoded_before, count = cache.serialize(), undecoded_keys(cache), len(cache)
    bad = {**sample_entries(), key_of("api://bad/.default"): value}
    with pytest.raises(ValueError, match="must be a JSON object"):
        cache.deserialize(as_kind(state_text(bad), kind))
    assert cache.serialize() == before
    assert undecoded_keys(cache) == undecoded_before
    assert len(cache) == count
    assert cache.hot_tokens == records
    assert app.acquire_token_for_client([TARGETS[0]])["access_token"] == "secret-0"
    assert app.acquire_token_for_client([TARGETS[1]])["access_token"] == "secret-1"


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        state_text(sample_entries())[:-3],
        '{"AccessToken": []}',
        '{"AccessToken": {}, "x_OtherSdk": 5}',
        "[1, 2]",
    ],
    ids=["garbage", "truncated", "section-not-object", "other-section-not-object", "not-object"],
)
def test_state_that_is_not_a_cache_is_refused_and_nothing_changes(text: str) -> None:
    cache = loaded(state_text(sample_entries()))
    before = cache.serialize()
    with pytest.raises(ValueError):
        cache.deserialize(text)
    assert cache.serialize() == before
    assert undecoded_keys(cache) == set(sample_entries())


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda: state_text(sample_entries(), '"x_OtherSdk": {"k": NaN}'), id="other"),
        pytest.param(
            lambda: state_text(
                {**sample_entries(), key_of("api://nan/.default"): _with_field("NaN")}
            ),
            id="access-token",
        ),
        pytest.param(
            lambda: state_text(
                {**sample_entries(), key_of("api://nan/.default"): _with_field("-Infinity")}
            ),
            id="infinity",
        ),
    ],
)
@pytest.mark.parametrize("kind", ["str", "bytes", "bytearray"])
def test_text_only_the_standard_parser_reads_still_loads(
    where: Callable[[], str], kind: str
) -> None:
    text = where()
    cache = loaded(as_kind(text, kind))
    assert len(cache) == sum(len(s) for s in json.loads(text).values())
    assert _hit_by_app(cache, TARGETS[1]) == "secret-1"
    assert _hit_by_app(cache, ODD_TARGET) == "odd-secret"
    written = cache.serialize(indent=4)
    assert json.loads(written, parse_constant=str) == json.loads(text, parse_constant=str)
    if "api://nan/.default" in text:
        assert _hit_by_app(cache, "api://nan/.default") == "nan-secret"
        (found,) = (e for e in cache.entries("AccessToken") if e["secret"] == "nan-secret")
        assert math.isnan(found["x_score"]) or math.isinf(found["x_score"])


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_the_compact_writer_keeps_what_only_the_standard_parser_reads(constant: str) -> None:
    text = state_text(sample_entries(), f'"x_OtherSdk": {{"k": {constant}}}')
    written = loaded(text).serialize()
    assert json.loads(written, parse_constant=str) == json.loads(text, parse_constant=str)


def _with_field(constant: str) -> str:
    text = json.dumps(entry_of("api://nan/.default", "nan-secret"))
    return text[:-1] + f', "x_score": {constant}}}'


@pytest.mark.parametrize("nan", [False, True], ids=["fast", "standard-parser"])
def test_a_bytearray_changed_after_deserialize_changes_nothing_in_the_cache(nan: bool) -> None:
    entries = sample_entries()
    text = state_text(entries, '"x_OtherSdk": {"k": NaN}' if nan else OTHER_SECTIONS)
    expected = json.loads(text, parse_constant=str)
    buffer = bytearray(text.encode())
    cache = loaded(buffer)
    buffer[:] = bytes(buffer).replace(b"secret", b"SECRET").replace(b"api://", b"xyz://")
    assert _hit_by_app(cache, TARGETS[0]) == "secret-0"
    assert json.loads(cache.serialize(indent=4), parse_constant=str) == expected
    buffer.clear()  # no view into it is kept
    buffer.extend(b"{}")
    assert json.loads(cache.serialize(indent=4), parse_constant=str) == expected
    if not nan:
        written = cache.serialize()
        assert json.loads(written) == expected
        for key, entry_text in entries.items():
            if key != key_of(TARGETS[0]):
                assert entry_text in written
    assert _hit_by_query(cache, ODD_TARGET) == "odd-secret"
    assert _hit_by_app(cache, TARGETS[3]) == "secret-3"


# -- entries another MSAL wrote incompletely -------------------------------------------------

_DROP = object()
RAW_1E400 = "<the JSON number 1e400, which msgspec refuses>"
INCOMPLETE: list[Any] = [
    pytest.param({"expires_on": _DROP}, id="no-expires_on"),
    pytest.param({"expires_on": "9" * 400}, id="400-digit-text"),
    pytest.param({"expires_on": 9 * 10**400}, id="400-digit-number"),
    pytest.param({"expires_on": "-5"}, id="negative-text"),
    pytest.param({"expires_on": -5}, id="negative-number"),
    pytest.param({"expires_on": ["1"]}, id="list"),
    pytest.param({"expires_on": {"at": 1}}, id="object"),
    pytest.param({"expires_on": None}, id="null"),
    pytest.param({"expires_on": True}, id="true"),
    pytest.param({"expires_on": "soon"}, id="word"),
    pytest.param({"expires_on": ""}, id="empty"),
    pytest.param({"expires_on": 1.5e308}, id="huge-float"),
    pytest.param({"expires_on": RAW_1E400}, id="float-out-of-range"),
    pytest.param({"refresh_on": "9" * 400}, id="400-digit-refresh_on"),
    pytest.param({"secret": _DROP}, id="no-secret"),
    pytest.param({"secret": 7}, id="number-secret"),
    pytest.param({"target": None}, id="null-target"),
    pytest.param({"token_type": ["Bearer"]}, id="list-token_type"),
]
BAD_TARGET = "api://bad/.default"


def _incomplete_text(changes: dict[str, Any]) -> str:
    entry = entry_of(BAD_TARGET, "bad-secret")
    for name, value in changes.items():
        if value is _DROP:
            del entry[name]
        else:
            entry[name] = value
    text = json.dumps(entry, indent=1)  # a layout of its own, so it is found verbatim
    return text.replace(json.dumps(RAW_1E400), "1e400")


@pytest.mark.parametrize("changes", INCOMPLETE)
def test_an_incomplete_entry_is_never_served_and_written_back_as_it_came(
    changes: dict[str, Any],
) -> None:
    bad_text = _incomplete_text(changes)
    assert not is_usable("AccessToken", json.loads(bad_text))
    entries = {**sample_entries(), key_of(BAD_TARGET): bad_text}
    text = state_text(entries)
    cache = loaded(text)
    assert undecoded_keys(cache) == set(entries)
    assert bad_text in cache.serialize()
    assert _hit_by_app(cache, TARGETS[1]) == "secret-1"
    assert bad_text in cache.serialize()  # a hit of another entry leaves it as it came
    assert cache.find_access_token_for(probes(), [BAD_TARGET], NOW) is None
    assert cache.find_access_token(query(BAD_TARGET), NOW) is None
    assert _hit_by_app(cache, TARGETS[0]) == "secret-0"
    writers = [4, None]  # the compact writer spells 1e400 as it came, too
    for indent in writers:
        assert json.loads(cache.serialize(indent=indent)) == json.loads(text)
    app = make_app(cache)
    assert app.acquire_token_for_client(["api://new/.default"])["token_source"] != "cache"
    assert list(cache.search("AccessToken", query={"secret": "bad-secret"}, now=NOW)) == []
    for indent in writers:
        written = json.loads(cache.serialize(indent=indent))
        assert written["AccessToken"][key_of(BAD_TARGET)] == json.loads(bad_text)
    for _ in range(2):  # never the bad one: the provider's token (its scope), then a hit of it
        assert app.acquire_token_for_client([BAD_TARGET])["access_token"] == BAD_TARGET
    assert _hit_by_app(cache, ODD_TARGET) == "odd-secret"


@pytest.mark.parametrize(
    "expires_on",
    [float(FAR), f"+{FAR}", f" {FAR}", f"{FAR}\n", f"{FAR // 10**5:_}{FAR % 10**5:05}"],
    ids=["float", "plus-sign", "leading-space", "trailing-newline", "underscores"],
)
def test_an_expiry_is_usable_does_not_accept_is_never_served(expires_on: object) -> None:
    entry = entry_of(BAD_TARGET, "bad-secret", expires_on=expires_on)
    assert not is_usable("AccessToken", entry)
    cache = loaded(state_text({key_of(BAD_TARGET): json.dumps(entry)}))
    assert list(cache.search("AccessToken", now=NOW)) == []
    answer = make_app(cache).acquire_token_for_client([BAD_TARGET])
    assert answer["access_token"] == BAD_TARGET  # the provider's, not "bad-secret"


# -- MSAL reads what we write after a lazy load and a hit ------------------------------------


def test_msal_reads_the_tokens_after_a_lazy_load_and_hits() -> None:
    text = state_text(sample_entries())
    ours = loaded(text)
    assert _hit_by_app(ours, TARGETS[2]) == "secret-2"
    assert _hit_by_query(ours, TARGETS[3]) == "secret-3"
    theirs = msal.SerializableTokenCache()
    theirs.deserialize(ours.serialize())
    assert json.loads(theirs.serialize()) == json.loads(text)
    found = theirs.search("AccessToken", query={"client_id": CLIENT}, now=NOW)
    assert sorted(entry["secret"] for entry in found) == sorted(
        [*(f"secret-{n}" for n in range(len(TARGETS))), "odd-secret"]
    )
    (hit,) = theirs.search("AccessToken", target=[TARGETS[2]], query={"client_id": CLIENT}, now=NOW)
    assert hit["secret"] == "secret-2"
    back = loaded(theirs.serialize())
    assert _hit_by_app(back, ODD_TARGET) == "odd-secret"


def test_an_msal_app_answers_from_what_we_wrote_after_a_lazy_load_and_hits(
    entra_emulator: Emulator,
) -> None:
    tenant = entra_emulator.add_tenant()
    registered = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(registered, api, ["Things.Read"])
    authority = f"https://{ENV}/{tenant.domain}"
    scope = [api.default_scope]

    def ours(cache: SerializableTokenCache) -> ConfidentialClientApplication:
        return ConfidentialClientApplication(
            registered.client_id, client_credential=registered.secret, authority=authority,
            http_client=entra_emulator.http_client(), token_cache=cache,
        )  # fmt: skip

    written_first = SerializableTokenCache()
    first = ours(written_first).acquire_token_for_client(scope)
    cache = loaded(written_first.serialize())
    assert len(cache._undecoded) == 1
    app = ours(cache)
    for _ in range(3):
        hit = app.acquire_token_for_client(scope)
        assert (hit["token_source"], hit["access_token"]) == ("cache", first["access_token"])
    theirs_cache = msal.SerializableTokenCache()
    theirs_cache.deserialize(cache.serialize())
    theirs = msal.ConfidentialClientApplication(
        registered.client_id, client_credential=registered.secret, authority=authority,
        http_client=entra_emulator.http_client(), token_cache=theirs_cache,
    )  # fmt: skip
    answer = theirs.acquire_token_for_client(scope)
    assert answer["access_token"] == first["access_token"]
    assert answer["token_source"] == "cache"
    assert len(entra_emulator.token_requests()) == 1
