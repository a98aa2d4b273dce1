"""The routing transport: real Entra host names served by the emulator, over verified TLS.

Invariants:

* :class:`HostRouter` decides, from the host name alone and without resolving it, where a
  connection goes: Entra hosts to the emulator, loopback hosts to themselves, anything else
  nowhere. Unrouted hosts raise :class:`requests.ConnectionError` before any DNS look-up.
* TLS is verified for the *requested* name (SNI and hostname check use it) against the
  emulator's CA, which the adapter passes on every request: ``REQUESTS_CA_BUNDLE`` and
  ``session.verify`` cannot replace it.
* Connection pooling is urllib3's own; only the TCP connect is redirected.
* An injected :class:`~.faults.RefuseConnection` is taken by the adapter before sending: the
  pooled connections are dropped and the next connects for that host go to a closed loopback
  port (:class:`ConnectionRefusals`), so the client's own retry policy meets a real refusal.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.poolmanager import PoolManager
from urllib3.util.connection import create_connection

from entraclient.emulator.faults import FaultPlan
from entraclient.emulator.hosts import (
    LOOPBACK_HOSTS,
    ROUTED_HOST_SUFFIXES,
    WELL_KNOWN_AUTHORITY_HOSTS,
    HostSet,
)

__all__ = ["ConnectionRefusals", "HostRouter", "RoutingAdapter", "routed_session"]

Address = tuple[str, int]


class ConnectionRefusals:
    """Hosts whose next connects go to a closed loopback port (thread-safe).

    ``dead_address`` is a port the emulator holds bound without listening, so connecting to
    it is refused at once and no other process can start listening there.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, int | None] = {}
        self.dead_address: Address | None = None

    def refuse(self, host: str, attempts: int | None) -> None:
        """Refuse the next ``attempts`` connects to ``host`` (``None``: until :meth:`stop`)."""
        with self._lock:
            self._pending[host.lower()] = attempts

    def stop(self, host: str) -> None:
        """Let connects to ``host`` through again."""
        with self._lock:
            self._pending.pop(host.lower(), None)

    def target(self, host: str, address: Address) -> Address:
        """Where a connect to ``host`` (normally ``address``) goes now."""
        with self._lock:
            if self.dead_address is None or host.lower() not in self._pending:
                return address
            left = self._pending[host.lower()]
            if left is not None:
                if left <= 1:
                    del self._pending[host.lower()]
                else:
                    self._pending[host.lower()] = left - 1
            return self.dead_address


class HostRouter:
    """Where connections to a host name go: ``route(host, port)`` → ``(ip, port)`` or None."""

    def __init__(self, emulator_address: Address, extra_hosts: HostSet | None = None) -> None:
        self.emulator_address = emulator_address
        self.extra_hosts = extra_hosts if extra_hosts is not None else HostSet()

    def __repr__(self) -> str:
        return f"HostRouter(emulator={self.emulator_address})"

    def route(self, host: str, port: int) -> Address | None:
        """The address to connect to for ``host``:``port``, or ``None`` if it is not routed."""
        name = host.strip("[]").lower().rstrip(".")
        if name in LOOPBACK_HOSTS:
            return ("::1" if name == "::1" else "127.0.0.1", port)
        if self.is_entra_host(name) or name in self.extra_hosts:
            return self.emulator_address
        return None

    @staticmethod
    def is_entra_host(name: str) -> bool:
        """Whether ``name`` is an Entra authority host (well-known, regional, B2C or CIAM)."""
        if name in WELL_KNOWN_AUTHORITY_HOSTS:
            return True
        suffixes = (*ROUTED_HOST_SUFFIXES, *("." + h for h in WELL_KNOWN_AUTHORITY_HOSTS))
        return name.endswith(suffixes)


class RoutedHTTPSConnection(HTTPSConnection):
    """An HTTPS connection to ``host`` whose TCP socket goes to ``route_to`` instead."""

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        route_to: Address,
        refusals: ConnectionRefusals | None = None,
        **kw: Any,
    ):
        super().__init__(host, port, **kw)
        self.route_to = route_to
        self.refusals = refusals

    def _new_conn(self) -> socket.socket:
        target = self.route_to
        if self.refusals is not None:
            target = self.refusals.target(self.host, target)
        try:
            sock = create_connection(
                target,
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as e:
            message = f"Connection to the emulator for {self.host} timed out."
            raise ConnectTimeoutError(self, message) from e
        except OSError as e:
            message = f"Failed to reach the emulator for {self.host}: {e}"
            raise NewConnectionError(self, message) from e
        return sock


class RoutedHTTPSConnectionPool(HTTPSConnectionPool):
    """A pool of :class:`RoutedHTTPSConnection`."""

    ConnectionCls = RoutedHTTPSConnection


class RoutedPoolManager(PoolManager):
    """A pool manager whose HTTPS pools connect where a :class:`HostRouter` says."""

    def __init__(
        self, router: HostRouter, refusals: ConnectionRefusals | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self._router = router
        self._refusals = refusals
        self.pool_classes_by_scheme = {"https": RoutedHTTPSConnectionPool}

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        route_to = self._router.route(host, port)
        if scheme != "https" or route_to is None:
            raise requests.ConnectionError(f"{scheme}://{host} is not routed to the emulator")
        context = dict(request_context if request_context is not None else self.connection_pool_kw)
        context["route_to"] = route_to
        context["refusals"] = self._refusals
        return super()._new_pool(scheme, host, port, context)


class RoutingAdapter(HTTPAdapter):
    """A ``requests`` adapter that sends Entra host names to the emulator, TLS-verified.

    Mount it for both ``https://`` and ``http://`` on a session; plain HTTP and every host
    the router does not know raise :class:`requests.ConnectionError` without a DNS look-up.
    """

    def __init__(
        self,
        router: HostRouter,
        ca_path: str | Path,
        *,
        faults: FaultPlan | None = None,
        refusals: ConnectionRefusals | None = None,
        **kw: Any,
    ) -> None:
        self._router = router
        self.ca_path = str(ca_path)
        self._faults = faults
        self._refusals = refusals
        super().__init__(**kw)

    def __repr__(self) -> str:
        return f"RoutingAdapter({self._router!r}, ca_path={self.ca_path!r})"

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """Use a :class:`RoutedPoolManager` (called by ``HTTPAdapter.__init__``)."""
        self.poolmanager = RoutedPoolManager(
            self._router,
            self._refusals,
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            **pool_kwargs,
        )

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send ``request`` to where the router says, verifying TLS against our CA only."""
        self._check_routed(request)
        host = self._refuse_if_injected(request)
        try:
            return super().send(
                request, stream, timeout, verify=self.ca_path, cert=cert, proxies={}
            )
        finally:
            if host is not None and self._refusals is not None:
                self._refusals.stop(host)

    def _refuse_if_injected(self, request: requests.PreparedRequest) -> str | None:
        """Arm a refusal for ``request``'s host if one is injected; return that host."""
        if self._faults is None or self._refusals is None:
            return None
        url = urlsplit(request.url or "")
        host = (url.hostname or "").lower()
        refusal = self._faults.take_refusal(request.method or "GET", host, url.path)
        if refusal is None:
            return None
        self._refusals.refuse(host, refusal.attempts)
        self.poolmanager.clear()  # a pooled connection would bypass the refusal
        return host

    def _check_routed(self, request: requests.PreparedRequest) -> None:
        url = urlsplit(request.url or "")
        port = url.port or 443
        if url.scheme != "https" or self._router.route(url.hostname or "", port) is None:
            message = f"{url.scheme}://{url.hostname} is not routed to the entraclient emulator"
            raise requests.ConnectionError(message, request=request)


def routed_session(adapter: RoutingAdapter) -> requests.Session:
    """A ``requests.Session`` that sends everything through ``adapter`` and ignores env proxies."""
    session = requests.Session()
    session.trust_env = False
    session.verify = adapter.ca_path
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
