"""Processes sharing a store, against the emulator: restarts, neighbours, Redis outages, crashes."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from entraclient import ConfidentialClientApplication, TokenCache
from entraclient.cache.partitions import PartitionKey
from entraclient.cache.stores.files import FileStore
from entraclient.cache.stores.redis_store import RedisStore
from entraclient.emulator import Emulator
from entraclient.emulator.faults import TOKEN_ENDPOINT, DelayHeaders
from tests.cache.stores.redis_server import RedisServer
from tests.emulator.support import Daemon

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


def worker_config(emu: Emulator, daemon: Daemon, store: str, where: str, **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "mode": "acquire", "store": store, "where": where,
        "port": emu.port, "ca": str(emu.ca_path),
        "client_id": daemon.app.client_id, "secret": daemon.app.secret,
        "authority": f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        "scope": daemon.api.default_scope, "threads": 1, "calls": 1,
        **extra,
    }  # fmt: skip


def start(config: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.cache.stores.worker", json.dumps(config)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def results(process: subprocess.Popen[str]) -> list[dict[str, Any]]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return [json.loads(line) for line in out.splitlines()]


def app_with(emu: Emulator, daemon: Daemon, cache: TokenCache) -> ConfidentialClientApplication:
    return ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential=daemon.app.secret,
        authority=f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        http_client=emu.http_client(),
        token_cache=cache,
    )


def test_a_restarted_app_with_a_warm_file_store_sends_no_token_request(
    entra_emulator: Emulator, daemon: Daemon, tmp_path: Path
) -> None:
    first = app_with(entra_emulator, daemon, TokenCache(store=FileStore(tmp_path)))
    assert first.acquire_token_for_client([daemon.api.default_scope])["token_source"] == "identity_provider"  # fmt: skip
    sent = len(entra_emulator.token_requests())
    restarted = app_with(entra_emulator, daemon, TokenCache(store=FileStore(tmp_path)))
    result = restarted.acquire_token_for_client([daemon.api.default_scope])
    assert result["token_source"] == "cache"
    assert len(entra_emulator.token_requests()) == sent


def test_two_processes_share_a_file_store(
    entra_emulator: Emulator, daemon: Daemon, tmp_path: Path
) -> None:
    config = worker_config(entra_emulator, daemon, "file", str(tmp_path))
    assert [r["source"] for r in results(start(config))] == ["identity_provider"]
    assert [r["source"] for r in results(start(config))] == ["cache"]
    assert len(entra_emulator.token_requests()) == 1


def test_four_processes_share_redis(
    entra_emulator: Emulator, daemon: Daemon, live_redis: RedisServer
) -> None:
    config = worker_config(entra_emulator, daemon, "redis", live_redis.url, calls=3)
    assert {r["source"] for r in results(start(config))} == {"identity_provider", "cache"}
    others = [start(config) for _ in range(3)]
    sources = [r["source"] for process in others for r in results(process)]
    assert sources == ["cache"] * 9
    assert len(entra_emulator.token_requests()) == 1


def test_acquisitions_keep_succeeding_while_redis_is_killed_and_restarted(
    entra_emulator: Emulator, daemon: Daemon, live_redis: RedisServer
) -> None:
    store = RedisStore(live_redis.url, timeout=0.2)
    cache = TokenCache(store=store)
    cache._second_level._retry_after = 0.0  # type: ignore[union-attr]  # retry at once
    app = app_with(entra_emulator, daemon, cache)
    scope = daemon.api.default_scope
    assert "access_token" in app.acquire_token_for_client([scope])
    live_redis.stop()
    assert app.acquire_token_for_client([scope])["token_source"] == "cache"  # L1 still answers
    other = app_with(entra_emulator, daemon, TokenCache(store=RedisStore(live_redis.url, timeout=0.2)))  # fmt: skip
    assert "access_token" in other.acquire_token_for_client([scope])  # Redis down: from Entra
    live_redis.start()
    app.remove_tokens_for_client()
    assert app.acquire_token_for_client([scope])["token_source"] == "identity_provider"
    (key,) = store.client.keys("entraclient:app:*")  # written again: it reconnected
    assert store.client.hlen(key) >= 1


def test_eight_processes_of_fifty_threads_missing_one_token_send_one_request(
    entra_emulator: Emulator, daemon: Daemon, live_redis: RedisServer, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    config = worker_config(entra_emulator, daemon, "redis", live_redis.url, threads=50, go=str(go), timeout=2.0)  # fmt: skip
    workers = [start(config) for _ in range(8)]
    for worker in workers:
        assert worker.stdout is not None
        assert json.loads(worker.stdout.readline()) == {"ready": True}
    entra_emulator.inject(DelayHeaders(0.5), path=TOKEN_ENDPOINT, times=None)
    go.touch()
    outcomes = [r for worker in workers for r in results(worker)]
    assert len(outcomes) == 400
    assert all(r["error"] is None for r in outcomes)
    assert len(entra_emulator.token_requests()) == 1


def test_a_damaged_redis_value_is_ignored(live_redis: RedisServer) -> None:
    store = RedisStore(live_redis.url)
    partition = PartitionKey.app("c", "t")
    store.client.hset(f"entraclient:{partition}", mapping={"f" * 40: b"{not json", "x": b"\x00"})
    assert store.load(partition) == []


def test_eight_writers_killed_at_random_leave_no_corrupt_entry_and_lose_no_acknowledged_write(
    tmp_path: Path,
) -> None:
    rng = random.Random(11)
    writers = [start({"mode": "write", "where": str(tmp_path), "name": f"w{n}"}) for n in range(8)]
    acknowledged: set[str] = set()
    for writer in writers:  # every writer is writing before the first is killed
        assert writer.stdout is not None
        for _ in range(3):
            line = writer.stdout.readline()
            assert line, writer.communicate()[1][-2000:]
            acknowledged.add(json.loads(line)["key"])
    for writer in rng.sample(writers, 8):
        time.sleep(rng.uniform(0.0, 0.2))
        writer.send_signal(signal.SIGKILL)
    for writer in writers:
        assert writer.stdout is not None
        lines = writer.stdout.read().splitlines()
        acknowledged |= {json.loads(line)["key"] for line in lines if line.endswith("}")}
        assert writer.wait(timeout=30) == -signal.SIGKILL
        assert writer.stderr is not None
        writer.stderr.close()
    store = FileStore(tmp_path, lock_timeout=2.0)  # a lock held by a dead writer is free
    partition = PartitionKey.app("c", "t")
    stored = {key for _, key, _ in store.load(partition)}
    assert not (tmp_path / "quarantine").exists(), "a corrupt entry was found"
    assert acknowledged and acknowledged <= stored
    store.write(partition, [])  # no stuck lock
