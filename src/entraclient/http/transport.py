"""Synchronous transports: the only code that sends bytes for the sync façade.

A transport turns one :class:`HttpRequest` into one :class:`HttpResponse`, or raises
:class:`~entraclient.errors.TransportError` when no HTTP answer came back. Two ship here:

* :class:`RequestsTransport`, the default: a ``requests.Session`` retrying once on a
  connection error, passing ``verify``, ``proxies`` and ``timeout`` on every request (so the
  ``REQUESTS_CA_BUNDLE`` environment variable cannot silently replace ``verify``);
* :class:`HttpClientTransport`, which adapts a user's ``http_client`` of the documented shape
  (``post(url, params=None, data=None, headers=None, **kwargs)`` and ``get(...)`` returning
  an object with ``status_code``, ``text`` and ``headers``). It gets no retries of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from entraclient.errors import TransportError
from entraclient.http.messages import HttpRequest, HttpResponse

__all__ = [
    "HttpClientTransport",
    "RequestsTransport",
    "SyncTransport",
    "Timeout",
    "Verify",
]

Verify = bool | str
Timeout = float | tuple[float, float] | None


class SyncTransport(Protocol):
    """Anything that can send one request and return its response."""

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``; raise :class:`TransportError` when no answer came back."""
        ...


def _response_from(raw: Any) -> HttpResponse:
    try:
        headers = dict(raw.headers.items())
        return HttpResponse.build(int(raw.status_code), str(raw.text), headers)
    except (AttributeError, TypeError, ValueError) as exc:
        raise TransportError(
            "the http_client returned an object without status_code, text and headers"
        ) from exc


def build_requests_session(connect_retries: int = 1) -> requests.Session:
    """A ``requests.Session`` that retries once when a connection cannot be made.

    Only connection-level failures are retried (refused, DNS, connect timeout): a read
    timeout or a reset after the request went out is not, since the server may have acted
    on it, and statuses are left to the throttling layer.
    """
    session = requests.Session()
    retry = Retry(
        total=connect_retries, connect=connect_retries, read=False, redirect=0, status=0, other=0
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class RequestsTransport:
    """The default transport, over a ``requests.Session``."""

    def __init__(
        self,
        *,
        verify: Verify = True,
        proxies: Mapping[str, str] | None = None,
        timeout: Timeout = None,
        session: requests.Session | None = None,
    ) -> None:
        self._session = session if session is not None else build_requests_session()
        self.verify = verify
        self.proxies = dict(proxies) if proxies else None
        self.timeout = timeout

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` with this transport's ``verify``, ``proxies`` and ``timeout``.

        A request's own ``timeout`` takes precedence over the transport's.
        """
        try:
            raw = self._session.request(
                request.method,
                request.url,
                params=list(request.query) or None,
                data=list(request.form) if request.form is not None else None,
                headers=dict(request.headers),
                verify=self.verify,
                proxies=self.proxies,
                timeout=request.timeout if request.timeout is not None else self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TransportError(
                f"{request.method} {_without_query(request.url)} failed: {type(exc).__name__}"
            ) from exc
        return _response_from(raw)

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()


class HttpClientTransport:
    """Adapts a user-supplied ``http_client`` to the transport interface."""

    def __init__(self, http_client: Any) -> None:
        for method in ("get", "post"):
            if not callable(getattr(http_client, method, None)):
                raise TypeError(
                    f"http_client must have a callable {method}() method, "
                    "as a requests.Session does"
                )
        self._client = http_client

    def send(self, request: HttpRequest) -> HttpResponse:
        """Call the client's ``get`` or ``post`` with ``params``, ``data`` and ``headers``."""
        params = dict(request.query) or None
        headers = dict(request.headers)
        # Only a request that asks for its own timeout passes one: the client keeps its own.
        extra: dict[str, Any] = {} if request.timeout is None else {"timeout": request.timeout}
        try:
            if request.method == "GET":
                raw = self._client.get(request.url, params=params, headers=headers, **extra)
            else:
                data = dict(request.form) if request.form is not None else None
                raw = self._client.post(
                    request.url, params=params, data=data, headers=headers, **extra
                )
        except TransportError:
            raise
        except Exception as exc:  # a user's client may raise anything for a network failure
            raise TransportError(
                f"{request.method} {_without_query(request.url)} failed: {type(exc).__name__}"
            ) from exc
        return _response_from(raw)


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]
