"""Asynchronous transports for the asyncio façade, over ``httpx.AsyncClient``.

:class:`HttpxTransport` is the default: it builds an ``httpx.AsyncClient`` that retries once
on connection failures and applies ``verify``, ``proxies`` and ``timeout``, or it uses the
``httpx.AsyncClient`` a caller hands in (which it then does not close). Either way a request
that gets no HTTP answer raises :class:`~entraclient.errors.TransportError`.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Protocol

import httpx

from entraclient import emulator_switch
from entraclient.errors import TransportError
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.transport import Timeout, Verify

__all__ = ["AsyncTransport", "HttpxTransport"]


class AsyncTransport(Protocol):
    """Anything that can send one request and await its response."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``; raise :class:`TransportError` when no answer came back."""
        ...

    async def aclose(self) -> None:
        """Release what the transport opened."""
        ...


def _ssl_context(verify: Verify) -> ssl.SSLContext | bool:
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


def _httpx_timeout(timeout: Timeout) -> httpx.Timeout:
    if timeout is None:
        return httpx.Timeout(None)
    if isinstance(timeout, tuple):
        connect, read = timeout
        return httpx.Timeout(read, connect=connect)
    return httpx.Timeout(timeout)


def build_httpx_client(
    *, verify: Verify = True, proxies: Mapping[str, str] | None = None, timeout: Timeout = None
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that retries once on connection failures, like the sync one."""
    routed = emulator_switch.switched_httpx_client(_httpx_timeout(timeout))
    if routed is not None:  # ENTRACLIENT_EMULATOR is set: the emulator, and nothing else
        return routed
    context = _ssl_context(verify)
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for scheme, proxy in (proxies or {}).items():
        mounts[f"{scheme}://"] = httpx.AsyncHTTPTransport(verify=context, retries=1, proxy=proxy)
    return httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(verify=context, retries=1),
        mounts=mounts,
        timeout=_httpx_timeout(timeout),
        follow_redirects=False,
    )


class HttpxTransport:
    """The default async transport."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient | None = None,
        verify: Verify = True,
        proxies: Mapping[str, str] | None = None,
        timeout: Timeout = None,
    ) -> None:
        if client is not None and not isinstance(client, httpx.AsyncClient):
            raise TypeError("http_client for the async application must be an httpx.AsyncClient")
        self._owns_client = client is None
        self._client = client or build_httpx_client(verify=verify, proxies=proxies, timeout=timeout)

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` without following redirects."""
        try:
            raw = await self._client.request(
                request.method,
                request.url,
                params=list(request.query) or None,
                data=dict(request.form) if request.form is not None else None,
                headers=dict(request.headers),
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            target = request.url.split("?", 1)[0]
            raise TransportError(f"{request.method} {target} failed: {type(exc).__name__}") from exc
        return HttpResponse.build(raw.status_code, raw.text, dict(raw.headers.items()))

    async def aclose(self) -> None:
        """Close the client if this transport created it."""
        if self._owns_client:
            await self._client.aclose()
