"""cache/indexes.py: the indexes stay exactly what a rebuild from the entries would give, and
every indexed look-up agrees with a linear scan, under random sequences of operations."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from entraclient import SerializableTokenCache
from entraclient.cache.indexes import CacheIndex, ExpiryWheel, ScopeIndex
from entraclient.cache.partitions import partition_of
from entraclient.cache.records import CacheWrite
from entraclient.cache.store import index_of
from entraclient.cache.token_cache import AccessTokenQuery, RefreshTokenQuery

from .factories import NOW, app_token, user_write

HOMES = ["u1.t1", "u2.t1", "U3.T2"]
CLIENTS = ["c1", "c2"]
ENVS = ["login.microsoftonline.com", "login.windows.net"]
TARGETS = ["A", "B", "a b", "B C", "openid c", "D"]
REALMS = ["t", "t2"]
LIFETIMES = st.sampled_from([-100, 0, 150, 299, 301, 1000, 4000])


def _bucket_shape(bucket: ScopeIndex) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    by_scope = {
        scope: frozenset([holders] if isinstance(holders, str) else holders)
        for scope, holders in bucket.by_scope.items()
    }
    return frozenset(bucket.keys), by_scope


def describe(index: CacheIndex) -> dict[str, Any]:
    """Everything an index holds except the expiry wheel, as comparable values."""
    return {
        "buckets": {k: _bucket_shape(b) for k, b in index.buckets.items()},
        "by_owner": index.buckets_by_owner,
        "by_partition": index.buckets_by_partition,
        "owned": {s: dict(k._sets) for s, k in index.owned.items()},
        "accounts": dict(index.accounts_by_environment._sets),
        "rt_by_assertion": dict(index.refresh_tokens_by_assertion._sets),
        "members": index.members,
    }


def wheel_keys(wheel: ExpiryWheel) -> set[str]:
    return {key for keys in wheel._slots.values() for key in keys}


class CacheMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.cache = SerializableTokenCache(clock=lambda: self.now)
        self.now = float(NOW)

    # -- writes ----------------------------------------------------------------------------

    @initialize(
        app_tokens=st.lists(
            st.tuples(st.sampled_from(CLIENTS), st.sampled_from(REALMS),
                      st.sampled_from(TARGETS), LIFETIMES),
            min_size=2, max_size=8,
        ),
        users=st.lists(
            st.tuples(st.sampled_from(HOMES), st.sampled_from(CLIENTS), st.sampled_from(ENVS),
                      st.sampled_from(TARGETS), LIFETIMES),
            min_size=1, max_size=6,
        ),
    )  # fmt: skip
    def seed(self, app_tokens: list[tuple[str, str, str, int]],
             users: list[tuple[str, str, str, str, int]]) -> None:  # fmt: skip
        for client, realm, target_scopes, lifetime in app_tokens:
            self.save_app_token(client, realm, target_scopes, lifetime, None)
        for home, client, env, target_scopes, lifetime in users:
            self.save_user_tokens(home, client, env, target_scopes, None, lifetime)

    @rule(
        home=st.sampled_from(HOMES),
        client=st.sampled_from(CLIENTS),
        env=st.sampled_from(ENVS),
        target_scopes=st.sampled_from(TARGETS),
        family=st.sampled_from([None, "1"]),
        lifetime=LIFETIMES,
    )
    def save_user_tokens(self, home: str, client: str, env: str, target_scopes: str,
                         family: str | None, lifetime: int) -> None:  # fmt: skip
        write = user_write(
            home, client=client, env=env, target=target_scopes, family=family,
            at_expires_in=int(self.now) - NOW + lifetime, rt=f"rt-{home}-{client}-{target_scopes}",
            modified=int(self.now),
        )  # fmt: skip
        self.cache.save(write, self.now)

    @rule(
        client=st.sampled_from(CLIENTS),
        realm=st.sampled_from(REALMS),
        target_scopes=st.sampled_from(TARGETS),
        lifetime=LIFETIMES,
        assertion=st.sampled_from([None, "h1", "h2"]),
    )
    def save_app_token(self, client: str, realm: str, target_scopes: str, lifetime: int,
                       assertion: str | None) -> None:  # fmt: skip
        home = "u1.t1" if assertion else None
        record = app_token(
            target_scopes, client=client, realm=realm, expires_in=int(self.now) - NOW + lifetime,
            home=home, assertion_hash=assertion,
        )  # fmt: skip
        self.cache.save(CacheWrite(access_token=record), self.now)

    @rule(seconds=st.sampled_from([1, 60, 200, 1000, 5000]))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds

    @rule(home=st.sampled_from(HOMES), env=st.sampled_from(ENVS), client=st.sampled_from(CLIENTS))
    def forget_account(self, home: str, env: str, client: str) -> None:
        self.cache.remove_account_credentials(
            home_account_id=home, environment=env, client_id=client, family_id="1"
        )

    @rule(client=st.sampled_from(CLIENTS))
    def remove_app_tokens(self, client: str) -> None:
        self.cache.remove_access_tokens(client_id=client, environments=ENVS)

    @rule(data=st.data())
    def msal_api_edit(self, data: st.DataObject) -> None:
        section = data.draw(st.sampled_from(["AccessToken", "RefreshToken", "IdToken", "Account"]))
        entries = self.cache.entries(section)
        if not entries:
            return
        entry = data.draw(st.sampled_from(entries))
        if section == "RefreshToken" and data.draw(st.booleans()):
            self.cache.update_rt(entry, "rotated")
        elif data.draw(st.booleans()):
            self.cache.modify(section, entry, {"x_note": "edited"})
        else:
            self.cache.modify(section, entry)

    @rule(data=st.data())
    def reload_one_partition(self, data: st.DataObject) -> None:
        keys = self.cache.partition_keys()
        if keys:
            partition = data.draw(st.sampled_from(keys))
            self.cache.import_partition(partition, self.cache.export_partition(partition))

    @rule()
    def reload_everything(self) -> None:
        self.cache.deserialize(self.cache.serialize())

    # -- reads against a linear scan -------------------------------------------------------

    @rule(data=st.data())
    def find_access_token(self, data: st.DataObject) -> None:
        existing = [
            e for e in self.cache.entries("AccessToken")
            if e["environment"] == ENVS[0] and not e.get("user_assertion_hash")
        ]  # fmt: skip
        if existing and data.draw(st.booleans()):  # type: ignore[arg-type]
            aimed = data.draw(st.sampled_from(existing))
            home, client, realm = aimed["home_account_id"], aimed["client_id"], aimed["realm"]
            own = aimed["target"].split()
            scopes = set(data.draw(st.lists(st.sampled_from(own), min_size=1, unique=True)))
            scopes |= data.draw(st.sets(st.sampled_from(["a", "B", "c", "d"]), max_size=1))
        else:
            home = data.draw(st.sampled_from([None, *HOMES]))
            client = data.draw(st.sampled_from(CLIENTS))
            realm = data.draw(st.sampled_from(REALMS))
            scopes = data.draw(st.sets(st.sampled_from(["a", "B", "c", "d"]), min_size=1))
        self._check_find(home, client, realm, scopes)

    def _check_find(self, home: str | None, client: str, realm: str, scopes: set[str]) -> None:
        wanted = {s.lower() for s in scopes}
        expected = [
            e for e in self.cache.entries("AccessToken")
            if (e["home_account_id"] or "").lower() == (home or "").lower()
            and e["client_id"] == client and e["realm"] == realm
            and e["environment"] == ENVS[0] and not e.get("user_assertion_hash")
            and wanted <= set(e["target"].lower().split())
            and int(e["expires_on"]) - self.now >= 300
        ]  # fmt: skip
        query = AccessTokenQuery(client, ENVS[0], realm, tuple(scopes), home_account_id=home)
        found = self.cache.find_access_token(query, self.now)
        assert (found is None) == (not expected)
        assert found is None or dict(found) in expected

    @rule(home=st.sampled_from(HOMES), env=st.sampled_from(ENVS))
    def find_refresh_tokens(self, home: str, env: str) -> None:
        expected = [
            e for e in self.cache.entries("RefreshToken")
            if e["home_account_id"].lower() == home.lower() and e["environment"] == env
        ]  # fmt: skip
        found = self.cache.find_refresh_tokens(RefreshTokenQuery(home, env))
        assert sorted(map(json.dumps, map(dict, found))) == sorted(map(json.dumps, expected))

    @rule(env=st.sampled_from(ENVS))
    def accounts(self, env: str) -> None:
        expected = [e for e in self.cache.entries("Account") if e["environment"] == env]
        found = [dict(a) for a in self.cache.accounts(env)]
        assert sorted(map(json.dumps, found)) == sorted(map(json.dumps, expected))

    @rule(home=st.sampled_from(HOMES), env=st.sampled_from(ENVS))
    def msal_search(self, home: str, env: str) -> None:
        query = {"home_account_id": home, "environment": env}
        for section in ("RefreshToken", "IdToken", "Account"):
            expected = [
                e for e in self.cache.entries(section)
                if e["home_account_id"] == home and e["environment"] == env
            ]  # fmt: skip
            found = list(self.cache.search(section, query=query))
            assert sorted(map(json.dumps, found)) == sorted(map(json.dumps, expected))

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def index_equals_a_rebuild(self) -> None:
        assert describe(self.cache._index) == describe(index_of(self.cache.snapshot()))

    @invariant()
    def every_access_token_is_on_the_expiry_wheel(self) -> None:
        live = set(self.cache.snapshot().get("AccessToken", {}))
        assert live <= wheel_keys(self.cache._index.expiry)

    @invariant()
    def partitions_cover_every_entry_once(self) -> None:
        seen: list[tuple[str, str]] = []
        snapshot = self.cache.snapshot()
        for partition in self.cache.partition_keys():
            for section, entries in self.cache.partition_sections(partition).items():
                for key, entry in entries.items():
                    assert partition_of(section, entry) == partition
                    seen.append((section, key))
        assert sorted(seen) == sorted((s, k) for s, es in snapshot.items() for k in es)


CacheMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=50, deadline=None)
test_cache_indexes = CacheMachine.TestCase
