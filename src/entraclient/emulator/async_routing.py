"""The routing transport for ``httpx``: real Entra host names served by the emulator.

The async twin of :mod:`entraclient.emulator.routing`: the same :class:`HostRouter` decides
where a host goes; the TCP connection goes there while SNI and certificate verification use
the requested name, against the emulator's CA. One connection pool per host name, so a
connection verified for one name is never reused for another. Unrouted names raise
``httpx.ConnectError`` without any DNS look-up.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx

from entraclient.emulator.routing import HostRouter

__all__ = ["AsyncRoutingTransport", "routed_async_client"]


class AsyncRoutingTransport(httpx.AsyncBaseTransport):
    """An httpx transport that connects routed host names to the emulator."""

    def __init__(self, router: HostRouter, ca_path: str | Path) -> None:
        self._router = router
        self._tls = ssl.create_default_context(cafile=str(ca_path))
        self._pools: dict[str, httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        default_port = 443 if request.url.scheme == "https" else 80
        target = self._router.route(host, request.url.port or default_port)
        if target is None or request.url.scheme != "https":
            raise httpx.ConnectError(f"{host} is not served by the emulator", request=request)
        pool = self._pools.get(host)
        if pool is None:
            pool = self._pools[host] = httpx.AsyncHTTPTransport(verify=self._tls)
        request.url = request.url.copy_with(host=target[0], port=target[1])
        request.extensions = {**request.extensions, "sni_hostname": host}
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()


def routed_async_client(router: HostRouter, ca_path: str | Path) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` reaching the emulator under the real host names."""
    return httpx.AsyncClient(
        transport=AsyncRoutingTransport(router, ca_path), trust_env=False, follow_redirects=False
    )
