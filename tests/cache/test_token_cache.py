"""cache/token_cache.py: look-ups by partition and scope, expiry, removal."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from entraclient.cache.schema import access_token_key
from entraclient.cache.token_cache import AccessTokenProbes, AccessTokenQuery, TokenCache
from tests.cache.factories import NOW, app_token

_record = app_token  # the shared factory: a token of app c in tenant t


def _query(
    *scopes: str, client: str = "c", realm: str = "t", ext: str | None = None
) -> AccessTokenQuery:
    return AccessTokenQuery(
        client_id=client, environment="login.microsoftonline.com", realm=realm,
        scopes=scopes, ext_cache_key=ext,
    )  # fmt: skip


def test_exact_and_subset_hits() -> None:
    cache = TokenCache()
    cache.add_access_token(_record("a b c", secret="abc"))
    assert cache.find_access_token(_query("a", "b", "c"), NOW)["secret"] == "abc"  # type: ignore[index]
    assert cache.find_access_token(_query("B"), NOW)["secret"] == "abc"  # type: ignore[index]
    assert cache.find_access_token(_query("a", "d"), NOW) is None


def test_partitions_do_not_leak() -> None:
    cache = TokenCache()
    cache.add_access_token(_record("a", client="c1", secret="one"))
    cache.add_access_token(_record("a", client="c2", secret="two"))
    cache.add_access_token(_record("a", realm="other", secret="three"))
    cache.add_access_token(_record("a", ext="k", secret="four"))
    assert cache.find_access_token(_query("a", client="c2"), NOW)["secret"] == "two"  # type: ignore[index]
    assert cache.find_access_token(_query("a", realm="other"), NOW)["secret"] == "three"  # type: ignore[index]
    assert cache.find_access_token(_query("a", ext="k"), NOW)["secret"] == "four"  # type: ignore[index]
    assert cache.find_access_token(_query("a", client="c3"), NOW) is None


def test_same_key_replaces() -> None:
    cache = TokenCache()
    cache.add_access_token(_record("a", secret="old"))
    cache.add_access_token(_record("a", secret="new"))
    assert len(cache.entries("AccessToken")) == 1
    assert cache.find_access_token(_query("a"), NOW)["secret"] == "new"  # type: ignore[index]


def test_expired_tokens_are_dropped_when_met_and_near_expiry_ones_skipped() -> None:
    cache = TokenCache()
    cache.add_access_token(_record("a", expires_in=100))
    assert cache.find_access_token(_query("a"), NOW) is None  # within the 300 s margin
    assert len(cache.entries("AccessToken")) == 1
    assert cache.find_access_token(_query("a"), NOW + 101) is None
    assert cache.entries("AccessToken") == []


def test_remove_access_tokens_keeps_other_clients_and_ext_tokens() -> None:
    cache = TokenCache()
    cache.add_access_token(_record("a", client="c1"))
    cache.add_access_token(_record("b", client="c1"))
    cache.add_access_token(_record("a", client="c1", ext="k"))
    cache.add_access_token(_record("a", client="c2"))
    cache.add_access_token(_record("a", client="c1", env="login.microsoftonline.us"))
    removed = cache.remove_access_tokens(client_id="c1", environments=["login.microsoftonline.com"])
    assert removed == 2
    assert {
        (e["client_id"], e["environment"], e.get("ext_cache_key"))
        for e in cache.entries("AccessToken")
    } == {
        ("c1", "login.microsoftonline.com", "k"),
        ("c2", "login.microsoftonline.com", None),
        ("c1", "login.microsoftonline.us", None),
    }


operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "find"]),
        st.sampled_from(["c1", "c2"]),
        st.sets(st.sampled_from(["a", "b", "c"]), min_size=1),
        st.integers(min_value=-100, max_value=5000),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_index_agrees_with_a_linear_scan(ops: list[tuple[str, str, set[str], int]]) -> None:
    cache = TokenCache()
    for op, client, scopes, lifetime in ops:
        if op == "add":
            cache.add_access_token(
                _record(" ".join(sorted(scopes)), client=client, expires_in=lifetime)
            )
        elif op == "remove":
            cache.remove_access_tokens(client_id=client, environments=["login.microsoftonline.com"])
        else:
            expected = [
                e for e in cache.entries("AccessToken")
                if e["client_id"] == client and scopes <= set(e["target"].split())
                and int(e["expires_on"]) - NOW >= 300
            ]  # fmt: skip
            found = cache.find_access_token(_query(*scopes, client=client), NOW)
            assert (found is None) == (not expected)
            if found is not None:
                assert found in expected


_part = st.text(alphabet="abcXYZ019-._:/ΣσςΑ", min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), _part), _part, _part, _part, st.one_of(st.none(), _part),
    st.lists(_part, min_size=1, max_size=3, unique=True),
)  # fmt: skip
def test_prepared_probe_keys_are_the_keys_entries_are_filed_under(
    home: str | None, env: str, client: str, realm: str, ext: str | None, scopes: list[str]
) -> None:
    probes = AccessTokenProbes(client_id=client, environment=env, realm=realm,
                               home_account_id=home, ext_cache_key=ext)  # fmt: skip
    expected = access_token_key(home_account_id=home, environment=env, client_id=client,
                                realm=realm, target=" ".join(sorted(scopes)), ext_cache_key=ext)  # fmt: skip
    assert probes.probe(scopes).key == expected


def test_entries_are_shared_strings_and_hits_need_no_lock() -> None:
    cache = TokenCache()
    cache.add_access_token(_record("a", secret="abc"))
    probes = AccessTokenProbes(client_id="c", environment="login.microsoftonline.com", realm="t")
    with cache._lock:  # a reader in another thread is not blocked by a writer's lock
        found = _run_in_thread(lambda: cache.find_access_token_for(probes, ["a"], NOW))
    assert found is not None and found["secret"] == "abc"
    assert cache.find_access_token_for(probes, ["A"], NOW)["secret"] == "abc"  # type: ignore[index]
    assert cache.find_access_token_for(probes, ["b"], NOW) is None


def _run_in_thread(work: Any) -> Any:
    import threading

    box: list[Any] = []
    thread = threading.Thread(target=lambda: box.append(work()))
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    return box[0]
