"""cache/msal_api.py: MSAL Python's TokenCache methods behave as in msal.TokenCache 1.39
(differential tests: the same calls on both caches leave the same state)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import msal
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entraclient import SerializableTokenCache, TokenCache
from entraclient.cache.schema import entry_key

from .factories import (
    NOW,
    access_token_entries,
    account_entries,
    app_metadata_entries,
    id_token_entries,
    refresh_token_entries,
    token_event,
    unsigned_jwt,
    user_response,
)

APP_RESPONSE = {"token_type": "Bearer", "expires_in": 3599, "access_token": "app-at"}

EVENTS: dict[str, dict[str, Any]] = {
    "auth code": token_event(
        client_id="cid", scope=["User.Read", "openid", "profile"], tenant="tid",
        response=user_response("u1", "t1", scope="User.Read openid profile"),
    ),
    "client credentials": token_event(
        client_id="cid", scope=["api://x/.default"], tenant="tid", response=APP_RESPONSE,
        grant_type="client_credentials",
    ),
    "fmi path": token_event(
        client_id="cid", scope=["api://y/.default"], tenant="tid", response=APP_RESPONSE,
        grant_type="client_credentials", data={"fmi_path": "A/B"},
    ),
    "ssh cert key id": token_event(
        client_id="cid", scope=["api://z/.default"], tenant="tid", response=APP_RESPONSE,
        grant_type="client_credentials", data={"key_id": "k1", "token_type": "ssh-cert"},
    ),
    "foci refresh": token_event(
        client_id="cid2", scope=["Mail.Read"], tenant="tid", grant_type="refresh_token",
        response=user_response("u1", "t1", scope="Mail.Read", foci="1"),
        skip_account_creation=True,
    ),
    "adfs": token_event(
        client_id="cid", scope=["openid"], tenant="adfs", env="fs.contoso.com",
        response={"access_token": "a", "expires_in": "3600", "refresh_token": "r",
                  "id_token": unsigned_jwt({"sub": "adfs-sub", "upn": "bob@contoso.com"})},
    ),
    "password": token_event(
        client_id="cid", scope=["User.Read"], tenant="tid", grant_type="password",
        response={**user_response("u2", "t1"), "id_token": unsigned_jwt({"sub": "s2"})},
        data={"username": "carol@contoso.com", "password": "pw"},
    ),
    "obo (msal shape)": token_event(
        client_id="cid", scope=["api://down/read"], tenant="tid",
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        response=user_response("u3", "t1", scope="api://down/read", expires_in=1800),
    ),
    "refresh_in": token_event(
        client_id="cid", scope=["api://w/.default"], tenant="tid",
        response={**APP_RESPONSE, "refresh_in": 1800}, grant_type="client_credentials",
    ),
}  # fmt: skip


def both(*events: dict[str, Any]) -> tuple[SerializableTokenCache, msal.SerializableTokenCache]:
    ours, theirs = SerializableTokenCache(), msal.SerializableTokenCache()
    for event in events:
        ours.add(event, now=NOW)
        theirs.add(event, now=NOW)
    return ours, theirs


def state(cache: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(cache.serialize())
    return loaded


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_add_stores_what_msal_stores(name: str) -> None:
    ours, theirs = both(EVENTS[name])
    assert state(ours) == state(theirs)


def test_all_events_together_and_searches_agree() -> None:
    ours, theirs = both(*EVENTS.values())
    assert state(ours) == state(theirs)
    queries: list[tuple[str, list[str] | None, dict[str, Any] | None]] = [
        ("AccessToken", ["User.Read"], {"client_id": "cid", "home_account_id": "u1.t1",
                                        "environment": "LOGIN.microsoftonline.com",
                                        "realm": "tid"}),
        ("AccessToken", None, {"home_account_id": None, "environment": "login.microsoftonline.com"}),
        ("AccessToken", ["api://y/.default"], {"client_id": "cid", "ext_cache_key": "x"}),
        ("RefreshToken", None, {"home_account_id": "u1.t1", "environment": "login.microsoftonline.com",
                                "family_id": "1"}),
        ("RefreshToken", None, {"client_id": "cid"}),
        ("IdToken", None, {"home_account_id": "adfs-sub", "environment": "fs.contoso.com"}),
        ("Account", None, {"environment": "login.microsoftonline.com"}),
        ("Account", None, None),
        ("AppMetadata", None, {"client_id": "cid2"}),
    ]  # fmt: skip
    for section, target, query in queries:
        found = list(ours.search(section, target=target, query=query, now=NOW))
        expected = list(theirs.search(section, target=target, query=query, now=NOW))
        key = json.dumps
        assert sorted(map(key, found)) == sorted(map(key, expected)), (section, query)


def test_search_drops_expired_access_tokens_like_msal() -> None:
    ours, theirs = both(*EVENTS.values())
    later = NOW + 2000  # the OBO token (1800 s) has expired, the others not
    query = {"client_id": "cid"}
    assert len(list(ours.search("AccessToken", query=query, now=later))) == len(
        list(theirs.search("AccessToken", query=query, now=later))
    )
    assert state(ours) == state(theirs)


def test_find_is_a_deprecated_list_of_search() -> None:
    ours, _ = both(EVENTS["auth code"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = ours.find("Account", query={"environment": "login.microsoftonline.com"})
    assert [w.category for w in caught] == [DeprecationWarning]
    assert found == list(ours.search("Account", query={"environment": "login.microsoftonline.com"}))


def test_modify_and_remove_methods_match_msal() -> None:
    ours, theirs = both(*EVENTS.values())
    for cache in (ours, theirs):
        (at,) = cache.search("AccessToken", target=["Mail.Read"], query={"client_id": "cid2"})
        cache.remove_at(at)
        (idt,) = cache.search("IdToken", query={"home_account_id": "u2.t1"})
        cache.remove_idt(idt)
        (account,) = cache.search("Account", query={"home_account_id": "u2.t1"})
        cache.remove_account(account)
        (rt,) = cache.search("RefreshToken", query={"home_account_id": "u3.t1"})
        cache.remove_rt(rt)
        (meta,) = cache.search("AppMetadata", query={"client_id": "cid2"})
        cache.modify("AppMetadata", meta, {"family_id": None, "x_extra": [1, 2]})
    assert state(ours) == state(theirs)


def test_update_rt_rotates_in_place_like_msal() -> None:
    ours, theirs = both(EVENTS["auth code"])
    for cache in (ours, theirs):
        (rt,) = cache.search("RefreshToken", query={"client_id": "cid"})
        cache.update_rt(rt, "rotated")
    mine, msals = state(ours)["RefreshToken"], state(theirs)["RefreshToken"]
    assert mine.keys() == msals.keys()
    for key, entry in mine.items():
        assert entry["secret"] == "rotated"
        assert abs(int(entry.pop("last_modification_time")) - int(
            msals[key].pop("last_modification_time"))) <= 2  # fmt: skip
        assert entry == msals[key]


def test_constants_are_msals() -> None:
    for name in ("ACCESS_TOKEN", "ACCESS_TOKEN_EXTENDED", "REFRESH_TOKEN", "ACCOUNT", "ID_TOKEN",
                 "APP_METADATA"):  # fmt: skip
        assert getattr(TokenCache.CredentialType, name) == getattr(
            msal.TokenCache.CredentialType, name
        )
    assert TokenCache.AuthorityType.ADFS == msal.TokenCache.AuthorityType.ADFS
    assert TokenCache.AuthorityType.MSSTS == msal.TokenCache.AuthorityType.MSSTS


SECTION_ENTRIES = st.one_of(
    st.tuples(st.just("AccessToken"), access_token_entries),
    st.tuples(st.just("RefreshToken"), refresh_token_entries),
    st.tuples(st.just("IdToken"), id_token_entries),
    st.tuples(st.just("Account"), account_entries),
    st.tuples(st.just("AppMetadata"), app_metadata_entries),
)


@settings(max_examples=200, deadline=None)
@given(SECTION_ENTRIES)
def test_entry_keys_are_msals(section_entry: tuple[str, dict[str, Any]]) -> None:
    section, entry = section_entry
    assert entry_key(section, entry) == msal.TokenCache().key_makers[section](**entry)


def test_overlapping_access_tokens_are_replaced_unlike_msal() -> None:
    """A deliberate difference (MSAL .NET's rule): a new token evicts the tokens of its bucket
    that share a resource scope, so a refreshing cache does not grow."""
    wide = token_event(client_id="cid", scope=["A", "B"], tenant="tid",
                       response=user_response("u", "t", scope="A B"))  # fmt: skip
    narrow = token_event(client_id="cid", scope=["A"], tenant="tid",
                         response=user_response("u", "t", scope="A openid"))  # fmt: skip
    ours, theirs = both(wide, narrow)
    assert [e["target"] for e in ours.search("AccessToken")] == ["A"]
    assert len(list(theirs.search("AccessToken"))) == 2


@pytest.mark.parametrize(
    ("method", "item"),
    [("remove_rt", {"credential_type": "AccessToken"}), ("remove_at", {}),
     ("remove_idt", {"credential_type": "Account"}), ("remove_account", {"realm": "r"}),
     ("update_rt", {"credential_type": "IdToken"})],
)  # fmt: skip
def test_wrong_entry_kinds_are_refused(method: str, item: dict[str, Any]) -> None:
    cache = TokenCache()
    arguments = (item, "x") if method == "update_rt" else (item,)
    with pytest.raises(ValueError, match=method):
        getattr(cache, method)(*arguments)


def test_modify_refuses_to_write_a_malformed_entry() -> None:
    ours, _ = both(EVENTS["client credentials"])
    (at,) = ours.search("AccessToken")
    with pytest.raises(ValueError, match="expires_on"):
        ours.modify("AccessToken", at, {"expires_on": "tomorrow"})
    assert list(ours.search("AccessToken")) == [at]
