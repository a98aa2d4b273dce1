"""Synchronous transports: the only code that sends bytes for the sync façade.

A transport turns one :class:`HttpRequest` into one :class:`HttpResponse`, or raises
:class:`~entraclient.errors.TransportError` when no HTTP answer came back. Two ship here:

* :class:`RequestsTransport`, the default: a ``requests.Session`` retrying once on a
  connection error, passing ``verify``, ``proxies`` and ``timeout`` on every request (so the
  ``REQUESTS_CA_BUNDLE`` environment variable cannot silently replace ``verify``);
* :class:`HttpClientTransport`, which adapts a user's ``http_client`` of the documented shape
  (``post(url, params=None, data=None, headers=None, **kwargs)`` and ``get(...)`` returning
  an object with ``status_code``, ``text`` and ``headers``). It gets no retries of ours.

Neither follows redirects (a token request must never be re-sent to a host the caller did
not configure): a 3xx comes back as a response, which flows report as an error. Bodies are
read and decoded by :mod:`entraclient.http.bodies` (at most 1 MiB, strict charset).

``timeout`` keeps the meaning ``requests`` gives it (a limit on connecting and on each wait
for bytes) and also bounds the body: a body still arriving ``timeout`` (the read part of a
pair) seconds after its headers is abandoned, so a server trickling bytes cannot hold a
call forever.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from entraclient import emulator_switch
from entraclient.errors import TransportError
from entraclient.http.bodies import MAX_BODY_BYTES, decode_body, read_capped
from entraclient.http.messages import HttpRequest, HttpResponse

__all__ = [
    "HttpClientTransport",
    "RequestsTransport",
    "SyncTransport",
    "Timeout",
    "Verify",
    "build_requests_session",
    "connection_retry_policy",
]

Verify = bool | str
Timeout = float | tuple[float, float] | None

_CHUNK = 65536


class SyncTransport(Protocol):
    """Anything that can send one request and return its response."""

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``; raise :class:`TransportError` when no answer came back."""
        ...


def connection_retry_policy(connect_retries: int = 1) -> Retry:
    """The default transport's retry policy: ``connect_retries`` retries on connection errors.

    Only failures before the request went out are retried (refused, DNS, connect timeout):
    a read timeout or a reset afterwards is not, since the server may have acted on it, and
    statuses are left to the throttling layer (urllib3 would otherwise sleep for the
    ``Retry-After`` of a 503 to a GET, then fail).
    """
    return Retry(
        total=connect_retries,
        connect=connect_retries,
        read=False,
        redirect=0,
        status=0,
        other=0,
        respect_retry_after_header=False,
        raise_on_status=False,
    )


def build_requests_session(connect_retries: int = 1) -> requests.Session:
    """A ``requests.Session`` that retries once when a connection cannot be made."""
    routed = emulator_switch.switched_requests_session(connection_retry_policy(connect_retries))
    if routed is not None:  # ENTRACLIENT_EMULATOR is set: the emulator, and nothing else
        return routed
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=connection_retry_policy(connect_retries))
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
        timeout = request.timeout if request.timeout is not None else self.timeout
        try:
            raw = self._session.request(
                request.method,
                request.url,
                params=list(request.query) or None,
                data=list(request.form) if request.form is not None else None,
                headers=dict(request.headers),
                verify=self.verify,
                proxies=self.proxies,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            try:
                content, truncated = read_capped(_body_chunks(raw, timeout))
            finally:
                raw.close()
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise _failure(request, exc) from exc
        headers = dict(raw.headers.items())
        body = decode_body(content, raw.headers.get("content-type"), truncated=truncated)
        return HttpResponse.build(raw.status_code, body.text, headers, defect=body.defect)

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
        options = self._options()
        # Only a request that asks for its own timeout passes one: the client keeps its own.
        if request.timeout is not None:
            options["timeout"] = request.timeout
        try:
            if request.method == "GET":
                raw = self._client.get(request.url, params=params, headers=headers, **options)
            else:
                data = dict(request.form) if request.form is not None else None
                raw = self._client.post(
                    request.url, params=params, data=data, headers=headers, **options
                )
        except TransportError:
            raise
        except Exception as exc:  # a user's client may raise anything for a network failure
            raise _failure(request, exc) from exc
        return _response_from(raw)

    def _options(self) -> dict[str, Any]:
        # A requests.Session follows redirects unless told not to, and a 307 would re-send
        # the form, client secret included, to wherever the Location header points.
        if isinstance(self._client, requests.Session):
            return {"allow_redirects": False}
        return {}


def _response_from(raw: Any) -> HttpResponse:
    """Adapt what a user's ``http_client`` returned, from its raw bytes when it has them."""
    try:
        status = int(raw.status_code)
        headers = {str(k): str(v) for k, v in raw.headers.items()}
        content = getattr(raw, "content", None)
        text = "" if isinstance(content, bytes) else str(raw.text)
    except (AttributeError, TypeError, ValueError) as exc:
        raise TransportError(
            "the http_client returned an object without status_code, text and headers"
        ) from exc
    if isinstance(content, bytes):
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        body = decode_body(content, content_type)
        return HttpResponse.build(status, body.text, headers, defect=body.defect)
    if len(text) > MAX_BODY_BYTES:
        defect = f"the body is larger than {MAX_BODY_BYTES} characters"
        return HttpResponse.build(status, text[:MAX_BODY_BYTES], headers, defect=defect)
    return HttpResponse.build(status, text, headers)


def _failure(request: HttpRequest, exc: BaseException) -> TransportError:
    return TransportError(
        f"{request.method} {_without_query(request.url)} failed: {type(exc).__name__}",
        correlation_id=request.header("client-request-id"),
    )


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]


def _body_chunks(raw: requests.Response, timeout: Timeout) -> Iterator[bytes]:
    """The body's bytes as they arrive, until it ends or the read timeout has passed."""
    read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
    deadline = None if read_timeout is None else time.monotonic() + read_timeout
    read_some = getattr(raw.raw, "read1", None)
    chunks: Iterator[bytes] = (
        iter(lambda: read_some(_CHUNK, decode_content=True), b"")
        if read_some is not None
        else raw.iter_content(_CHUNK)
    )
    for chunk in chunks:
        yield chunk
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"the body was still arriving {read_timeout} s after headers")
