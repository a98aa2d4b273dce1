"""http/driver.py: flows run to completion; identical requests in flight are coalesced."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from entraclient.errors import TransportError
from entraclient.http.driver import Flow, SyncDriver
from entraclient.http.messages import HttpRequest, HttpResponse


class GatedTransport:
    """Counts sends and holds every answer until the test opens the gate."""

    def __init__(self, *, fail: bool = False) -> None:
        self.gate = threading.Event()
        self.sent: list[HttpRequest] = []
        self.lock = threading.Lock()
        self.fail = fail

    def send(self, request: HttpRequest) -> HttpResponse:
        with self.lock:
            self.sent.append(request)
        assert self.gate.wait(10)
        if self.fail:
            raise TransportError("reset")
        return HttpResponse.build(200, f"answer to {request.form_value('n')}")


def _token_flow(n: str) -> Flow[str]:
    response = yield HttpRequest(
        "POST", "https://login.microsoftonline.com/t/token", form=(("n", n),)
    )
    return response.text


def _run_many(driver: SyncDriver, names: list[str], transport: GatedTransport) -> list[object]:
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = [pool.submit(driver.run, _token_flow(n)) for n in names]
        while len(transport.sent) < len(set(names)):
            threading.Event().wait(0.01)
        threading.Event().wait(0.05)  # let followers reach the flight table
        transport.gate.set()
        outcomes: list[object] = []
        for future in futures:
            try:
                outcomes.append(future.result(10))
            except TransportError as failure:
                outcomes.append(failure)
        return outcomes


def test_identical_requests_in_flight_are_sent_once() -> None:
    transport = GatedTransport()
    outcomes = _run_many(SyncDriver(transport), ["same"] * 50, transport)
    assert len(transport.sent) == 1
    assert outcomes == ["answer to same"] * 50


def test_different_requests_proceed_in_parallel() -> None:
    transport = GatedTransport()
    names = [str(i) for i in range(20)]
    outcomes = _run_many(SyncDriver(transport), names, transport)
    assert len(transport.sent) == 20
    assert outcomes == [f"answer to {n}" for n in names]


def test_a_shared_failure_reaches_every_caller_with_its_cause() -> None:
    transport = GatedTransport(fail=True)
    outcomes = _run_many(SyncDriver(transport), ["same"] * 10, transport)
    assert len(transport.sent) == 1
    assert all(isinstance(o, TransportError) for o in outcomes)


def test_later_requests_are_sent_again_once_the_first_landed() -> None:
    transport = GatedTransport()
    transport.gate.set()
    driver = SyncDriver(transport)
    assert driver.run(_token_flow("x")) == driver.run(_token_flow("x"))
    assert len(transport.sent) == 2


def test_the_flow_can_catch_a_transport_error() -> None:
    transport = GatedTransport(fail=True)
    transport.gate.set()

    def tolerant() -> Flow[str]:
        try:
            yield HttpRequest("GET", "https://login.microsoftonline.com/x")
        except TransportError:
            return "fallback"
        return "answer"

    assert SyncDriver(transport).run(tolerant()) == "fallback"


def test_the_flow_is_closed_when_the_transport_fails() -> None:
    transport = GatedTransport(fail=True)
    transport.gate.set()
    closed = []

    def flow() -> Flow[str]:
        try:
            yield HttpRequest("GET", "https://login.microsoftonline.com/x")
        finally:
            closed.append(True)
        return "never"

    with pytest.raises(TransportError):
        SyncDriver(transport).run(flow())
    assert closed == [True]
