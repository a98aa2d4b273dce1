"""The async façade with an async Redis store: awaited on the application's loop, never blocking it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from entraclient import TokenCache
from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.cache.partitions import PartitionKey
from entraclient.cache.stores.async_bridge import AsyncStoreBridge
from entraclient.cache.stores.contract import LoadDeferred
from entraclient.cache.stores.redis_store import AsyncRedisStore, RedisStore
from entraclient.emulator import Emulator
from tests.cache.stores.redis_server import RedisServer


async def acquire(emu: Emulator, cache: TokenCache) -> dict[str, Any]:
    sample = emu.sample
    async with (
        emu.async_http_client() as client,
        AsyncConfidentialClientApplication(
            sample.app.client_id,
            client_credential=sample.app.secret,
            authority=sample.authority,
            http_client=client,
            token_cache=cache,
        ) as app,
    ):
        return await app.acquire_token_for_client([sample.scope])


def test_a_second_async_app_gets_the_token_from_redis(
    entra_emulator: Emulator, live_redis: RedisServer
) -> None:
    async def scenario() -> list[Any]:
        first_store, second_store = AsyncRedisStore(live_redis.url), AsyncRedisStore(live_redis.url)  # fmt: skip
        first = await acquire(entra_emulator, TokenCache(store=first_store))
        second = await acquire(entra_emulator, TokenCache(store=second_store))
        await first_store.aclose()
        await second_store.aclose()
        return [first["token_source"], second["token_source"]]

    assert asyncio.run(scenario()) == ["identity_provider", "cache"]
    assert len(entra_emulator.token_requests()) == 1
    keys = RedisStore(live_redis.url).client.keys("entraclient:app:*")
    assert len(keys) == 1


def test_async_acquisitions_succeed_with_redis_down(
    entra_emulator: Emulator, live_redis: RedisServer
) -> None:
    live_redis.stop()

    async def scenario() -> dict[str, Any]:
        store = AsyncRedisStore(live_redis.url, timeout=0.2)
        result = await acquire(entra_emulator, TokenCache(store=store))
        await store.aclose()
        return result

    assert asyncio.run(scenario())["token_source"] == "identity_provider"


def test_the_bridge_never_waits_on_the_loops_own_thread(live_redis: RedisServer) -> None:
    async def scenario() -> None:
        store = AsyncRedisStore(live_redis.url)
        bridge = AsyncStoreBridge(store)
        bridge.bind_running_loop()
        with pytest.raises(LoadDeferred):
            bridge.load(PartitionKey.app("c", "t"))
        assert await asyncio.to_thread(bridge.load, PartitionKey.app("c", "t")) == []
        await store.aclose()

    asyncio.run(scenario())


def test_the_loops_thread_never_waits_for_a_worker_holding_the_store(
    entra_emulator: Emulator, live_redis: RedisServer
) -> None:
    async def scenario() -> list[str]:
        store = AsyncRedisStore(live_redis.url)
        cache = TokenCache(store=store)
        sample = entra_emulator.sample
        async with (
            entra_emulator.async_http_client() as client,
            AsyncConfidentialClientApplication(
                sample.app.client_id,
                client_credential=sample.app.secret,
                authority=sample.authority,
                http_client=client,
                token_cache=cache,
            ) as app,
        ):
            results = await asyncio.gather(
                *(app.acquire_token_for_client([sample.scope]) for _ in range(20))
            )
        await store.aclose()
        return [r["token_source"] for r in results]

    sources = asyncio.run(scenario())
    assert len(sources) == 20 and "identity_provider" in sources
    assert len(entra_emulator.token_requests()) == 1
