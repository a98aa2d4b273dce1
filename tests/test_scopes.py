"""scopes.py: validation, wire form, decoration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entraclient.scopes import decorate, validate_scopes, wire_scope


def test_string_instead_of_list_says_what_to_do() -> None:
    with pytest.raises(ValueError, match=r"\['api://x/.default'\]"):
        validate_scopes("api://x/.default")


@pytest.mark.parametrize("bad", [[], [""], ["a b"], [" "]])
def test_empty_or_whitespace_scopes_are_refused(bad: list[str]) -> None:
    with pytest.raises(ValueError):
        validate_scopes(bad)


def test_non_string_items_are_refused() -> None:
    with pytest.raises(TypeError):
        validate_scopes([1])
    with pytest.raises(TypeError):
        validate_scopes(None)


def test_wire_form_is_sorted_by_code_point() -> None:
    assert wire_scope(["b", "B", "a"]) == "B a b"


def test_decoration_adds_reserved_minus_excluded() -> None:
    assert decorate(["User.Read"]) == ["User.Read", "offline_access", "openid", "profile"]
    assert decorate(["User.Read"], ["offline_access"]) == ["User.Read", "openid", "profile"]
    with pytest.raises(ValueError, match="added for you"):
        decorate(["openid"])


@given(st.lists(st.text(alphabet="abcXYZ/.:-", min_size=1, max_size=8), min_size=1))
def test_wire_scope_round_trips_as_a_set(scopes: list[str]) -> None:
    assert set(wire_scope(scopes).split(" ")) == set(scopes)
