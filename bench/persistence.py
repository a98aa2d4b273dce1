"""Persistent and distributed caches: entraclient's stores against msal-extensions 1.3.1.

Rows (``python -m bench --only persistence``):

* adding one token to a persisted cache of N app tokens of one client and tenant (the
  shape of microsoft-identity-web #3961: one partition, different resources): our file
  store writes one entry file; msal-extensions' ``PersistedTokenCache`` rewrites its file;
* the first acquisition after a restart, N tokens on disk (load, then the look-up);
* an L2 (Redis) hit and an L2 write on loopback (no peer: msal-extensions has no Redis).

* 8 processes x 50 threads missing one token at once: token requests sent
  (:mod:`bench.persistence_herd`; entraclient on Redis, MSAL + msal-extensions on a file).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.doubles import CLIENT_ID, HOST, TENANT_ID
from bench.persistence_herd import herd_rows
from bench.scenarios import Row, Settings
from bench.states import app_token_entry, one_partition, scope
from bench.timing import once, per_op
from entraclient import TokenCache
from entraclient.cache.partitions import PartitionKey
from entraclient.cache.queries import AccessTokenQuery
from entraclient.cache.schema import ACCESS_TOKEN, AccessTokenRecord
from entraclient.cache.stores.contract import EntryChange
from entraclient.cache.stores.envelope import EntryEnvelope, entry_id
from entraclient.cache.stores.files import FileStore
from entraclient.cache.stores.redis_store import RedisStore

__all__ = ["persistence_rows"]

PARTITION = PartitionKey.app(CLIENT_ID, TENANT_ID)


def _record(i: int, now: int) -> AccessTokenRecord:
    _, entry = app_token_entry(i, now)
    return AccessTokenRecord(
        secret=entry["secret"],
        home_account_id=None,
        environment=HOST,
        client_id=CLIENT_ID,
        realm=TENANT_ID,
        target=scope(i),
        token_type="Bearer",
        cached_at=now,
        expires_on=now + 86400,
        extended_expires_on=now + 86400,
    )


def _fill_file_store(directory: Path, size: int, now: int) -> None:
    """N entries on disk as the file store writes them (setup, so without fsync)."""
    store = FileStore(directory)
    folder = store.partition_directory(PARTITION)
    folder.mkdir(mode=0o700, exist_ok=True)
    envelope = EntryEnvelope()
    for i in range(size):
        key, entry = app_token_entry(i, now)
        blob = envelope.seal(PARTITION, ACCESS_TOKEN, key, entry)
        (folder / f"{entry_id(ACCESS_TOKEN, key)}.entry").write_bytes(blob)
    store.compact(PARTITION)  # as a store that has been in use looks: one snapshot


def _query(i: int) -> AccessTokenQuery:
    return AccessTokenQuery(CLIENT_ID, HOST, TENANT_ID, (scope(i),))


def _ours_add(directory: Path, size: int, adds: int, now: int) -> float:
    cache = TokenCache(store=FileStore(directory))
    assert cache.find_access_token(_query(0), now) is not None  # the partition is loaded
    records = [_record(size + n, now) for n in range(adds)]
    return per_op([records], lambda record: cache.add_access_token(record, now))


def _msal_event(i: int) -> dict[str, Any]:
    return {
        "client_id": CLIENT_ID,
        "scope": [scope(i)],
        "token_endpoint": f"https://{HOST}/{TENANT_ID}/oauth2/v2.0/token",
        "response": {"access_token": f"at-{i}", "expires_in": 86400, "token_type": "Bearer"},
        "data": {"grant_type": "client_credentials"},
        "grant_type": "client_credentials",
    }


def _msal_extensions_cache(path: Path) -> Any:
    from msal_extensions import FilePersistence, PersistedTokenCache

    return PersistedTokenCache(FilePersistence(str(path)))


def _theirs_add(path: Path, size: int, adds: int) -> float:
    cache = _msal_extensions_cache(path)
    events = [_msal_event(size + n) for n in range(adds)]
    return per_op([events], cache.add)


def _first_acquisition(directory: Path, msal_path: Path, now: int) -> tuple[float, float]:
    ours = once(lambda: TokenCache(store=FileStore(directory)).find_access_token(_query(7), now))

    def theirs() -> None:
        cache = _msal_extensions_cache(msal_path)
        found = cache.search("AccessToken", target=[scope(7)], query={"client_id": CLIENT_ID})
        assert list(found)

    return ours, once(theirs)


def file_rows(settings: Settings) -> list[Row]:
    now = int(time.time())
    rows: list[Row] = []
    for size in [s for s in settings.sizes if 1_000 <= s <= 100_000]:
        with tempfile.TemporaryDirectory(prefix="entraclient-bench-") as scratch:
            root = Path(scratch)
            _fill_file_store(root / "ours", size, now)
            (root / "msal.json").write_text(one_partition(size, now))
            adds = 3 if size >= 100_000 else 5 if size >= 10_000 else 20
            ours = _ours_add(root / "ours", size, 20, now)
            theirs = _theirs_add(root / "msal.json", size, adds)
            rows.append(Row("persisted add one token (file)", size, "ms", ours * 1e3, theirs * 1e3))
            restart_ours, restart_theirs = _first_acquisition(
                root / "ours", root / "msal.json", now
            )
            rows.append(
                Row(
                    "first acquisition after restart",
                    size,
                    "ms",
                    restart_ours * 1e3,
                    restart_theirs * 1e3,
                )
            )
    return rows


@contextmanager
def redis_server() -> Iterator[str]:
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed (make test installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            executable,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for(lambda: RedisStore(url).client.ping())
        yield url
    finally:
        process.kill()
        process.wait()


def _wait_for(ready: Callable[[], object]) -> None:
    for _ in range(200):
        try:
            if ready():
                return
        except Exception:
            time.sleep(0.025)
    raise RuntimeError("redis-server did not start")


def redis_rows(settings: Settings) -> list[Row]:
    now = int(time.time())
    operations = 200 if settings.repeats < 5 else 1000
    with redis_server() as url:
        store = RedisStore(url, timeout=1.0)
        store.write(PARTITION, [EntryChange(ACCESS_TOKEN, *app_token_entry(0, now))])

        def l2_hit(_: int) -> None:  # a fresh L1 each time: the answer comes from Redis
            assert TokenCache(store=store).find_access_token(_query(0), now) is not None

        hit = per_op([range(operations)], l2_hit)
        writer = TokenCache(store=store)
        records = [_record(1 + n, now) for n in range(operations)]
        write = per_op([records], lambda record: writer.add_access_token(record, now))
        herd = herd_rows(url)
    return [
        Row("L2 hit (Redis, loopback)", 1, "ms", hit * 1e3, None, "no peer"),
        Row("L2 write (Redis, loopback)", 1, "ms", write * 1e3, None, "no peer"),
        *herd,
    ]


def persistence_rows(settings: Settings) -> list[Row]:
    """Every row of this module (the Redis rows only where ``redis-server`` is installed)."""
    if shutil.which("redis-server") is None:
        print("redis-server is not installed: the Redis rows are skipped (make test installs it)")
        return file_rows(settings)
    return file_rows(settings) + redis_rows(settings)
