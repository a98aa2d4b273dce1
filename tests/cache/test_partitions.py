"""cache/partitions.py and the partition API: which entry goes where, export/import one at a
time, changed-partition tracking, and the on-behalf-of partition by assertion hash."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from entraclient import SerializableTokenCache, TokenCache
from entraclient.cache.partitions import PartitionKey, partition_of
from entraclient.cache.records import CacheWrite, RefreshTokenRecord, user_assertion_hash
from entraclient.cache.token_cache import AccessTokenQuery, RefreshTokenQuery

from .factories import ENV, NOW, app_token, user_write


def filled() -> TokenCache:
    cache = TokenCache()
    cache.add_access_token(app_token(client="C1", realm="T1"), now=NOW)
    cache.add_access_token(app_token("api://y/.default", client="c1", realm="t1"), now=NOW)
    cache.add_access_token(app_token(client="c1", realm="t2"), now=NOW)
    cache.save(user_write("u1.t1"), NOW)
    cache.save(user_write("u2.t1", client="c2"), NOW)
    obo = app_token("api://down/.default", home="u1.t1", assertion_hash="h1")
    cache.save(CacheWrite(access_token=obo), NOW)
    return cache


def test_entries_go_to_the_partition_design_names() -> None:
    assert sorted(map(str, filled().partition_keys())) == [
        "app:c1:t1", "app:c1:t2", "obo:h1", "shared", "user:u1.t1", "user:u2.t1",
    ]  # fmt: skip
    sections = filled().partition_sections(PartitionKey.user("U1.T1"))
    assert sorted(sections) == ["AccessToken", "Account", "IdToken", "RefreshToken"]
    assert sorted(filled().partition_sections(PartitionKey.shared())) == ["AppMetadata"]
    assert len(filled().partition_sections(PartitionKey.app("c1", "t1"))["AccessToken"]) == 2


def test_partition_of_rules() -> None:
    assert partition_of("AccessToken", {"home_account_id": None, "client_id": "C", "realm": "R"}) \
        == PartitionKey.app("c", "r")  # fmt: skip
    assert partition_of("RefreshToken", {"home_account_id": "h", "user_assertion_hash": "x"}) \
        == PartitionKey.obo("x")  # fmt: skip
    assert partition_of("Account", {"home_account_id": "h", "user_assertion_hash": "x"}) \
        == PartitionKey.user("h")  # fmt: skip
    assert partition_of("x_Unknown", {"home_account_id": "h"}) == PartitionKey.shared()


@pytest.mark.parametrize(
    "key",
    [PartitionKey.app("c", "t"), PartitionKey.obo("AbC-_"), PartitionKey.user("u.t"),
     PartitionKey.shared()],
)  # fmt: skip
def test_partition_names_parse_back(key: PartitionKey) -> None:
    assert PartitionKey.parse(str(key)) == key


@pytest.mark.parametrize("text", ["", "app:c", "user:", "nope:x", "obo"])
def test_bad_partition_names_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="partition name"):
        PartitionKey.parse(text)


def test_a_store_of_one_blob_per_partition_restores_the_cache() -> None:
    cache = filled()
    store = {str(key): cache.export_partition(key) for key in cache.partition_keys()}
    restored = TokenCache()
    for name, blob in store.items():
        restored.import_partition(PartitionKey.parse(name), blob)
    assert restored.snapshot() == cache.snapshot()
    query = AccessTokenQuery("c1", ENV, "t1", ("api://y/.default",))
    assert restored.find_access_token(query, NOW) is not None


def test_import_replaces_only_its_partition() -> None:
    cache = filled()
    user = PartitionKey.user("u1.t1")
    blob = cache.export_partition(user)
    cache.remove_account_credentials(
        home_account_id="u1.t1", environment=ENV, client_id="c", family_id=None
    )
    cache.save(user_write("u2.t1", client="c2", target="Other"), NOW)
    before_other = cache.partition_sections(PartitionKey.user("u2.t1"))
    cache.import_partition(user, blob)
    assert cache.partition_sections(user) == filled().partition_sections(user)
    assert cache.partition_sections(PartitionKey.user("u2.t1")) == before_other


@pytest.mark.parametrize(
    ("blob", "message"),
    [("{", "not valid JSON"),
     (json.dumps({"AccessToken": {"k": app_token(client="zz").to_entry()}}), "belongs to partition")],
)  # fmt: skip
def test_a_bad_import_changes_nothing(blob: str, message: str) -> None:
    cache = filled()
    before = cache.snapshot()
    with pytest.raises(ValueError, match=message):
        cache.import_partition(PartitionKey.app("c1", "t1"), blob)
    assert cache.snapshot() == before


def test_changed_partitions_tell_a_store_what_to_write() -> None:
    cache = SerializableTokenCache()
    cache.deserialize(filled_state())
    assert cache.changed_partitions() == frozenset()
    cache.add_access_token(app_token("api://new/.default", client="c1", realm="t1"), now=NOW)
    assert cache.changed_partitions() == {PartitionKey.app("c1", "t1")}
    cache.export_partition(PartitionKey.app("c1", "t1"))
    assert cache.changed_partitions() == frozenset()
    cache.remove_account_credentials(
        home_account_id="u2.t1", environment=ENV, client_id="c2", family_id=None
    )
    assert cache.changed_partitions() == {PartitionKey.user("u2.t1")}


def filled_state() -> str:
    cache = SerializableTokenCache()
    cache.deserialize(json.dumps(filled().snapshot()))
    return cache.serialize()


def test_user_assertion_hash_is_msal_dotnets() -> None:
    digest = hashlib.sha256(b"incoming.jwt.value").digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert user_assertion_hash("incoming.jwt.value") == expected
    assert "=" not in expected and "+" not in expected


def test_on_behalf_of_tokens_are_found_by_assertion_hash() -> None:
    cache = filled()
    hashed = user_assertion_hash("incoming")
    at = app_token("api://down/.default", home="u9.t1", assertion_hash=hashed)
    rt = RefreshTokenRecord("obo-rt", "u9.t1", ENV, "c", "api://down/.default", NOW,
                            user_assertion_hash=hashed)  # fmt: skip
    cache.save(CacheWrite(access_token=at, refresh_token=rt), NOW)
    query = AccessTokenQuery("c", ENV, "t", ("api://down/.default",), home_account_id="u9.t1",
                             user_assertion_hash=hashed)  # fmt: skip
    assert cache.find_access_token(query, NOW)["secret"] == "s"  # type: ignore[index]
    other = AccessTokenQuery("c", ENV, "t", ("api://down/.default",), home_account_id="u9.t1",
                             user_assertion_hash=user_assertion_hash("another"))  # fmt: skip
    assert cache.find_access_token(other, NOW) is None
    found = cache.find_refresh_tokens(RefreshTokenQuery("", ENV, user_assertion_hash=hashed))
    assert [r["secret"] for r in found] == ["obo-rt"]
    assert sorted(cache.partition_sections(PartitionKey.obo(hashed))) == [
        "AccessToken", "RefreshToken"
    ]  # fmt: skip
