"""Thread safety: many threads reading and writing one cache lose no entry, never see a torn
entry, leave consistent indexes, and no lock is held while a request is on the network."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.cache.records import CacheWrite
from entraclient.cache.schema import AccessTokenRecord
from entraclient.cache.store import index_of
from entraclient.cache.token_cache import AccessTokenQuery, RefreshTokenQuery

from .factories import ENV, NOW, user_write
from .test_indexes import describe

THREADS = 8
ROUNDS = 250
DEADLOCK_GUARD = 60  # seconds; only there so a deadlock fails instead of hanging


def run_threads(work: Callable[[int], None]) -> None:
    """Run ``work(n)`` on THREADS threads switching as often as the interpreter allows."""
    errors: list[BaseException] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        _run_all(work, errors)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[0]


def _run_all(work: Callable[[int], None], errors: list[BaseException]) -> None:

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as failure:
            errors.append(failure)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLOCK_GUARD)
        assert not thread.is_alive(), "a thread is stuck"


def signed(target: str, client: str, version: int) -> AccessTokenRecord:
    """A token whose secret repeats its other fields, so a torn entry is detectable."""
    return AccessTokenRecord(
        secret=f"{client}|{target}|{version}",
        home_account_id=None,
        environment=ENV,
        client_id=client,
        realm="t",
        target=target,
        token_type="Bearer",
        cached_at=NOW + version,
        expires_on=NOW + 3600 + version,
        extended_expires_on=NOW + 3600 + version,
    )


def assert_whole(entry: Any) -> None:
    client, target, version = entry["secret"].split("|")
    assert (entry["client_id"], entry["target"]) == (client, target)
    assert int(entry["cached_at"]) == NOW + int(version)
    assert int(entry["expires_on"]) == NOW + 3600 + int(version)


def test_concurrent_writers_and_readers_lose_nothing_and_tear_nothing() -> None:
    cache = SerializableTokenCache(clock=lambda: NOW)
    shared_target = "api://shared/.default"

    def work(n: int) -> None:
        client = f"c{n}"
        for i in range(ROUNDS):
            target = f"api://r{i}/.default"
            cache.add_access_token(signed(target, client, i), now=NOW)
            cache.add_access_token(signed(shared_target, "shared", n * ROUNDS + i), now=NOW)
            cache.save(user_write(f"u{n}.t", client=client, target=f"T{i % 5}", rt=f"rt{i}"), NOW)
            mine = cache.find_access_token(AccessTokenQuery(client, ENV, "t", (target,)), NOW)
            assert mine is not None
            assert_whole(mine)
            theirs = AccessTokenQuery("shared", ENV, "t", (shared_target,))
            assert_whole(cache.find_access_token(theirs, NOW))
            (rt,) = [
                r for r in cache.find_refresh_tokens(RefreshTokenQuery(f"u{n}.t", ENV))
                if r["target"] == f"T{i % 5}"
            ]  # fmt: skip
            cache.update_refresh_token(rt, f"rotated{i}", NOW)
            if i % 50 == 0:
                for entry in json.loads(cache.serialize())["AccessToken"].values():
                    if entry["home_account_id"] is None:
                        assert_whole(entry)

    run_threads(work)
    for n in range(THREADS):
        for i in range(ROUNDS):
            query = AccessTokenQuery(f"c{n}", ENV, "t", (f"api://r{i}/.default",))
            assert cache.find_access_token(query, NOW) is not None, (n, i)
        secrets = {r["target"]: r["secret"] for r in cache.find_refresh_tokens(
            RefreshTokenQuery(f"u{n}.t", ENV))}  # fmt: skip
        assert secrets == {f"T{i % 5}": f"rotated{i}" for i in range(ROUNDS - 5, ROUNDS)}
    shared = cache.find_access_token(AccessTokenQuery("shared", ENV, "t", (shared_target,)), NOW)
    assert_whole(shared)
    assert len(cache.entries("AccessToken")) == THREADS * ROUNDS + 1 + THREADS * 5
    assert describe(cache._index) == describe(index_of(cache.snapshot()))


class CannedTokens:
    """An ``http_client`` answering discovery and token requests in-process; token requests
    for the scope ``slow_scope`` wait until ``release`` is set."""

    def __init__(self, slow_scope: str) -> None:
        self.slow_scope = slow_scope
        self.release = threading.Event()
        self.slow_request_started = threading.Event()

    def get(self, url: str, **kwargs: Any) -> Any:
        base = "https://login.microsoftonline.com/t"
        return _Response({"token_endpoint": f"{base}/oauth2/v2.0/token",
                          "authorization_endpoint": f"{base}/oauth2/v2.0/authorize"})  # fmt: skip

    def post(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        scope = dict(data)["scope"]
        if scope == self.slow_scope:
            self.slow_request_started.set()
            assert self.release.wait(DEADLOCK_GUARD)
        return _Response({"token_type": "Bearer", "expires_in": 3599, "access_token": scope})


class _Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self.status_code = 200
        self.text = json.dumps(body)
        self.headers: dict[str, str] = {}


def test_no_lock_is_held_while_a_request_is_on_the_network() -> None:
    cache = SerializableTokenCache()
    http = CannedTokens(slow_scope="api://slow/.default")
    app = ConfidentialClientApplication(
        "cid", client_credential="s", authority="https://login.microsoftonline.com/t",
        http_client=http, token_cache=cache,
    )  # fmt: skip
    app.acquire_token_for_client(["api://fast/.default"])
    slow = threading.Thread(target=app.acquire_token_for_client, args=(["api://slow/.default"],))
    slow.start()
    assert http.slow_request_started.wait(DEADLOCK_GUARD)
    # While the slow request waits on the "network", the cache answers and accepts writes.
    assert app.acquire_token_for_client(["api://fast/.default"])["token_source"] == "cache"
    assert app.acquire_token_for_client(["api://other/.default"])["access_token"]
    cache.serialize()
    cache.save(CacheWrite(access_token=signed("api://x/.default", "cid", 0)), NOW)
    http.release.set()
    slow.join(DEADLOCK_GUARD)
    assert app.acquire_token_for_client(["api://slow/.default"])["token_source"] == "cache"


def test_many_threads_acquiring_through_one_app_keep_every_token() -> None:
    app = ConfidentialClientApplication(
        "cid", client_credential="s", authority="https://login.microsoftonline.com/t",
        http_client=CannedTokens(slow_scope="none"),
    )  # fmt: skip

    def work(n: int) -> None:
        for i in range(60):
            scope = f"api://t{n}-{i}/.default"
            assert app.acquire_token_for_client([scope])["access_token"] == scope
            assert app.acquire_token_for_client([scope])["token_source"] == "cache"

    run_threads(work)
    assert len(app.token_cache.entries("AccessToken")) == THREADS * 60
