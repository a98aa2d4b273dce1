"""A separate process of the store tests: an app with a shared store, or a raw writer.

Run as ``python -m tests.cache.stores.worker '<json>'``; it prints one JSON line per result.
Modes: ``acquire`` (``threads`` threads each call ``acquire_token_for_client`` ``calls``
times against the emulator and report ``token_source``), ``write`` (write entries to a file
store forever, printing each key once its write returned: an acknowledged write).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

from entraclient import ConfidentialClientApplication, TokenCache
from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import ACCESS_TOKEN
from entraclient.cache.stores.contract import EntryChange, PartitionStore
from entraclient.cache.stores.files import FileStore
from entraclient.cache.stores.redis_store import RedisStore
from entraclient.emulator.routing import HostRouter, RoutingAdapter, routed_session
from tests.cache.factories import app_token


def build_store(config: dict[str, Any]) -> PartitionStore:
    if config["store"] == "file":
        return FileStore(config["where"])
    return RedisStore(config["where"], timeout=config.get("timeout", 0.25))


def acquire(config: dict[str, Any]) -> None:
    session = routed_session(
        RoutingAdapter(HostRouter(("127.0.0.1", config["port"])), config["ca"])
    )
    app = ConfidentialClientApplication(
        config["client_id"],
        client_credential=config["secret"],
        authority=config["authority"],
        http_client=session,
        token_cache=TokenCache(store=build_store(config)),
    )
    if "go" in config:  # start together with the other processes: wait for the go file
        print(json.dumps({"ready": True}), flush=True)
        while not os.path.exists(config["go"]):
            time.sleep(0.005)
    barrier = threading.Barrier(config["threads"])
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        for _ in range(config["calls"]):
            result = app.acquire_token_for_client([config["scope"]])
            with lock:
                print(json.dumps({"source": result.get("token_source"), "error": result.get("error")}), flush=True)  # fmt: skip

    threads = [threading.Thread(target=work) for _ in range(config["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def write_forever(config: dict[str, Any]) -> None:
    store = FileStore(config["where"], lock_timeout=30)
    partition = PartitionKey.app("c", "t")
    number = 0
    while True:
        record = app_token(f"api://{config['name']}-{number}/.default", secret=f"s{number}")
        store.write(partition, [EntryChange(ACCESS_TOKEN, record.key, record.to_entry())])
        print(json.dumps({"key": record.key}), flush=True)
        number += 1


if __name__ == "__main__":
    settings = json.loads(sys.argv[1])
    {"acquire": acquire, "write": write_forever}[settings["mode"]](settings)
