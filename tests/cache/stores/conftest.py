"""Fixtures of the store tests: a real redis-server (never a mock) and fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from entraclient.cache.stores.files import FileStore
from entraclient.cache.stores.redis_store import RedisStore
from tests.cache.stores.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_redis(redis_server: RedisServer) -> RedisServer:
    """The session's redis-server, running and empty (a test may have stopped it)."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    return redis_server


@pytest.fixture
def file_store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "cache")


@pytest.fixture
def redis_store(live_redis: RedisServer) -> Iterator[RedisStore]:
    store = RedisStore(live_redis.url, timeout=1.0)
    yield store
    store.client.close()
