"""Entries other MSALs write incompletely: kept and written back as they came, never used.

A cache shared with MSAL .NET, Java or Node may hold entries lacking a field, with a
wrong-typed one or a number out of range. Loading such a cache must not fail, saving it must
not lose them, and no later call may use one or raise because of one.
"""

from __future__ import annotations

import json
from typing import Any

import msal
import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.cache.codec import is_usable
from entraclient.cache.partitions import PartitionKey
from entraclient.cache.token_cache import AccessTokenProbes, AccessTokenQuery, RefreshTokenQuery

from .factories import ENV, NOW, app_token
from .test_threads import CannedTokens

AUTHORITY = "https://login.microsoftonline.com/t"
SCOPE = "api://x/.default"

BAD_EXPIRIES: list[Any] = [
    "9" * 400,  # fits an int, overflows a float (today's OverflowError)
    9 * 10**400,
    "-5",
    -5,
    "soon",
    "",
    "1e12",
    1.5e308,
    ["1"],
    {"at": 1},
    None,
    True,
]


def _entry(**changes: Any) -> dict[str, Any]:
    entry = app_token(SCOPE, client="cid", realm="t").to_entry()
    entry["expires_on"] = str(NOW + 86400 * 365 * 50)  # far ahead: any real clock is before
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not _DROP}


_DROP = object()


def _state(entry: dict[str, Any]) -> str:
    key = app_token(SCOPE, client="cid", realm="t").key
    return json.dumps({"AccessToken": {key: entry}, "x_Other": {"k": [1, "two"]}})


def _app(cache: SerializableTokenCache) -> tuple[ConfidentialClientApplication, CannedTokens]:
    http = CannedTokens(slow_scope="never")
    app = ConfidentialClientApplication(
        "cid", client_credential="s", authority=AUTHORITY, http_client=http, token_cache=cache
    )
    return app, http


@pytest.mark.parametrize("expires_on", BAD_EXPIRIES, ids=repr)
def test_a_bad_expiry_is_a_miss_never_an_exception(expires_on: Any) -> None:
    cache = SerializableTokenCache()
    cache.deserialize(_state(_entry(expires_on=expires_on)))
    app, _ = _app(cache)
    for _ in range(2):  # the second call meets the cache after the miss wrote the new token
        result = app.acquire_token_for_client([SCOPE])
        assert result["access_token"] == SCOPE  # the canned provider's token, not the cached
    other = app.acquire_token_for_client(["api://y/.default"])
    assert other["token_source"] == "identity_provider"


@pytest.mark.parametrize(
    "changes",
    [
        {"secret": _DROP},
        {"secret": 7},
        {"realm": _DROP},
        {"target": None},
        {"refresh_on": "9" * 400},
        {"refresh_on": "later"},
        {"token_type": 7},
        {"home_account_id": 7},
        {"expires_on": _DROP},
    ],
    ids=repr,
)
def test_an_incomplete_entry_is_never_a_hit(changes: dict[str, Any]) -> None:
    entry = _entry(**changes)
    assert not is_usable("AccessToken", entry)
    cache = SerializableTokenCache()
    cache.deserialize(_state(entry))
    query = AccessTokenQuery(client_id="cid", environment=ENV, realm="t", scopes=(SCOPE,))
    assert cache.find_access_token(query, NOW) is None
    probes = AccessTokenProbes(client_id="cid", environment=ENV, realm="t")
    assert cache.find_access_token_for(probes, [SCOPE], NOW) is None
    assert list(cache.search("AccessToken", now=NOW)) == []
    app, _ = _app(cache)
    assert app.acquire_token_for_client([SCOPE])["token_source"] == "identity_provider"


def test_the_usable_entry_beside_a_bad_one_is_still_a_hit() -> None:
    good = app_token("api://good/.default", client="cid", realm="t")
    good_entry = good.to_entry()
    good_entry["expires_on"] = str(NOW + 86400 * 365 * 50)
    state = json.loads(_state(_entry(expires_on="9" * 400)))
    state["AccessToken"][good.key] = good_entry
    cache = SerializableTokenCache()
    cache.deserialize(json.dumps(state))
    app, _ = _app(cache)
    hit = app.acquire_token_for_client(["api://good/.default"])
    assert hit["token_source"] == "cache"
    assert hit["access_token"] == "s"


ODD_ENTRIES: dict[str, dict[str, Any]] = {
    "AccessToken": {
        "no-secret": {"credential_type": "AccessToken", "environment": ENV, "client_id": "c"},
        "huge-expiry": {**app_token().to_entry(), "expires_on": "9" * 400, "x_net": [1]},
        "negative": {**app_token("api://n/.default").to_entry(), "expires_on": "-100"},
    },
    "RefreshToken": {"no-env": {"secret": "rt", "client_id": "c", "home_account_id": "u.t"}},
    "IdToken": {"typed": {"secret": 1, "environment": ENV, "client_id": "c", "realm": "t"}},
    "Account": {"partial": {"home_account_id": "u.t", "environment": ENV}},
    "AppMetadata": {"odd": {"client_id": ["c"], "environment": ENV}},
}


def test_odd_entries_round_trip_unchanged_through_us_and_msal() -> None:
    state = json.dumps(ODD_ENTRIES)
    ours = SerializableTokenCache()
    ours.deserialize(state)
    assert json.loads(ours.serialize()) == ODD_ENTRIES
    assert json.loads(ours.serialize(indent=4)) == ODD_ENTRIES
    theirs = msal.SerializableTokenCache()
    theirs.deserialize(ours.serialize())
    back = SerializableTokenCache()
    back.deserialize(theirs.serialize())
    assert back.snapshot() == ODD_ENTRIES


def test_odd_entries_survive_writes_sweeps_and_lookups() -> None:
    cache = SerializableTokenCache()
    cache.deserialize(json.dumps(ODD_ENTRIES))
    cache.add_access_token(app_token("api://new/.default", expires_in=10), now=NOW)
    cache.add_access_token(app_token("api://later/.default"), now=NOW + 3600)  # sweeps
    assert cache.find_refresh_tokens(RefreshTokenQuery("u.t", ENV)) == []
    assert cache.accounts(ENV) == []
    assert cache.app_metadata(ENV, "c") is None
    saved = json.loads(cache.serialize())
    for section, entries in ODD_ENTRIES.items():
        for key, entry in entries.items():
            assert saved[section][key] == entry
    assert "api://new/.default" not in json.dumps(saved)  # the real expired one was swept


def test_odd_entries_travel_with_their_partition() -> None:
    cache = SerializableTokenCache()
    cache.deserialize(json.dumps(ODD_ENTRIES))
    exported = json.loads(cache.export_partition(PartitionKey.app("c", "t")))
    assert exported["AccessToken"]["huge-expiry"] == ODD_ENTRIES["AccessToken"]["huge-expiry"]
    user = json.loads(cache.export_partition(PartitionKey.user("u.t")))
    assert user["Account"]["partial"] == ODD_ENTRIES["Account"]["partial"]
    again = SerializableTokenCache()
    again.import_partition(PartitionKey.app("c", "t"), json.dumps(exported))
    assert again.entries("AccessToken") == list(exported["AccessToken"].values())


def test_our_own_writes_stay_strict() -> None:
    cache = SerializableTokenCache()
    cache.add_access_token(app_token(), now=NOW)
    (entry,) = cache.search("AccessToken", now=NOW)
    with pytest.raises(ValueError, match="expires_on"):
        cache.modify("AccessToken", entry, {"expires_on": "9" * 400})


def test_loading_builds_no_index_and_hits_need_none() -> None:
    good = app_token(SCOPE, client="cid", realm="t")
    entry = {**good.to_entry(), "expires_on": str(NOW + 86400 * 365 * 50)}
    cache = SerializableTokenCache()
    cache.deserialize(json.dumps({"AccessToken": {good.key: entry}}))
    app, _ = _app(cache)
    assert app.acquire_token_for_client([SCOPE])["token_source"] == "cache"
    assert cache._built_index is None
    assert app.acquire_token_for_client(["api://y/.default"])["token_source"] != "cache"
    assert cache._built_index is not None
    assert app.acquire_token_for_client(["api://y/.default"])["token_source"] == "cache"


def test_text_only_the_standard_parser_reads_still_loads() -> None:
    state = '{"x_Other": {"k": NaN}, "AccessToken": {}}'
    cache = SerializableTokenCache()
    cache.deserialize(state)
    assert json.loads(cache.serialize(indent=4), parse_constant=str) == {
        "x_Other": {"k": "NaN"},
        "AccessToken": {},
    }


def test_enumerating_copes_with_another_sdks_entries_that_are_no_object() -> None:
    cache = SerializableTokenCache()
    cache.deserialize(json.dumps({"x_Other": {"k": [1, "two"], "n": 7}, "AccessToken": {}}))
    listed: list[Any] = list(cache)  # another SDK's section: any JSON value, not only objects
    assert ("x_Other", "k", [1, "two"]) in listed and ("x_Other", "n", 7) in listed
    copies: list[Any] = cache.entries("x_Other")
    assert copies == [[1, "two"], 7]
    copies[0].append("changed")  # a copy: the cache's own entry stays as it came
    assert json.loads(cache.serialize())["x_Other"] == {"k": [1, "two"], "n": 7}
