"""``AsyncManagedIdentityClient``: the asyncio twin of :class:`ManagedIdentityClient`.

It runs the same flow over an ``httpx.AsyncClient`` (``http_client``, or one of its own),
with the same cache look-up, throttling and coalescing of identical requests in flight.
Service Fabric's thumbprint-pinned endpoint is reached through the sync pinned transport in a
worker thread, since the pin must be checked before the request is sent.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from entraclient.cache import TokenCache
from entraclient.errors import FlowError
from entraclient.http.async_driver import AsyncDriver
from entraclient.http.async_transport import AsyncTransport, HttpxTransport
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.policies import AsyncPolicyTransport
from entraclient.http.transport import SyncTransport
from entraclient.managed_identity.core import ManagedIdentityCore
from entraclient.managed_identity.sources import HostEnvironment
from entraclient.managed_identity.throttling import IdentityHostThrottling

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncManagedIdentityClient"]


class _ThreadedTransport:
    """A sync transport made awaitable by running each request in a worker thread."""

    def __init__(self, inner: SyncTransport) -> None:
        self._inner = inner

    async def send(self, request: HttpRequest) -> HttpResponse:
        return await asyncio.to_thread(self._inner.send, request)

    async def aclose(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


class AsyncManagedIdentityClient:
    """Acquires managed identity tokens with ``await``; arguments as
    :class:`~entraclient.managed_identity.ManagedIdentityClient`, except that ``http_client``
    is an optional ``httpx.AsyncClient``."""

    def __init__(
        self,
        managed_identity: object,
        *,
        http_client: httpx.AsyncClient | None = None,
        token_cache: TokenCache | None = None,
        http_cache: Any = None,
        client_capabilities: Sequence[str] | None = None,
        arc_key_directory: str | os.PathLike[str] | None = None,
    ) -> None:
        self._core = ManagedIdentityCore(
            managed_identity,
            token_cache=token_cache,
            client_capabilities=client_capabilities,
            arc_key_directory=arc_key_directory,
        )
        self._transports: list[AsyncPolicyTransport] = []
        self._driver = self._driver_over(HttpxTransport(client=http_client))
        self._pinned: dict[str, AsyncDriver] = {}

    async def acquire_token_for_client(
        self, *, resource: str, claims_challenge: str | None = None
    ) -> dict[str, Any]:
        """A token for ``resource``, from the cache when it holds a good one (MSAL's dict)."""
        host, flow = self._core.token_flow(resource, claims_challenge)
        try:
            return await self._driver_for(host).run(flow)
        except FlowError as failure:
            return failure.result()

    async def aclose(self) -> None:
        """Close the transports this client opened."""
        for transport in self._transports:
            await transport.aclose()

    async def __aenter__(self) -> AsyncManagedIdentityClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _driver_over(self, transport: AsyncTransport) -> AsyncDriver:
        throttling = IdentityHostThrottling(self._core.throttle)
        policed = AsyncPolicyTransport(transport, [throttling])
        self._transports.append(policed)
        return AsyncDriver(policed)

    def _driver_for(self, host: HostEnvironment) -> AsyncDriver:
        thumbprint = host.server_thumbprint
        if thumbprint is None:
            return self._driver
        driver = self._pinned.get(thumbprint)  # one event loop thread: no lock needed
        if driver is None:
            from entraclient.managed_identity.pinning import pinned_transport  # needs requests

            transport = _ThreadedTransport(pinned_transport(thumbprint))
            driver = self._pinned[thumbprint] = self._driver_over(transport)
        return driver

    def __repr__(self) -> str:
        return f"AsyncManagedIdentityClient({self._core.context.selector.kind})"
