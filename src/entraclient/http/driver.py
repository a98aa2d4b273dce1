"""The synchronous driver: runs flows by sending each request they yield, and coalesces
identical requests that several threads have in flight at once.

A flow is a generator that yields :class:`HttpRequest` values, is sent back the matching
:class:`HttpResponse`, and returns its result. When the transport raises
:class:`~entraclient.errors.TransportError`, the driver throws it into the flow at its
``yield``, so a flow may fall back (to a cached token, say) or let it propagate. The driver
closes the flow whatever happens, so a flow's ``finally`` blocks always run.

Coalescing (single flight, :mod:`entraclient.http.single_flight`): while one thread waits for
the answer to a request, another thread yielding an identical request (same
:func:`fingerprint`) does not send it again but shares the same answer or failure.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import TypeVar

from entraclient.errors import TransportError
from entraclient.http.fingerprint import fingerprint
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.single_flight import MAX_FLIGHT_SECONDS, SingleFlight
from entraclient.http.transport import SyncTransport
from entraclient.http.wire import transport_failure

__all__ = ["Flow", "SyncDriver"]

T = TypeVar("T")
Flow = Generator[HttpRequest, HttpResponse, T]


class _Flight:
    """One request in flight and, once it lands, its outcome."""

    __slots__ = ("failure", "landed", "request", "response")

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
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
        self._flights: SingleFlight[_Flight] = SingleFlight()

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

    def _step(self, flow: Flow[T], request: HttpRequest) -> HttpRequest:
        key = fingerprint(request)
        flight, leading = self._flights.join(key, lambda: _Flight(request))
        try:
            try:
                response = self._fly(flight) if leading else _await(flight)
            except TransportError as failure:
                return flow.throw(failure)
            return flow.send(response)
        finally:
            self._flights.depart(key, flight)
            if leading:
                self._flights.release(key, flight)

    def _fly(self, flight: _Flight) -> HttpResponse:
        try:
            flight.response = self.transport.send(flight.request)
            return flight.response
        except TransportError as failure:
            flight.failure = failure
            raise
        except BaseException as unexpected:  # Ctrl-C, a bug: the joiners must not hang
            flight.failure = transport_failure(flight.request, unexpected)
            flight.failure.__cause__ = unexpected
            raise
        finally:
            flight.landed.set()


def _await(flight: _Flight) -> HttpResponse:
    if not flight.landed.wait(MAX_FLIGHT_SECONDS):
        raise transport_failure(flight.request, TimeoutError("the shared request never landed"))
    if flight.failure is not None:
        raise TransportError(
            str(flight.failure), correlation_id=flight.failure.correlation_id, shared=True
        ) from flight.failure.__cause__
    assert flight.response is not None
    return flight.response
