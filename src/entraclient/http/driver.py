"""The synchronous driver: runs flows by sending each request they yield, and coalesces
identical requests that several threads have in flight at once.

A flow is a generator that yields :class:`HttpRequest` values, is sent back the matching
:class:`HttpResponse`, and returns its result. When the transport raises
:class:`~entraclient.errors.TransportError`, the driver throws it into the flow at its
``yield``, so a flow may fall back (to a cached token, say) or let it propagate. The driver
closes the flow whatever happens, so a flow's ``finally`` blocks always run.

Coalescing (single flight): while one thread waits for the answer to a request, another
thread yielding an identical request (same :func:`fingerprint`) does not send it again but
waits for, and shares, the same answer or failure. So 200 threads missing the same token
cause one request to the identity provider; different requests proceed in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import TypeVar

from entraclient.errors import TransportError
from entraclient.http.fingerprint import fingerprint
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.transport import SyncTransport

__all__ = ["Flow", "SyncDriver", "run_sync"]

T = TypeVar("T")
Flow = Generator[HttpRequest, HttpResponse, T]


def run_sync(flow: Flow[T], transport: SyncTransport) -> T:
    """Drive ``flow`` to completion over ``transport`` and return its result."""
    try:
        request = next(flow)
        while True:
            try:
                response = transport.send(request)
            except TransportError as failure:
                request = flow.throw(failure)
            else:
                request = flow.send(response)
    except StopIteration as done:
        result: T = done.value
        return result
    finally:
        flow.close()


class _Flight:
    """One request in flight and, once it lands, its outcome."""

    __slots__ = ("failure", "landed", "response")

    def __init__(self) -> None:
        self.landed = threading.Event()
        self.response: HttpResponse | None = None
        self.failure: TransportError | None = None


class SyncDriver:
    """Runs flows over a transport, sharing identical requests in flight between threads.

    The leading thread keeps its request in the table until its flow has *processed* the
    answer (and so cached the token): a thread that missed the cache just before that moment
    joins the flight instead of sending a second request.
    """

    def __init__(self, transport: SyncTransport) -> None:
        self.transport = transport
        self._lock = threading.Lock()
        self._in_flight: dict[bytes, _Flight] = {}

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to completion and return its result."""
        try:
            request = next(flow)
            while True:
                request = self._step(flow, request)
        except StopIteration as done:
            result: T = done.value
            return result
        finally:
            flow.close()

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send one request outside any flow (coalesced like the others)."""
        return self.run(_single(request))

    def _step(self, flow: Flow[T], request: HttpRequest) -> HttpRequest:
        key = fingerprint(request)
        with self._lock:
            flight = self._in_flight.get(key)
            leading = flight is None
            if flight is None:
                flight = self._in_flight[key] = _Flight()
        try:
            response = self._fly(flight, request) if leading else _await(flight)
        except TransportError as failure:
            if leading:
                self._leave(key, flight)
            return flow.throw(failure)
        try:
            return flow.send(response)
        finally:
            if leading:
                self._leave(key, flight)

    def _fly(self, flight: _Flight, request: HttpRequest) -> HttpResponse:
        try:
            flight.response = self.transport.send(request)
            return flight.response
        except TransportError as failure:
            flight.failure = failure
            raise
        except BaseException as unexpected:
            flight.failure = TransportError(f"request failed: {type(unexpected).__name__}")
            flight.failure.__cause__ = unexpected
            raise
        finally:
            flight.landed.set()

    def _leave(self, key: bytes, flight: _Flight) -> None:
        with self._lock:
            if self._in_flight.get(key) is flight:
                del self._in_flight[key]


def _await(flight: _Flight) -> HttpResponse:
    flight.landed.wait()
    if flight.failure is not None:
        raise TransportError(str(flight.failure)) from flight.failure.__cause__
    assert flight.response is not None
    return flight.response


def _single(request: HttpRequest) -> Flow[HttpResponse]:
    response = yield request
    return response
