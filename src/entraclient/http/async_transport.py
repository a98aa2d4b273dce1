"""The asynchronous transport for the asyncio façade, over ``httpx.AsyncClient``.

It follows the rules of :mod:`entraclient.http.wire`, exactly as the sync transports do: the
request's timeout (else the application's, else the default), the body read through
``client.stream()`` into a :class:`~entraclient.http.wire.BodyReader` (size cap, body
deadline, strict charset), no redirects, the CA rule, and the proxy rule applied per request
(the environment's ``HTTPS_PROXY``/``NO_PROXY`` included). A request that gets no HTTP answer
raises :class:`~entraclient.errors.TransportError` with its correlation id.

``httpx`` is imported when the client is built; without the ``async`` extra that raises an
``ImportError`` saying what to install. httpx's own request log is kept at DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from entraclient import emulator_switch
from entraclient.errors import TransportError
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.wire import (
    BodyReader,
    CallPlan,
    Timeout,
    Verify,
    flight_lifetime,
    plan_call,
    proxy_for,
    ssl_context,
    transport_failure,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncTransport", "HttpxTransport", "build_httpx_client", "import_httpx"]

_CHUNK = 65536


class AsyncTransport(Protocol):
    """Anything that can send one request and await its response."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``; raise :class:`TransportError` when no answer came back."""
        ...

    async def aclose(self) -> None:
        """Release what the transport opened."""
        ...


def import_httpx() -> Any:
    """``httpx``, or an ``ImportError`` naming the extra that provides it."""
    try:
        import httpx
    except ImportError as missing:
        raise ImportError(
            "the async application needs httpx: pip install 'entraclient[async]'"
        ) from missing
    # httpx logs every request URL (tenant included) at INFO; ours are logged masked.
    logger = logging.getLogger("httpx")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)
    return httpx


def build_httpx_client(
    *, verify: Verify = True, proxies: Mapping[str, str] | None = None
) -> httpx.AsyncClient:
    """The default ``httpx.AsyncClient`` (the one place it is built).

    Each request is routed to a connection pool by the proxy rule of
    :func:`entraclient.http.wire.proxy_for`; pools retry once on connection failures.
    Timeouts are not the client's: each request carries its own (see :mod:`.wire`).
    """
    routed = emulator_switch.switched_httpx_client()
    if routed is not None:  # ENTRACLIENT_EMULATOR is set: the emulator, and nothing else
        return routed
    httpx_module = import_httpx()
    router = _proxy_router(httpx_module, ssl_context(verify), proxies)
    return httpx_module.AsyncClient(  # type: ignore[no-any-return]
        transport=router, follow_redirects=False, trust_env=False
    )


def _proxy_router(httpx_module: Any, context: Any, proxies: Mapping[str, str] | None) -> Any:
    class ProxyRouter(httpx_module.AsyncBaseTransport):  # type: ignore[misc]
        """Sends each request through the pool of the proxy the wire rule picks for it."""

        def __init__(self) -> None:
            self.pools: dict[str | None, Any] = {}

        def _pool(self, url: str) -> Any:
            proxy = proxy_for(url, proxies)
            if proxy not in self.pools:
                self.pools[proxy] = httpx_module.AsyncHTTPTransport(
                    verify=context, retries=1, proxy=proxy, trust_env=False
                )
            return self.pools[proxy]

        async def handle_async_request(self, request: Any) -> Any:
            return await self._pool(str(request.url)).handle_async_request(request)

        async def aclose(self) -> None:
            for pool in self.pools.values():
                await pool.aclose()

    return ProxyRouter()


class HttpxTransport:
    """The default async transport; a caller's ``httpx.AsyncClient`` may replace the client."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient | None = None,
        verify: Verify = True,
        proxies: Mapping[str, str] | None = None,
        timeout: Timeout = None,
    ) -> None:
        httpx_module = import_httpx()
        if client is not None and not isinstance(client, httpx_module.AsyncClient):
            raise TypeError("http_client for the async application must be an httpx.AsyncClient")
        self._owns_client = client is None
        self._client = client or build_httpx_client(verify=verify, proxies=proxies)
        self.timeout = timeout

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` by the rules of :mod:`entraclient.http.wire`."""
        plan = plan_call(request, self.timeout)
        try:
            return await asyncio.wait_for(self._exchange(plan), flight_lifetime(plan))
        except TransportError:
            raise
        except Exception as exc:  # httpx, anyio and the socket layer raise many kinds
            raise transport_failure(request, exc) from exc

    async def _exchange(self, plan: CallPlan) -> HttpResponse:
        httpx_module = import_httpx()
        timeout = httpx_module.Timeout(plan.read_timeout, connect=plan.connect_timeout)
        async with self._client.stream(
            plan.method,
            plan.url,
            params=_query(plan),
            content=_form_bytes(plan),
            headers=_with_form_type(plan),
            timeout=timeout,
            follow_redirects=False,
        ) as raw:
            reader = BodyReader(plan.read_timeout)
            async for chunk in raw.aiter_bytes():
                if not reader.feed(chunk):
                    break
            return reader.finish(raw.status_code, dict(raw.headers.items()))

    async def aclose(self) -> None:
        """Close the client if this transport created it."""
        if self._owns_client:
            await self._client.aclose()


def _form_bytes(plan: CallPlan) -> bytes | None:
    # Encoded here from the ordered pairs, so duplicate keys survive as on the sync side.
    from urllib.parse import urlencode

    return None if plan.form is None else urlencode(plan.form).encode("ascii")


def _with_form_type(plan: CallPlan) -> dict[str, str]:
    headers = dict(plan.headers)
    if plan.form is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def _query(plan: CallPlan) -> Any:
    return list(plan.query) or None
