"""8 processes x 50 threads missing one token at once: how many token requests reach Entra.

entraclient with a shared Redis store (cross-instance coalescing) against MSAL Python with
msal-extensions' ``PersistedTokenCache`` on a shared file (msal-extensions has no Redis),
both against the embedded emulator, which delays each token answer by ``DELAY`` seconds
so the misses overlap as they do under load. Run as a worker: ``python -m
bench.persistence_herd '<json>'``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.scenarios import Row

__all__ = ["herd_rows"]

PROCESSES = 8
THREADS = 50
DELAY = 0.5
ROOT = Path(__file__).resolve().parents[1]


def _session(config: dict[str, Any]) -> Any:
    from entraclient.emulator.routing import HostRouter, RoutingAdapter, routed_session

    return routed_session(RoutingAdapter(HostRouter(("127.0.0.1", config["port"])), config["ca"]))


def _ours(config: dict[str, Any]) -> Any:
    from entraclient import ConfidentialClientApplication, TokenCache
    from entraclient.cache.stores.redis_store import RedisStore

    store = RedisStore(config["redis"], timeout=2.0)
    return ConfidentialClientApplication(
        config["client_id"], client_credential=config["secret"], authority=config["authority"],
        http_client=_session(config), token_cache=TokenCache(store=store),
    )  # fmt: skip


def _theirs(config: dict[str, Any]) -> Any:
    import msal
    from msal_extensions import FilePersistence, PersistedTokenCache

    cache = PersistedTokenCache(FilePersistence(config["file"]))
    return msal.ConfidentialClientApplication(
        config["client_id"], client_credential=config["secret"], authority=config["authority"],
        http_client=_session(config), token_cache=cache,
    )  # fmt: skip


def work(config: dict[str, Any]) -> None:
    """One process: build the app, say ready, wait for the go file, then all threads miss."""
    app = _ours(config) if config["library"] == "entraclient" else _theirs(config)
    print("ready", flush=True)
    while not os.path.exists(config["go"]):
        time.sleep(0.005)
    barrier = threading.Barrier(THREADS)

    def one() -> None:
        barrier.wait()
        app.acquire_token_for_client([config["scope"]])

    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _requests_sent(library: str, base: dict[str, Any], emu: Any) -> tuple[int, int]:
    """Token requests sent, and lock errors the threads met (counted in their stderr)."""
    with tempfile.TemporaryDirectory() as scratch:
        config = {**base, "library": library, "go": f"{scratch}/go", "file": f"{scratch}/c.bin"}
        before = len(emu.token_requests())
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.persistence_herd", json.dumps(config)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        Path(config["go"]).touch()
        errors = sum(worker.communicate(timeout=300)[1].count("LockError:") for worker in workers)
        return len(emu.token_requests()) - before, errors


def herd_rows(redis_url: str) -> list[Row]:
    """Token requests sent by 8 x 50 simultaneous misses, for both libraries."""
    from entraclient.emulator import Emulator
    from entraclient.emulator.faults import TOKEN_ENDPOINT, DelayHeaders

    with Emulator() as emu:
        sample = emu.sample
        emu.inject(DelayHeaders(DELAY), path=TOKEN_ENDPOINT, times=None)
        base = {
            "port": emu.port, "ca": str(emu.ca_path), "client_id": sample.app.client_id,
            "secret": sample.app.secret, "authority": sample.authority, "scope": sample.scope,
            "redis": redis_url,
        }  # fmt: skip
        ours, our_errors = _requests_sent("entraclient", base, emu)
        theirs, their_errors = _requests_sent("msal", base, emu)
    label = f"{PROCESSES} procs x {THREADS} threads miss"
    note = f"token requests sent; lock errors: ours {our_errors}, msal-extensions {their_errors}"
    return [Row(label, PROCESSES * THREADS, "reqs", float(ours), float(theirs), note)]


if __name__ == "__main__":
    work(json.loads(sys.argv[1]))
