"""The ASGI middleware that carries out the server faults of a :class:`~.faults.FaultPlan`.

Invariants:

* It sits inside the request log, so every faulted request is logged.
* A fault that waits (:class:`~.faults.DelayHeaders`, :class:`~.faults.SlowBody`) stops as
  soon as the client closes its connection, so an abandoned request never answers late.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entraclient.emulator.faults import (
    DelayHeaders,
    DropMidBody,
    FaultPlan,
    Headers,
    Respond,
    ServerFault,
    SlowBody,
)
from entraclient.emulator.hosts import split_host_port
from entraclient.emulator.middleware import read_body, replaying

__all__ = ["FaultMiddleware"]


class FaultMiddleware:
    """Carries out the server faults of a :class:`FaultPlan` instead of the application."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host_header = next((v for k, v in scope["headers"] if k.lower() == b"host"), b"")
        host, _ = split_host_port(host_header.decode("latin-1"))
        fault = self.plan.take_server_fault(scope["method"], host, scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        watcher = _DisconnectWatcher(receive)
        try:
            await self._carry_out(fault, scope, body, watcher, send)
        finally:
            watcher.stop()

    async def _carry_out(
        self,
        fault: ServerFault,
        scope: Scope,
        body: bytes,
        watcher: _DisconnectWatcher,
        send: Send,
    ) -> None:
        if isinstance(fault, Respond):
            await _respond(send, fault.status, fault.headers, fault.body)
        elif isinstance(fault, DropMidBody):
            await _start(send, fault.status, fault.headers, len(fault.body))
            await send({"type": "http.response.body", "body": fault.body[: fault.sent]})
            # Returning with the body incomplete makes the server close the connection.
        elif isinstance(fault, SlowBody):
            await _start(send, fault.status, fault.headers, len(fault.body))
            await _trickle(send, fault, watcher)
        elif not isinstance(fault, DelayHeaders):
            raise TypeError(f"not a server fault: {fault!r}")
        elif await watcher.wait(fault.seconds):
            return  # the client gave up: no answer at all
        elif fault.then is not None:
            await _respond(send, fault.then.status, fault.then.headers, fault.then.body)
        else:
            watcher.stop()
            await self.app(scope, replaying(body, watcher.receive), send)


class _DisconnectWatcher:
    """Notices when the client closes its connection while a fault is being carried out."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self._task: asyncio.Task[Message] | None = asyncio.ensure_future(receive())

    @property
    def disconnected(self) -> bool:
        task = self._task
        return task is not None and task.done() and not task.cancelled()

    async def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; ``True`` if the client disconnected meanwhile."""
        if self._task is None:
            await asyncio.sleep(seconds)
            return False
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), seconds)
        return self.disconnected

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None


async def _start(send: Send, status: int, headers: Headers, length: int) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    if not any(k.lower() == "content-length" for k, _ in headers):
        raw.append((b"content-length", str(length).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": raw})


async def _respond(send: Send, status: int, headers: Headers, body: bytes) -> None:
    await _start(send, status, headers, len(body))
    await send({"type": "http.response.body", "body": body})


async def _trickle(send: Send, fault: SlowBody, watcher: _DisconnectWatcher) -> None:
    for start in range(0, len(fault.body), fault.chunk):
        if await watcher.wait(fault.interval):
            return
        piece = fault.body[start : start + fault.chunk]
        more = start + fault.chunk < len(fault.body)
        await send({"type": "http.response.body", "body": piece, "more_body": more})
