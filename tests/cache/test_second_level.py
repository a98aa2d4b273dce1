"""cache/second_level.py: the in-memory cache in front of a store, one partition at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from entraclient import SerializableTokenCache, TokenCache
from entraclient.cache.partitions import PartitionKey
from entraclient.cache.records import CacheWrite
from entraclient.cache.schema import Entry
from entraclient.cache.stores.contract import EntryChange, StoreUnavailable
from entraclient.cache.stores.files import FileStore
from entraclient.cache.token_cache import AccessTokenQuery, RefreshTokenQuery

from .factories import ENV, NOW, app_token, user_write

APP = PartitionKey.app("c", "t")


def query(target: str = "api://x/.default", **fields: str) -> AccessTokenQuery:
    return AccessTokenQuery(client_id="c", environment=ENV, realm="t", scopes=(target,), **fields)


class CountingStore:
    """A store in memory that counts what the cache asks of it and can be made to fail."""

    def __init__(self) -> None:
        self.partitions: dict[PartitionKey, dict[tuple[str, str], Entry]] = {}
        self.loads: list[PartitionKey] = []
        self.writes: list[list[EntryChange]] = []
        self.failing = False

    def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        self.loads.append(partition)
        if self.failing:
            raise StoreUnavailable("Redis did not answer (TimeoutError)")
        stored = self.partitions.get(partition, {})
        return [(section, key, entry) for (section, key), entry in stored.items()]

    def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        if self.failing:
            raise StoreUnavailable("Redis did not answer (TimeoutError)")
        self.writes.append(list(changes))
        stored = self.partitions.setdefault(partition, {})
        for change in changes:
            if change.entry is None:
                stored.pop((change.section, change.key), None)
            else:
                stored[(change.section, change.key)] = change.entry


def test_a_write_goes_to_the_store_entry_by_entry() -> None:
    store = CountingStore()
    cache = TokenCache(store=store)
    cache.add_access_token(app_token("api://a/.default"), NOW)
    cache.add_access_token(app_token("api://b/.default"), NOW)
    assert [len(batch) for batch in store.writes] == [1, 1]  # never the whole partition
    assert len(store.partitions[APP]) == 2


def test_a_second_cache_finds_the_token_in_the_store() -> None:
    store = CountingStore()
    TokenCache(store=store).add_access_token(app_token(), NOW)
    fresh = TokenCache(store=store)
    found = fresh.find_access_token(query(), NOW)
    assert found is not None and found["secret"] == "s"
    assert store.loads == [APP]


def test_a_partition_is_loaded_once_and_hits_never_touch_the_store() -> None:
    store = CountingStore()
    cache = TokenCache(store=store)
    assert cache.find_access_token(query(), NOW) is None
    assert cache.find_access_token(query("api://other/.default"), NOW) is None
    cache.add_access_token(app_token(), NOW)
    for _ in range(3):
        assert cache.find_access_token(query(), NOW) is not None
    assert store.loads == [APP]


def test_threads_missing_one_partition_load_it_once() -> None:
    store = CountingStore()
    TokenCache(store=store).add_access_token(app_token(), NOW)
    cache = TokenCache(store=store)
    found: list[object] = []
    threads = [
        threading.Thread(target=lambda: found.append(cache.find_access_token(query(), NOW)))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.loads == [APP] and all(f is not None for f in found)


def test_what_the_cache_holds_wins_over_an_older_stored_entry() -> None:
    store = CountingStore()
    TokenCache(store=store).add_access_token(app_token(secret="old"), NOW)
    late = TokenCache(store=store)
    late.add_access_token(app_token(secret="newer"), NOW)
    found = late.find_access_token(query(), NOW)
    assert found is not None and found["secret"] == "newer"


def test_a_replaced_token_is_removed_from_the_store() -> None:
    store = CountingStore()
    cache = TokenCache(store=store)
    cache.add_access_token(app_token("api://x/a api://x/b"), NOW)
    cache.add_access_token(app_token("api://x/a"), NOW)  # overlaps: replaces the first
    assert [key[1] for key in store.partitions[APP]] == [app_token("api://x/a").key]


def test_user_and_obo_partitions_load_on_refresh_token_look_ups() -> None:
    store = CountingStore()
    TokenCache(store=store).save(user_write("uid.utid"), NOW)
    fresh = TokenCache(store=store)
    found = fresh.find_refresh_tokens(RefreshTokenQuery("uid.utid", ENV))
    assert [entry["secret"] for entry in found] == ["rt"]
    assert PartitionKey.user("uid.utid") in store.loads


def test_a_failing_store_never_fails_the_cache_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = CountingStore()
    store.failing = True
    cache = TokenCache(store=store)
    with caplog.at_level(logging.WARNING):
        assert cache.find_access_token(query(), NOW) is None
        cache.add_access_token(app_token(), NOW)
        assert cache.find_access_token(query(), NOW) is not None
        cache.add_access_token(app_token("api://b/.default"), NOW)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "TimeoutError" in warnings[0].getMessage()
    assert "secret" not in warnings[0].getMessage()


def test_changes_that_failed_to_write_are_written_once_the_store_is_back() -> None:
    store = CountingStore()
    cache = TokenCache(store=store)
    cache._second_level._retry_after = 0.0  # type: ignore[union-attr]
    store.failing = True
    cache.add_access_token(app_token("api://a/.default"), NOW)
    store.failing = False
    cache.add_access_token(app_token("api://b/.default"), NOW)
    assert len(store.partitions[APP]) == 2


def test_serializable_cache_takes_a_store_and_a_file_store_survives_a_restart(
    tmp_path: Path,
) -> None:
    SerializableTokenCache(store=FileStore(tmp_path)).save(
        CacheWrite(access_token=app_token()), NOW
    )
    restarted = SerializableTokenCache(store=FileStore(tmp_path))
    assert restarted.find_access_token(query(), NOW) is not None


class LockingStore(CountingStore):
    """A shared store whose fill lock another instance holds; it "fills" while we wait."""

    def __init__(self, fills: bool) -> None:
        super().__init__()
        self.fills = fills
        self.waited: list[str] = []
        self.released: list[str] = []
        self.held_elsewhere = True

    def try_lock(self, name: str, ttl_ms: int) -> str | None:
        return None if self.held_elsewhere else "token"

    def unlock(self, name: str, token: str) -> None:
        self.released.append(name)

    def wait_unlocked(self, name: str, timeout: float) -> None:
        self.waited.append(name)
        if self.fills:  # the other instance's token lands in the store meanwhile
            record = app_token()
            self.partitions.setdefault(APP, {})[("AccessToken", record.key)] = record.to_entry()


def test_a_miss_while_another_instance_fills_waits_and_reads_its_token() -> None:
    store = LockingStore(fills=True)
    found = TokenCache(store=store).find_access_token(query(), NOW)
    assert found is not None and found["secret"] == "s"
    assert len(store.waited) == 1


def test_a_miss_whose_filler_never_writes_goes_to_the_identity_provider() -> None:
    store = LockingStore(fills=False)
    assert TokenCache(store=store).find_access_token(query(), NOW) is None
    assert len(store.waited) == 1


def test_the_filler_releases_its_lock_once_the_token_is_written() -> None:
    store = LockingStore(fills=False)
    store.held_elsewhere = False
    cache = TokenCache(store=store)
    assert cache.find_access_token(query(), NOW) is None  # this instance took the lock
    assert cache.find_access_token(query(), NOW) is None  # and does not wait for itself
    assert store.waited == [] and store.released == []
    cache.add_access_token(app_token(), NOW)
    assert len(store.released) == 1


def _filled_store(count: int) -> CountingStore:
    store = CountingStore()
    writer = TokenCache(store=store)
    for i in range(count):
        writer.add_access_token(app_token(f"api://r{i}/.default", secret=f"s{i}"), NOW)
    assert len(store.partitions[APP]) == count
    return store


def test_a_restart_answers_its_first_hit_without_building_the_indexes() -> None:
    store = _filled_store(200)
    cache = TokenCache(store=store)
    found = cache.find_access_token(query("api://r7/.default"), NOW)
    assert found is not None and found["secret"] == "s7"
    assert cache._built_index is None  # filed in bulk: the indexes wait for a need
    assert len(cache) == 200
    # Every loaded entry is there for the look-ups that need the indexes, too.
    assert cache.find_access_token(query("API://R150/.default"), NOW)["secret"] == "s150"  # type: ignore[index]
    assert cache.remove_access_tokens(client_id="c", environments=[ENV]) == 200
    assert store.loads == [APP]


def test_a_small_load_into_a_cache_in_use_keeps_the_indexes() -> None:
    store = _filled_store(3)
    cache = TokenCache(store=store)
    for i in range(100):  # another partition, already cached and indexed
        cache.add_access_token(app_token(f"api://o{i}/.default", realm="other"), NOW)
    index = cache._index
    assert cache.find_access_token(query("api://r1/.default"), NOW)["secret"] == "s1"  # type: ignore[index]
    assert cache._built_index is index
    assert len(cache) == 103


def test_a_bulk_load_never_replaces_what_the_cache_has_yet_to_write() -> None:
    store = _filled_store(100)
    cache = TokenCache(store=store)
    store.failing = True  # the cache's own newer token cannot reach the store
    cache.add_access_token(app_token("api://r5/.default", secret="newer"), NOW + 10)
    store.failing = False
    cache._second_level.forget_loaded()  # type: ignore[union-attr]
    assert cache.merge_loaded(store.load(APP), APP) == 99
    assert cache.find_access_token(query("api://r5/.default"), NOW + 10)["secret"] == "newer"  # type: ignore[index]
    assert cache.find_access_token(query("api://r6/.default"), NOW + 10)["secret"] == "s6"  # type: ignore[index]
