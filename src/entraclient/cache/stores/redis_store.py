"""Second-level stores in Redis, for many instances (``pip install entraclient[redis]``).

One Redis hash per partition, ``{prefix}{partition}``, one field per entry (the entry id),
so instances writing different entries of one partition never lose each other's writes,
and a write costs the size of the change. The hash expires with the last token it holds
(``PEXPIREAT … NX`` then ``… GT``: the deadline only moves later); a partition holding
refresh tokens or accounts lives ``long_lived_seconds``.

Every command has a short ``timeout``; a slow or unreachable Redis raises
:class:`~entraclient.cache.stores.contract.StoreUnavailable` (the message names the error
type, never the URL, which may hold a password), and the cache carries on without it.
redis-py reconnects by itself on the next command. ``rediss://`` URLs, passwords and ACL
users are redis-py's: pass a URL or your own client.

:meth:`RedisStore.try_lock` / :meth:`RedisStore.unlock` are the short-lived fill locks
(``SET NX PX``) that let instances missing the same token send one request between them.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

import redis
import redis.asyncio

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import ACCESS_TOKEN, Entry
from entraclient.cache.stores.contract import EntryChange, StoreUnavailable
from entraclient.cache.stores.envelope import CorruptEntryError, EntryEnvelope, entry_id

__all__ = ["AsyncRedisStore", "RedisStore"]

logger = logging.getLogger(__name__)

LONG_LIVED_SECONDS = 90 * 24 * 3600
"""How long a partition holding refresh tokens lives without a write (Entra's RT lifetime)."""

_POLL_SECONDS = 0.02
_UNLOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class _RedisLayout:
    """What both faces share: key names, blobs and expiry, decided without I/O."""

    def __init__(
        self,
        prefix: str,
        encryption_key: bytes | None,
        previous_keys: Sequence[bytes],
        long_lived_seconds: int,
    ) -> None:
        self.prefix = prefix
        self.envelope = EntryEnvelope(encryption_key, previous_keys)
        self.long_lived_seconds = long_lived_seconds

    def key(self, partition: PartitionKey) -> str:
        return f"{self.prefix}{partition}"

    def lock_key(self, name: str) -> str:
        return f"{self.prefix}lock:{name}"

    def decode(
        self, partition: PartitionKey, fields: Mapping[bytes, bytes]
    ) -> list[tuple[str, str, Entry]]:
        found: list[tuple[str, str, Entry]] = []
        unusable = 0
        for field, blob in fields.items():
            try:
                found.append(self.envelope.open(partition, blob, field.decode("ascii", "replace")))
            except CorruptEntryError:
                unusable += 1
        if unusable:
            logger.warning(
                "token cache Redis store: %d unusable entr%s of partition %s ignored",
                unusable, "y" if unusable == 1 else "ies", partition.kind,
            )  # fmt: skip
        return found

    def encode(
        self, partition: PartitionKey, changes: Sequence[EntryChange]
    ) -> tuple[dict[str, bytes], list[str], int]:
        """Fields to set, fields to delete, and the deadline (epoch ms) the hash must reach."""
        written: dict[str, bytes] = {}
        removed: list[str] = []
        deadline = 0
        for change in changes:
            field = entry_id(change.section, change.key)
            if change.entry is None:
                removed.append(field)
                continue
            written[field] = self.envelope.seal(partition, change.section, change.key, change.entry)
            deadline = max(deadline, self._deadline(change.section, change.entry))
        return written, removed, deadline

    def _deadline(self, section: str, entry: Entry) -> int:
        if section == ACCESS_TOKEN:
            try:
                return int(str(entry.get("expires_on"))) * 1000
            except ValueError:
                pass
        return int((time.time() + self.long_lived_seconds) * 1000)


def _unavailable(failure: Exception) -> StoreUnavailable:
    return StoreUnavailable(f"Redis did not answer ({type(failure).__name__})")


_FAILURES = (redis.RedisError, OSError)


class RedisStore:
    """A synchronous second-level store in Redis.

    Give ``url`` (``redis://``, ``rediss://``, with user and password if any) or a ready
    ``client`` (a ``redis.Redis``). ``timeout`` bounds every command and connect, in seconds.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.Redis | None = None,
        prefix: str = "entraclient:",
        timeout: float = 0.25,
        encryption_key: bytes | None = None,
        previous_keys: Sequence[bytes] = (),
        long_lived_seconds: int = LONG_LIVED_SECONDS,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give RedisStore either url or client")
        self.client: redis.Redis = client or redis.Redis.from_url(
            str(url), socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._layout = _RedisLayout(prefix, encryption_key, previous_keys, long_lived_seconds)

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self._layout.prefix!r})"

    def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        """The usable entries of ``partition``."""
        try:
            fields: dict[bytes, bytes] = self.client.hgetall(self._layout.key(partition))  # type: ignore[assignment]
        except _FAILURES as failure:
            raise _unavailable(failure) from None
        return self._layout.decode(partition, fields)

    def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        """Set and delete the changed fields in one transaction; push the expiry later."""
        written, removed, deadline = self._layout.encode(partition, changes)
        key = self._layout.key(partition)
        try:
            with self.client.pipeline(transaction=True) as pipe:
                if written:
                    pipe.hset(key, mapping=written)  # type: ignore[arg-type]
                if removed:
                    pipe.hdel(key, *removed)
                if deadline:
                    pipe.pexpireat(key, deadline, nx=True)
                    pipe.pexpireat(key, deadline, gt=True)
                pipe.execute()
        except _FAILURES as failure:
            raise _unavailable(failure) from None

    def try_lock(self, name: str, ttl_ms: int) -> str | None:
        """Take the fill lock ``name`` for ``ttl_ms``; its token, or ``None`` if held elsewhere."""
        token = secrets.token_hex(16)
        try:
            taken = self.client.set(self._layout.lock_key(name), token, nx=True, px=ttl_ms)
        except _FAILURES as failure:
            raise _unavailable(failure) from None
        return token if taken else None

    def unlock(self, name: str, token: str) -> None:
        """Release the fill lock ``name`` if this ``token`` still holds it."""
        try:
            self.client.eval(_UNLOCK, 1, self._layout.lock_key(name), token)
        except _FAILURES as failure:
            raise _unavailable(failure) from None

    def wait_unlocked(self, name: str, timeout: float) -> None:
        """Poll until the fill lock ``name`` is gone, for ``timeout`` seconds at most."""
        deadline = time.monotonic() + timeout
        key = self._layout.lock_key(name)
        try:
            while self.client.exists(key) and time.monotonic() < deadline:
                time.sleep(_POLL_SECONDS)
        except _FAILURES as failure:
            raise _unavailable(failure) from None


class AsyncRedisStore:
    """The ``redis.asyncio`` twin of :class:`RedisStore` (same keys, blobs and expiry)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.asyncio.Redis | None = None,
        prefix: str = "entraclient:",
        timeout: float = 0.25,
        encryption_key: bytes | None = None,
        previous_keys: Sequence[bytes] = (),
        long_lived_seconds: int = LONG_LIVED_SECONDS,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give AsyncRedisStore either url or client")
        self.client: redis.asyncio.Redis = client or redis.asyncio.Redis.from_url(
            str(url), socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._layout = _RedisLayout(prefix, encryption_key, previous_keys, long_lived_seconds)

    def __repr__(self) -> str:
        return f"AsyncRedisStore(prefix={self._layout.prefix!r})"

    async def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        """The usable entries of ``partition``."""
        try:
            fields: Any = await self.client.hgetall(self._layout.key(partition))
        except _FAILURES as failure:
            raise _unavailable(failure) from None
        return self._layout.decode(partition, fields)

    async def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        """As :meth:`RedisStore.write`."""
        written, removed, deadline = self._layout.encode(partition, changes)
        key = self._layout.key(partition)
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                if written:
                    pipe.hset(key, mapping=written)  # type: ignore[arg-type]
                if removed:
                    pipe.hdel(key, *removed)
                if deadline:
                    pipe.pexpireat(key, deadline, nx=True)
                    pipe.pexpireat(key, deadline, gt=True)
                await pipe.execute()
        except _FAILURES as failure:
            raise _unavailable(failure) from None

    async def try_lock(self, name: str, ttl_ms: int) -> str | None:
        """As :meth:`RedisStore.try_lock`."""
        token = secrets.token_hex(16)
        try:
            taken = await self.client.set(self._layout.lock_key(name), token, nx=True, px=ttl_ms)
        except _FAILURES as failure:
            raise _unavailable(failure) from None
        return token if taken else None

    async def unlock(self, name: str, token: str) -> None:
        """As :meth:`RedisStore.unlock`."""
        try:
            await self.client.eval(_UNLOCK, 1, self._layout.lock_key(name), token)
        except _FAILURES as failure:
            raise _unavailable(failure) from None

    async def wait_unlocked(self, name: str, timeout: float) -> None:
        """As :meth:`RedisStore.wait_unlocked`, sleeping without blocking the loop."""
        deadline = time.monotonic() + timeout
        key = self._layout.lock_key(name)
        try:
            while await self.client.exists(key) and time.monotonic() < deadline:
                await asyncio.sleep(_POLL_SECONDS)
        except _FAILURES as failure:
            raise _unavailable(failure) from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()
