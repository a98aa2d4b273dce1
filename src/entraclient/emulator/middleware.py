"""ASGI middleware of the emulator: the request log, and ``//`` collapsing in paths.

Invariants:

* The log records a request *before* its response starts going out, so a client that got
  its answer always finds the request in :class:`~.request_log.RequestLog`.
* The log keeps the path as the client sent it; routing sees it with ``//`` collapsed
  (MSAL's default authority ``.../common/`` asks for ``/common//v2.0/...``).
* A request that got no answer at all (an injected fault gave up on it) is logged with
  status 0 once the emulator is done with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import MappingProxyType
from urllib.parse import parse_qsl, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entraclient.emulator.request_log import LoggedRequest, RequestLog

__all__ = ["CollapseSlashesMiddleware", "RequestLogMiddleware"]

_SLASHES = re.compile(r"/{2,}")


class CollapseSlashesMiddleware:
    """Route ``/a//b`` as ``/a/b``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            path = _SLASHES.sub("/", scope["path"])
            scope = {**scope, "path": path, "raw_path": quote(path).encode("ascii")}
        await self.app(scope, receive, send)


async def read_body(receive: Receive) -> bytes:
    """The whole request body, read from the ASGI ``receive`` channel."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands ``body`` (already read) to the app, then defers to ``receive``."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _logged_request(scope: Scope, body: bytes, status: int, now: float) -> LoggedRequest:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    is_form = content_type == "application/x-www-form-urlencoded"
    form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True) if is_form else []
    query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    return LoggedRequest(
        method=scope["method"],
        host=headers.get("host", ""),
        path=scope["path"],
        query=tuple(query),
        form=tuple(form),
        headers=MappingProxyType(headers),
        status=status,
        time=now,
    )


class RequestLogMiddleware:
    """Append every HTTP request, with the status of its answer, to a :class:`RequestLog`."""

    def __init__(self, app: ASGIApp, log: RequestLog, clock: Callable[[], float]) -> None:
        self.app = app
        self._log = log
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)

        logged = False

        async def send_after_logging(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start":
                record = _logged_request(scope, body, message["status"], self._clock())
                self._log.append(record)
                logged = True
            await send(message)

        try:
            await self.app(scope, replaying(body, receive), send_after_logging)
        finally:
            if not logged:
                self._log.append(_logged_request(scope, body, 0, self._clock()))
