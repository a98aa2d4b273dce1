"""The Redis store's own behaviour: expiry, fill locks, timeouts, damaged values."""

from __future__ import annotations

import pytest

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import ACCESS_TOKEN
from entraclient.cache.stores.contract import EntryChange, StoreUnavailable
from entraclient.cache.stores.redis_store import RedisStore
from tests.cache.factories import app_token
from tests.cache.stores.redis_server import RedisServer, free_loopback_port

APP = PartitionKey.app("c", "t")


def test_a_partition_expires_with_its_last_token(redis_store: RedisStore) -> None:
    short, long = app_token("api://a/.default", expires_in=600), app_token("api://b/.default", expires_in=7200)  # fmt: skip
    redis_store.write(APP, [EntryChange(ACCESS_TOKEN, short.key, short.to_entry())])
    redis_store.write(APP, [EntryChange(ACCESS_TOKEN, long.key, long.to_entry())])
    redis_store.write(APP, [EntryChange(ACCESS_TOKEN, short.key, short.to_entry())])
    deadline = redis_store.client.pexpiretime(f"entraclient:{APP}")
    assert deadline == long.expires_on * 1000  # moved later, never earlier


def test_a_fill_lock_is_exclusive_and_expires_when_its_holder_dies(redis_store: RedisStore) -> None:  # fmt: skip
    token = redis_store.try_lock("name", ttl_ms=200)
    assert token is not None
    assert redis_store.try_lock("name", ttl_ms=200) is None
    redis_store.wait_unlocked("name", timeout=10.0)  # the holder never releases it
    assert redis_store.try_lock("name", ttl_ms=200) is not None


def test_unlock_releases_only_with_the_holders_token(redis_store: RedisStore) -> None:
    token = redis_store.try_lock("name", ttl_ms=10_000)
    assert token is not None
    redis_store.unlock("name", "not-the-token")
    assert redis_store.try_lock("name", ttl_ms=10_000) is None
    redis_store.unlock("name", token)
    assert redis_store.try_lock("name", ttl_ms=10_000) is not None


@pytest.mark.parametrize("action", ["load", "write"])
def test_an_unreachable_redis_raises_store_unavailable_without_the_url(action: str) -> None:
    store = RedisStore(f"redis://user:hunter2@127.0.0.1:{free_loopback_port()}/0", timeout=0.2)
    record = app_token()
    changes = [EntryChange(ACCESS_TOKEN, record.key, record.to_entry())]
    call = (lambda: store.load(APP)) if action == "load" else (lambda: store.write(APP, changes))
    with pytest.raises(StoreUnavailable) as raised:
        call()
    assert "hunter2" not in str(raised.value)
    assert "did not answer" in str(raised.value)


def test_a_password_and_acl_user_pass_through(live_redis: RedisServer) -> None:
    admin = RedisStore(live_redis.url)
    admin.client.acl_setuser("app", enabled=True, passwords=["+s3cret"], keys=["entraclient:*"], commands=["+@all"])  # fmt: skip
    try:
        store = RedisStore(f"redis://app:s3cret@127.0.0.1:{live_redis.port}/0")
        record = app_token()
        store.write(APP, [EntryChange(ACCESS_TOKEN, record.key, record.to_entry())])
        assert len(store.load(APP)) == 1
    finally:
        admin.client.acl_deluser("app")


def test_tampered_and_moved_encrypted_values_are_ignored(live_redis: RedisServer) -> None:
    key = bytes(32)
    store = RedisStore(live_redis.url, encryption_key=key)
    first, second = app_token("api://a/.default"), app_token("api://b/.default")
    store.write(APP, [EntryChange(ACCESS_TOKEN, r.key, r.to_entry()) for r in (first, second)])
    hash_key = f"entraclient:{APP}"
    fields: dict[bytes, bytes] = store.client.hgetall(hash_key)  # type: ignore[assignment]
    (one, blob_one), (two, blob_two) = sorted(fields.items())
    flipped = bytearray(blob_one)
    flipped[-1] ^= 1
    store.client.hset(hash_key, mapping={one: bytes(flipped), two: blob_one})  # tamper, move
    assert store.load(APP) == []
    other = PartitionKey.app("c", "u")
    store.client.hset(f"entraclient:{other}", mapping={two: blob_two})  # another partition's
    assert store.load(other) == []
