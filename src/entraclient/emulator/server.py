"""Serving the emulator's ASGI app over TLS with uvicorn, in a background thread.

Invariants:

* The listening socket is bound before the thread starts, so the port is known (and taken)
  as soon as :class:`BackgroundServer` exists; uvicorn closes it on shutdown.
* uvicorn installs no signal handlers (it runs outside the main thread) and configures no
  logging of its own: the embedding process keeps control of both.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

__all__ = ["BackgroundServer", "bind_loopback"]

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


def bind_loopback(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (0 picks a free port), not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and without it every answer body waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _is_idle(connection: object) -> bool:
    cycle = getattr(connection, "cycle", None)
    return cycle is None or bool(getattr(cycle, "response_complete", False))


class _EmulatorServer(uvicorn.Server):
    """uvicorn, dropping idle keep-alive connections at once when it shuts down.

    A graceful TLS close waits for the peer's ``close_notify``, which an idle pooled client
    never sends; without this, every stop would wait for the graceful-shutdown timeout.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None and _is_idle(connection):
                transport.abort()
        await super().shutdown(sockets)


def _fixed_context(context: ssl.SSLContext) -> Callable[..., ssl.SSLContext]:
    def factory(*_: object) -> ssl.SSLContext:
        return context

    return factory


class BackgroundServer:
    """uvicorn serving ``app`` with ``tls_context`` on ``sock``, in a daemon thread."""

    def __init__(self, app: ASGIApp, sock: socket.socket, tls_context: ssl.SSLContext) -> None:
        config = uvicorn.Config(
            app,
            http="h11",
            ws="none",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=2,
            ssl_context_factory=_fixed_context(tls_context),
        )
        self._server = _EmulatorServer(config)
        self._socket = sock
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="entraclient-emulator",
            daemon=True,
        )

    def start(self) -> None:
        """Start serving; return once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator's HTTPS server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving, close open connections and wait for the thread to end."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)
        self._socket.close()
