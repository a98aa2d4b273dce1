"""cache/serializable.py and cache/codec.py: round trips, MSAL's format both ways, bad input."""

from __future__ import annotations

import json
from typing import Any

import msal
import pytest
from hypothesis import given, settings

from entraclient import SerializableTokenCache
from entraclient.cache.token_cache import AccessTokenQuery

from .factories import NOW, app_token, cache_states, token_event, user_response


@settings(max_examples=150, deadline=None)
@given(cache_states)
def test_round_trip_keeps_every_section_and_field(state: dict[str, Any]) -> None:
    cache = SerializableTokenCache()
    cache.deserialize(json.dumps(state))
    assert json.loads(cache.serialize()) == state
    again = SerializableTokenCache()
    again.deserialize(cache.serialize(indent=4))
    assert again.snapshot() == state


@settings(max_examples=75, deadline=None)
@given(cache_states)
def test_msal_reads_what_we_write_and_we_read_what_msal_writes(state: dict[str, Any]) -> None:
    ours = SerializableTokenCache()
    ours.deserialize(json.dumps(state))
    theirs = msal.SerializableTokenCache()
    theirs.deserialize(ours.serialize())
    assert json.loads(theirs.serialize()) == state
    back = SerializableTokenCache()
    back.deserialize(theirs.serialize())
    assert back.snapshot() == state


def test_indent_4_is_byte_for_byte_what_msal_writes() -> None:
    event = token_event(
        client_id="cid", scope=["User.Read"], tenant="tid", response=user_response("u", "t")
    )
    ours, theirs = SerializableTokenCache(), msal.SerializableTokenCache()
    ours.add(event, now=NOW)
    theirs.add(event, now=NOW)
    assert ours.serialize(indent=4) == theirs.serialize()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"AccessToken": {"k": {"secret": "s"', "not valid JSON"),
        ("[1, 2]", "JSON object of sections"),
        ('{"AccessToken": []}', "section 'AccessToken' must be a JSON object"),
        ('{"AccessToken": {"k": "v"}}', "must be a JSON object"),
        ('{"RefreshToken": {"k": [1, 2]}}', "must be a JSON object"),
    ],
)  # fmt: skip
def test_bad_state_raises_and_leaves_the_cache_as_it_was(text: str, message: str) -> None:
    cache = SerializableTokenCache()
    cache.add_access_token(app_token(), now=NOW)
    cache.add_access_token(app_token("api://y/.default"), now=NOW)
    before = cache.snapshot()
    with pytest.raises(ValueError, match=message):
        cache.deserialize(text)
    assert cache.snapshot() == before
    assert cache.has_state_changed is True
    assert cache.find_access_token(_query("api://y/.default"), NOW) is not None


def _query(*scopes: str) -> AccessTokenQuery:
    return AccessTokenQuery(client_id="c", environment="login.microsoftonline.com", realm="t",
                            scopes=scopes)  # fmt: skip


def test_error_messages_never_show_secrets() -> None:
    with pytest.raises(ValueError) as raised:
        SerializableTokenCache().deserialize(json.dumps({"AccessToken": {"k": ["TOP-SECRET"]}}))
    assert "TOP-SECRET" not in str(raised.value)


def test_non_text_state_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="serialize"):
        SerializableTokenCache().deserialize({"AccessToken": {}})  # type: ignore[arg-type]


@pytest.mark.parametrize("empty", [None, "", "  \n"])
def test_empty_state_clears(empty: str | None) -> None:
    cache = SerializableTokenCache()
    cache.add_access_token(app_token(), now=NOW)
    cache.deserialize(empty)
    assert len(cache) == 0


def _state_changes(cache: Any) -> list[bool]:
    """The has_state_changed flag after each step of one sequence of MSAL-API calls."""
    event = token_event(
        client_id="cid", scope=["User.Read"], tenant="tid", response=user_response("u", "t")
    )
    seen = [cache.has_state_changed]
    cache.add(event, now=NOW)
    seen.append(cache.has_state_changed)
    cache.serialize()
    seen.append(cache.has_state_changed)
    list(cache.search("AccessToken", query={"client_id": "cid"}, now=NOW))
    seen.append(cache.has_state_changed)
    list(cache.search("AccessToken", query={"client_id": "cid"}, now=NOW + 10**6))  # expired
    seen.append(cache.has_state_changed)
    cache.deserialize(cache.serialize())
    seen.append(cache.has_state_changed)
    (rt,) = cache.search("RefreshToken", query={"client_id": "cid"})
    cache.update_rt(rt, "new-secret")
    seen.append(cache.has_state_changed)
    return seen


def test_has_state_changed_behaves_as_in_msal() -> None:
    assert _state_changes(SerializableTokenCache()) == _state_changes(msal.SerializableTokenCache())
