"""One contract, every store: the file store, the Redis store and its asyncio twin."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import ACCESS_TOKEN, Entry
from entraclient.cache.stores.contract import (
    AsyncPartitionStore,
    EntryChange,
    PartitionStore,
)
from entraclient.cache.stores.files import FileStore
from entraclient.cache.stores.redis_store import AsyncRedisStore, RedisStore
from tests.cache.factories import app_token
from tests.cache.stores.redis_server import RedisServer

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
APP = PartitionKey.app("c", "t")


class LoopStore:
    """Drives an async store from a test, on one event loop of its own."""

    def __init__(self, store: AsyncRedisStore) -> None:
        self.store = store
        self.loop = asyncio.new_event_loop()

    def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        return self.loop.run_until_complete(self.store.load(partition))

    def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        self.loop.run_until_complete(self.store.write(partition, changes))

    def close(self) -> None:
        self.loop.run_until_complete(self.store.aclose())
        self.loop.close()


def make_store(kind: str, where: Path, redis_url: str, **options: Any) -> Any:
    if kind == "file":
        return FileStore(where / "cache", **options)
    if kind == "redis":
        return RedisStore(redis_url, timeout=1.0, **options)
    return LoopStore(AsyncRedisStore(redis_url, timeout=1.0, **options))


@pytest.fixture(params=["file", "redis", "async-redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def opened(kind: str, tmp_path: Path, live_redis: RedisServer) -> Iterator[list[Any]]:
    stores: list[Any] = []
    yield stores
    for store in stores:
        if isinstance(store, LoopStore):
            store.close()


def new(opened: list[Any], kind: str, tmp_path: Path, live_redis: RedisServer, **options: Any) -> Any:  # fmt: skip
    store = make_store(kind, tmp_path, live_redis.url, **options)
    opened.append(store)
    return store


def change(target: str, **fields: Any) -> EntryChange:
    record = app_token(target, **fields)
    return EntryChange(ACCESS_TOKEN, record.key, record.to_entry())


def test_stores_keep_the_protocol(tmp_path: Path, live_redis: RedisServer) -> None:
    assert isinstance(FileStore(tmp_path), PartitionStore)
    assert isinstance(RedisStore(live_redis.url), PartitionStore)
    assert isinstance(AsyncRedisStore(live_redis.url), AsyncPartitionStore)


def test_an_unknown_partition_loads_empty(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    assert new(opened, kind, tmp_path, live_redis).load(APP) == []


def test_written_entries_load_back_in_another_instance(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    first = new(opened, kind, tmp_path, live_redis)
    written = [change("api://a/.default"), change("api://b/.default")]
    first.write(APP, written)
    loaded = new(opened, kind, tmp_path, live_redis).load(APP)
    assert sorted(loaded) == sorted((c.section, c.key, c.entry) for c in written)


def test_a_removal_removes_only_its_entry(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    store = new(opened, kind, tmp_path, live_redis)
    kept, dropped = change("api://a/.default"), change("api://b/.default")
    store.write(APP, [kept, dropped])
    store.write(APP, [EntryChange(ACCESS_TOKEN, dropped.key, None)])
    assert [key for _, key, _ in store.load(APP)] == [kept.key]


def test_writers_of_one_partition_never_lose_each_others_entries(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    one, two = (new(opened, kind, tmp_path, live_redis) for _ in range(2))
    one.write(APP, [change("api://a/.default")])
    two.write(APP, [change("api://b/.default")])
    assert len(new(opened, kind, tmp_path, live_redis).load(APP)) == 2


def test_partitions_are_separate(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    store = new(opened, kind, tmp_path, live_redis)
    store.write(APP, [change("api://a/.default")])
    assert store.load(PartitionKey.app("c", "other")) == []


def test_encrypted_entries_load_with_the_key_and_after_rotation(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    written = change("api://a/.default", secret="the-secret-token")
    new(opened, kind, tmp_path, live_redis, encryption_key=KEY).write(APP, [written])
    assert len(new(opened, kind, tmp_path, live_redis, encryption_key=KEY).load(APP)) == 1
    rotated = new(opened, kind, tmp_path, live_redis, encryption_key=OTHER_KEY, previous_keys=[KEY])  # fmt: skip
    assert [entry["secret"] for _, _, entry in rotated.load(APP)] == ["the-secret-token"]


def test_an_entry_under_another_key_is_a_miss_with_one_warning(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any], caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    new(opened, kind, tmp_path, live_redis, encryption_key=KEY).write(APP, [change("api://a/.default"), change("api://b/.default")])  # fmt: skip
    with caplog.at_level(logging.WARNING):
        assert new(opened, kind, tmp_path, live_redis, encryption_key=OTHER_KEY).load(APP) == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2 unusable entries" in warnings[0].getMessage()


def test_plain_entries_are_not_used_when_a_key_is_configured(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    new(opened, kind, tmp_path, live_redis).write(APP, [change("api://a/.default")])
    assert new(opened, kind, tmp_path, live_redis, encryption_key=KEY).load(APP) == []


def test_repr_shows_no_key(kind: str, tmp_path: Path, live_redis: RedisServer, opened: list[Any]) -> None:  # fmt: skip
    store = new(opened, kind, tmp_path, live_redis, encryption_key=KEY)
    inner = store.store if isinstance(store, LoopStore) else store
    assert KEY.hex() not in repr(inner) and str(KEY) not in repr(inner)


def test_a_bad_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16, 24 or 32 bytes"):
        FileStore("/nonexistent-never-created", encryption_key=b"short")
