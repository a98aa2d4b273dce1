"""The asynchronous driver: the async twin of :mod:`entraclient.http.driver`.

It runs the very same flows, awaiting an :class:`AsyncTransport` instead of calling a sync
one, and coalesces identical requests in flight through the same
:class:`~entraclient.http.single_flight.SingleFlight` table: the first caller's request runs
as its own task, and every caller awaits it through :func:`asyncio.shield`, so one cancelled
caller never cancels the request the others wait for. When every caller has gone (cancelled,
timed out), the request is cancelled and its entry released, so a later caller sends afresh
instead of joining a request nobody waits for.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

from entraclient.errors import TransportError
from entraclient.http.async_transport import AsyncTransport
from entraclient.http.driver import Flow
from entraclient.http.fingerprint import fingerprint
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.single_flight import MAX_FLIGHT_SECONDS, SingleFlight
from entraclient.http.wire import transport_failure

__all__ = ["AsyncDriver"]

T = TypeVar("T")
_Task = asyncio.Task[HttpResponse]


class AsyncDriver:
    """Runs flows over an async transport, sharing identical requests in flight."""

    def __init__(
        self, transport: AsyncTransport, *, offload_steps: Callable[[], None] | None = None
    ) -> None:
        self.transport = transport
        # Set when the token cache has an async second-level store: called on the loop before
        # each flow, and then each step of the flow runs in a worker thread, where the cache
        # may wait for that store without blocking the loop (cache/stores/async_bridge.py).
        self._offload_steps = offload_steps
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SingleFlight[_Task]] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to completion and return its result."""
        if self._offload_steps is not None:
            self._offload_steps()
        try:
            request = await asyncio.to_thread(_start, flow) if self._offload_steps else next(flow)
            while True:
                request = await self._step(flow, request)
        except StopIteration as done:
            result: T = done.value
            return result
        except _FlowFinished as finished:
            return cast(T, finished.value)
        finally:
            flow.close()

    async def _step(self, flow: Flow[T], request: HttpRequest) -> HttpRequest:
        loop = asyncio.get_running_loop()
        flights = self._by_loop.setdefault(loop, SingleFlight())
        key = fingerprint(request)
        task, leading = flights.join(key, lambda: self._launch(loop, request))
        try:
            try:
                response = await asyncio.shield(task)
            except TransportError as failure:
                return await self._advance(flow, _shared_failure(failure, leading))
            return await self._advance(flow, response)
        finally:
            if flights.depart(key, task):
                task.cancel()  # nobody waits for it any more (a finished task ignores this)
                flights.release(key, task)
            elif leading and task.done():
                flights.release(key, task)

    async def _advance(self, flow: Flow[T], outcome: HttpResponse | TransportError) -> HttpRequest:
        if self._offload_steps is not None:
            return await asyncio.to_thread(_advance, flow, outcome)
        return _advance(flow, outcome)

    def _launch(self, loop: asyncio.AbstractEventLoop, request: HttpRequest) -> _Task:
        task = loop.create_task(_capped(self.transport.send(request), request))
        task.add_done_callback(_retrieve_outcome)
        return task


async def _capped(sending: Coroutine[Any, Any, HttpResponse], request: HttpRequest) -> HttpResponse:
    try:
        return await asyncio.wait_for(sending, MAX_FLIGHT_SECONDS)
    except asyncio.TimeoutError as late:
        raise transport_failure(request, late) from late


def _shared_failure(failure: TransportError, leading: bool) -> TransportError:
    if leading:
        return failure
    joined = TransportError(str(failure), correlation_id=failure.correlation_id, shared=True)
    joined.__cause__ = failure.__cause__
    return joined


class _FlowFinished(Exception):  # noqa: N818 - a signal, not an error
    """Carries a flow's result out of a coroutine (StopIteration may not cross one)."""

    def __init__(self, value: object) -> None:
        super().__init__()
        self.value = value


def _start(flow: Flow[T]) -> HttpRequest:
    try:
        return next(flow)
    except StopIteration as done:  # may not cross a thread's future either
        raise _FlowFinished(done.value) from None


def _advance(flow: Flow[T], outcome: HttpResponse | TransportError) -> HttpRequest:
    try:
        if isinstance(outcome, TransportError):
            return flow.throw(outcome)
        return flow.send(outcome)
    except StopIteration as done:
        raise _FlowFinished(done.value) from None


def _retrieve_outcome(task: _Task) -> None:
    if not task.cancelled():
        task.exception()  # retrieved here, so an outcome nobody awaited is not reported
