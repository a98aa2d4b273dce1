"""Synchronous transports: the only code that sends bytes for the sync façade.

A transport turns one :class:`HttpRequest` into one :class:`HttpResponse`, or raises
:class:`~entraclient.errors.TransportError` when no HTTP answer came back. What every
transport must do (timeouts, the body cap and deadline, strict charset, no redirects, the CA
and proxy rules, failure messages) lives in :mod:`entraclient.http.wire`; the two here only
move bytes:

* :class:`RequestsTransport`, the default, over a ``requests.Session`` built by
  :func:`build_requests_session` (the one place the default session is made), retrying once
  on a connection error;
* :class:`HttpClientTransport`, which adapts a user's ``http_client`` of the documented shape
  (``post(url, params=None, data=None, headers=None, **kwargs)`` and ``get(...)`` returning an
  object with ``status_code``, ``text`` and ``headers``). It gets ``allow_redirects=False``,
  ``timeout`` and ``stream=True`` whatever its type, and no retries of ours.

``requests`` is imported when the first default session is built, not with this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from entraclient import emulator_switch
from entraclient.errors import TransportError
from entraclient.http.bodies import MAX_BODY_BYTES, decode_body
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.wire import (
    BodyReader,
    CallPlan,
    Timeout,
    Verify,
    plan_call,
    proxy_for,
    resolve_verify,
    transport_failure,
)

if TYPE_CHECKING:
    import requests
    from urllib3.util.retry import Retry

__all__ = [
    "HttpClientTransport",
    "RequestsTransport",
    "SyncTransport",
    "Timeout",
    "Verify",
    "build_requests_session",
    "connection_retry_policy",
]

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
    statuses are left to the throttling layer.
    """
    from urllib3.util.retry import Retry

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
    """The default ``requests.Session``: one connect retry, and no environment of its own.

    ``trust_env`` is off because :mod:`entraclient.http.wire` applies the CA and proxy
    environment variables itself, by the same rule as the async side.
    """
    routed = emulator_switch.switched_requests_session(connection_retry_policy(connect_retries))
    if routed is not None:  # ENTRACLIENT_EMULATOR is set: the emulator, and nothing else
        return routed
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.trust_env = False
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
        self._session = session
        self.verify = verify
        self.proxies = dict(proxies) if proxies is not None else None
        self.timeout = timeout

    @property
    def session(self) -> requests.Session:
        """The session, built on first use."""
        if self._session is None:
            self._session = build_requests_session()
        return self._session

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` by the rules of :mod:`entraclient.http.wire`."""
        plan = plan_call(request, self.timeout)
        session = self.session
        try:
            return self._exchange(session, plan)
        except TransportError:
            raise
        except (OSError, ValueError, _urllib3_error()) as exc:
            raise transport_failure(request, exc) from exc

    def _exchange(self, session: requests.Session, plan: CallPlan) -> HttpResponse:
        proxy = proxy_for(plan.url, self.proxies)
        raw = session.request(
            plan.method,
            plan.url,
            params=plan.query or None,
            data=plan.form,
            headers=plan.headers,
            verify=resolve_verify(self.verify),
            proxies={"http": proxy, "https": proxy} if proxy else {},
            timeout=plan.timeout_pair,
            allow_redirects=False,
            stream=True,
        )
        try:
            reader = BodyReader(plan.read_timeout)
            for chunk in _body_chunks(raw):
                if not reader.feed(chunk):
                    break
        finally:
            raw.close()
        return reader.finish(raw.status_code, dict(raw.headers.items()))

    def close(self) -> None:
        """Close the pooled connections."""
        if self._session is not None:
            self._session.close()


class HttpClientTransport:
    """Adapts a user-supplied ``http_client`` to the transport interface."""

    def __init__(self, http_client: Any, *, timeout: Timeout = None) -> None:
        for method in ("get", "post"):
            if not callable(getattr(http_client, method, None)):
                raise TypeError(
                    f"http_client must have a callable {method}() method, "
                    "as a requests.Session does"
                )
        self._client = http_client
        self.timeout = timeout

    def send(self, request: HttpRequest) -> HttpResponse:
        """Call the client's ``get`` or ``post`` with ``params``, ``data`` and ``headers``."""
        plan = plan_call(request, self.timeout)
        # Whatever the client's type: a followed 307 would re-send the client secret to
        # wherever Location points, and a client without a deadline could wait forever.
        options: dict[str, Any] = {
            "params": dict(plan.query) or None,
            "headers": plan.headers,
            "allow_redirects": False,
            "timeout": plan.timeout_pair,
            "stream": True,
        }
        try:
            if plan.method == "GET":
                raw = self._client.get(plan.url, **options)
            else:
                form = dict(plan.form) if plan.form is not None else None
                raw = self._client.post(plan.url, data=form, **options)
            return _response_from(raw, plan)
        except TransportError:
            raise
        except Exception as exc:  # a user's client may raise anything for a network failure
            raise transport_failure(request, exc) from exc


def _response_from(raw: Any, plan: CallPlan) -> HttpResponse:
    """Adapt what a user's ``http_client`` returned, streaming its body when it can."""
    try:
        status = int(raw.status_code)
        headers = {str(k): str(v) for k, v in raw.headers.items()}
    except (AttributeError, TypeError, ValueError) as exc:
        raise TransportError(
            "the http_client returned an object without status_code, text and headers"
        ) from exc
    if 300 <= status < 400 or getattr(raw, "history", None):
        # Whatever the client did, a redirect is answered as one, never followed.
        status = status if 300 <= status < 400 else int(raw.history[0].status_code)
    # A client that dropped ``stream=True`` hands back a body already read: use that.
    if callable(getattr(raw, "iter_content", None)) and not getattr(raw, "_content_consumed", 0):
        reader = BodyReader(plan.read_timeout)
        try:
            for chunk in _body_chunks(raw):
                if not reader.feed(chunk):
                    break
        finally:
            if callable(getattr(raw, "close", None)):
                raw.close()
        return reader.finish(status, headers)
    return _response_from_attributes(raw, status, headers)


def _response_from_attributes(raw: Any, status: int, headers: dict[str, str]) -> HttpResponse:
    content = getattr(raw, "content", None)
    if isinstance(content, bytes):
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        body = decode_body(content, content_type)
        return HttpResponse.build(status, body.text, headers, defect=body.defect)
    try:
        text = str(raw.text)
    except (AttributeError, TypeError, ValueError) as exc:
        raise TransportError("the http_client returned an object without text") from exc
    if len(text) > MAX_BODY_BYTES:
        defect = f"the body is larger than {MAX_BODY_BYTES} characters"
        return HttpResponse.build(status, text[:MAX_BODY_BYTES], headers, defect=defect)
    return HttpResponse.build(status, text, headers)


def _urllib3_error() -> type[Exception]:
    from urllib3.exceptions import HTTPError

    return HTTPError


def _body_chunks(raw: Any) -> Iterator[bytes]:
    """The body's bytes as they arrive (``read1`` hands over what came, not a full chunk)."""
    read_some = getattr(getattr(raw, "raw", None), "read1", None)
    if read_some is None:
        yield from raw.iter_content(_CHUNK)
        return
    while chunk := read_some(_CHUNK, decode_content=True):
        yield chunk
