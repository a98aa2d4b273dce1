"""The asynchronous driver: the async twin of :mod:`entraclient.http.driver`.

It runs the very same flows, awaiting an :class:`AsyncTransport` instead of calling a sync
one, and coalesces identical requests in flight: the first caller's request runs as its own
task, and every caller (the first included) awaits it through :func:`asyncio.shield`, so a
cancelled caller never cancels the request the others are waiting for.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar, cast

from entraclient.errors import TransportError
from entraclient.http.async_transport import AsyncTransport
from entraclient.http.driver import Flow
from entraclient.http.fingerprint import fingerprint
from entraclient.http.messages import HttpRequest, HttpResponse

__all__ = ["AsyncDriver"]

T = TypeVar("T")
_InFlight = dict[bytes, "asyncio.Task[HttpResponse]"]


class AsyncDriver:
    """Runs flows over an async transport, sharing identical requests in flight.

    As in the sync driver, the leading caller keeps its request in the table until its flow
    has processed the answer; if the leader is cancelled, the entry goes when the request
    lands.
    """

    def __init__(
        self, transport: AsyncTransport, *, offload_steps: Callable[[], None] | None = None
    ) -> None:
        self.transport = transport
        # Set when the token cache has an async second-level store: called on the loop before
        # each flow, and then each step of the flow runs in a worker thread, where the cache
        # may wait for that store without blocking the loop (cache/stores/async_bridge.py).
        self._offload_steps = offload_steps
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _InFlight] = (
            weakref.WeakKeyDictionary()
        )

    async def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to completion and return its result."""
        if self._offload_steps is not None:
            self._offload_steps()
        try:
            request = await self._first(flow) if self._offload_steps else next(flow)
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
        in_flight = self._by_loop.setdefault(loop, {})
        key = fingerprint(request)
        task = in_flight.get(key)
        leading = task is None
        if task is None:
            task = in_flight[key] = loop.create_task(self.transport.send(request))
            task.add_done_callback(_retrieve_outcome)
        try:
            response = await asyncio.shield(task)
        except TransportError as failure:
            if leading:
                _leave(in_flight, key, task)
            if self._offload_steps is not None:
                return await asyncio.to_thread(_advance, flow, failure)
            return _advance(flow, failure)
        except BaseException:
            if leading:  # cancelled: let the entry go once the request lands
                task.add_done_callback(lambda done: _leave(in_flight, key, done))
            raise
        try:
            if self._offload_steps is not None:
                return await asyncio.to_thread(_advance, flow, response)
            return _advance(flow, response)
        finally:
            if leading:
                _leave(in_flight, key, task)

    async def _first(self, flow: Flow[T]) -> HttpRequest:
        return await asyncio.to_thread(_start, flow)


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


def _leave(in_flight: _InFlight, key: bytes, task: asyncio.Task[HttpResponse]) -> None:
    if in_flight.get(key) is task:
        del in_flight[key]


def _retrieve_outcome(task: asyncio.Task[HttpResponse]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved here, so an outcome nobody awaited is not reported
