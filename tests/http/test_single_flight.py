"""Coalescing written once: both drivers release entries in ``finally``, and the async one
abandons a shared request when every waiter has gone (issue 12, rows "sync coalescing poisons
itself" and "async coalescing wedges")."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.errors import TransportError
from entraclient.http import async_driver as async_driver_module
from entraclient.http import driver as driver_module
from entraclient.http.async_driver import AsyncDriver
from entraclient.http.driver import Flow, SyncDriver
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.single_flight import SingleFlight

TOKEN_URL = "https://login.microsoftonline.com/t/oauth2/v2.0/token"


def _token_flow() -> Flow[str]:
    response = yield HttpRequest("POST", TOKEN_URL, form=(("grant_type", "client_credentials"),))
    return response.text


class InterruptedOnce:
    """A sync transport whose first call dies of Ctrl-C; later calls answer."""

    def __init__(self) -> None:
        self.calls = 0

    def send(self, request: HttpRequest) -> HttpResponse:
        self.calls += 1
        if self.calls == 1:
            raise KeyboardInterrupt
        return HttpResponse.build(200, "fresh")


def test_a_leader_killed_by_ctrl_c_does_not_poison_later_calls() -> None:
    transport = InterruptedOnce()
    driver = SyncDriver(transport)
    with pytest.raises(KeyboardInterrupt):
        driver.run(_token_flow())
    assert driver.run(_token_flow()) == "fresh"
    assert transport.calls == 2


class BuggyOnce(InterruptedOnce):
    def send(self, request: HttpRequest) -> HttpResponse:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("a bug")
        return HttpResponse.build(200, "fresh")


def test_a_leader_killed_by_a_bug_does_not_poison_later_calls() -> None:
    driver = SyncDriver(BuggyOnce())
    with pytest.raises(RuntimeError):
        driver.run(_token_flow())
    assert driver.run(_token_flow()) == "fresh"


class Gated:
    """A sync transport that waits for ``gate`` and then dies of a bug."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()

    def send(self, request: HttpRequest) -> HttpResponse:
        self.entered.set()
        self.gate.wait(10)
        raise RuntimeError("a bug")


def test_joiners_of_a_leader_that_died_get_a_transport_error_saying_why() -> None:
    transport = Gated()
    driver = SyncDriver(transport)
    outcomes: list[BaseException] = []

    def lead() -> None:
        with pytest.raises(RuntimeError):
            driver.run(_token_flow())

    def join() -> None:
        try:
            driver.run(_token_flow())
        except TransportError as failure:
            outcomes.append(failure)

    leader = threading.Thread(target=lead)
    leader.start()
    assert transport.entered.wait(10)
    joiner = threading.Thread(target=join)
    joiner.start()
    entry = next(iter(driver._flights._entries.values()))
    while entry.waiters != 2:
        threading.Event().wait(0.001)
    transport.gate.set()
    leader.join(10)
    joiner.join(10)
    assert len(outcomes) == 1
    assert "RuntimeError" in str(outcomes[0])
    assert getattr(outcomes[0], "shared", False) is True
    assert len(driver._flights) == 0


class Hanging:
    """An async transport that never answers, and counts the requests it saw cancelled."""

    def __init__(self) -> None:
        self.sent = 0
        self.cancelled = 0

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.sent += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        return None


def test_async_a_request_every_waiter_left_is_abandoned_and_not_joined() -> None:
    transport = Hanging()
    driver = AsyncDriver(transport)

    async def scenario() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(driver.run(_token_flow()), 0.05)
        await asyncio.sleep(0)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(driver.run(_token_flow()), 0.05)
        await asyncio.sleep(0)

    asyncio.run(scenario())
    assert transport.sent == 2  # the second caller sent afresh instead of joining a dead request
    assert transport.cancelled == 2


def test_async_a_shared_request_outlives_a_cancelled_leader_while_others_wait() -> None:
    class Slow:
        def __init__(self) -> None:
            self.gate = asyncio.Event()
            self.sent = 0

        async def send(self, request: HttpRequest) -> HttpResponse:
            self.sent += 1
            await self.gate.wait()
            return HttpResponse.build(200, "shared")

        async def aclose(self) -> None:
            return None

    async def scenario() -> tuple[str, int]:
        transport = Slow()
        driver = AsyncDriver(transport)
        leader = asyncio.ensure_future(driver.run(_token_flow()))
        await asyncio.sleep(0)
        joiner = asyncio.ensure_future(driver.run(_token_flow()))
        await asyncio.sleep(0)
        leader.cancel()
        await asyncio.sleep(0)
        transport.gate.set()
        return await joiner, transport.sent

    assert asyncio.run(scenario()) == ("shared", 1)


def test_the_table_counts_waiters_and_releases_only_its_own_flight() -> None:
    table: SingleFlight[object] = SingleFlight()
    first, leading = table.join(b"k", object)
    second, joined_leading = table.join(b"k", object)
    assert (leading, joined_leading, first is second) == (True, False, True)
    assert table.depart(b"k", first) is False
    table.release(b"k", object())  # someone else's flight: ignored
    assert len(table) == 1
    assert table.depart(b"k", first) is True
    table.release(b"k", first)
    assert len(table) == 0
    assert table.depart(b"k", first) is False


class FailingTokenEndpoint:
    """An http_client that answers discovery and fails every token POST after a pause."""

    def __init__(self, emu: Emulator) -> None:
        self._session = emu.http_client()
        self.posts = 0

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        self.posts += 1
        threading.Event().wait(0.3)
        raise requests.ConnectionError("connection reset by the test")


def test_fifty_coalesced_callers_failing_log_one_line(
    entra_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    sample = entra_emulator.sample
    client = FailingTokenEndpoint(entra_emulator)
    app = ConfidentialClientApplication(
        sample.app.client_id,
        client_credential=sample.app.secret,
        authority=sample.authority,
        http_client=client,
    )

    def acquire(_: int) -> str:
        try:
            app.acquire_token_for_client([sample.scope])
        except TransportError as failure:
            return "shared" if failure.shared else "sent"
        return "answered"

    caplog.set_level(logging.WARNING)
    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(acquire, range(50)))
    assert set(outcomes) <= {"shared", "sent"}
    assert outcomes.count("sent") == client.posts
    warnings = [r for r in caplog.records if "no answer from the identity provider" in r.message]
    assert len(warnings) == client.posts
    assert client.posts < 50


def test_a_joiner_waits_no_longer_than_the_flight_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver_module, "MAX_FLIGHT_SECONDS", 0.2)
    transport = Gated()
    driver = SyncDriver(transport)

    def lead() -> None:
        with pytest.raises(RuntimeError):
            driver.run(_token_flow())

    leader = threading.Thread(target=lead)
    leader.start()
    assert transport.entered.wait(10)
    with pytest.raises(TransportError, match="timed out"):
        driver.run(_token_flow())
    transport.gate.set()
    leader.join(10)


def test_async_a_shared_request_is_cut_at_the_flight_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(async_driver_module, "MAX_FLIGHT_SECONDS", 0.05)
    transport = Hanging()

    async def scenario() -> None:
        with pytest.raises(TransportError, match="timed out"):
            await AsyncDriver(transport).run(_token_flow())

    asyncio.run(scenario())
    assert transport.cancelled == 1
