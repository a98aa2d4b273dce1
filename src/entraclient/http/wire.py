"""What every transport must do, written once and without I/O.

The three transports (the default ``requests`` one, a user's ``http_client``, the ``httpx``
one) are loops that send bytes and feed the chunks of the answer in here. Rules:

* Rule 1, the call: form and query go as ordered lists of pairs; redirects are never
  followed; a request's own ``timeout`` wins over the transport's, and when neither gave one
  :data:`DEFAULT_TIMEOUT` applies (``timeout=None`` never means "wait forever").
* Rule 2, the body: :class:`BodyReader` keeps at most :data:`MAX_BODY_BYTES` + 1 bytes,
  gives up on a body still arriving ``read`` seconds after its headers, and decodes strictly.
* Rule 3, failures: :func:`transport_failure` turns whatever the I/O library raised into one
  :class:`TransportError` saying what failed, with the request's correlation id.
* Rule 4, the environment: :func:`resolve_verify` and :func:`proxy_for` apply the same rule
  to both sides (see their docstrings and ``docs/reliability.md``).
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from entraclient.errors import TransportError
from entraclient.http.bodies import MAX_BODY_BYTES, decode_body
from entraclient.http.messages import HttpRequest, HttpResponse

__all__ = [
    "CA_BUNDLE_VARIABLES",
    "DEFAULT_TIMEOUT",
    "BodyReader",
    "BodyTimeoutError",
    "CallPlan",
    "Timeout",
    "Verify",
    "flight_lifetime",
    "plan_call",
    "proxy_for",
    "resolve_verify",
    "transport_failure",
]

Verify = bool | str
Timeout = float | tuple[float, float] | None

DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)
"""(connect, read) seconds used when neither the request nor the application gave one."""

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")
"""Environment variables naming a CA bundle, read in this order when ``verify=True``."""


class BodyTimeoutError(TimeoutError):
    """A body was still arriving when its deadline passed."""


@dataclass(frozen=True, slots=True)
class CallPlan:
    """How one request goes on the wire, whatever library sends it."""

    method: str
    url: str
    headers: dict[str, str]
    query: list[tuple[str, str]]
    form: list[tuple[str, str]] | None
    connect_timeout: float
    read_timeout: float

    def __repr__(self) -> str:
        # Forms and headers carry credentials: show neither.
        return f"CallPlan({self.method} {self.url.split('?')[0]})"

    @property
    def timeout_pair(self) -> tuple[float, float]:
        """``(connect, read)`` as ``requests`` takes it."""
        return (self.connect_timeout, self.read_timeout)


def effective_timeout(
    request_timeout: float | None, transport_timeout: Timeout
) -> tuple[float, float]:
    """``(connect, read)`` seconds for a call: the request's, the transport's, else the default."""
    chosen: Timeout = request_timeout if request_timeout is not None else transport_timeout
    if chosen is None:
        return DEFAULT_TIMEOUT
    if isinstance(chosen, tuple):
        return (float(chosen[0]), float(chosen[1]))
    return (float(chosen), float(chosen))


def plan_call(request: HttpRequest, transport_timeout: Timeout = None) -> CallPlan:
    """How to send ``request`` over a transport whose own timeout is ``transport_timeout``."""
    connect, read = effective_timeout(request.timeout, transport_timeout)
    return CallPlan(
        method=request.method,
        url=request.url,
        headers=dict(request.headers),
        query=list(request.query),
        form=list(request.form) if request.form is not None else None,
        connect_timeout=connect,
        read_timeout=read,
    )


def flight_lifetime(plan: CallPlan) -> float:
    """The longest a call planned so can take: two connects, the headers, then the body."""
    return 2 * plan.connect_timeout + 2 * plan.read_timeout + 1.0


class BodyReader:
    """Collects a body fed chunk by chunk, within the size cap and the body deadline.

    ``feed`` returns ``False`` once enough has been kept to know the body is too large, so
    the caller stops reading; it raises :class:`BodyTimeoutError` past the deadline.
    """

    def __init__(
        self,
        deadline_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        limit: int = MAX_BODY_BYTES,
    ) -> None:
        self._clock = clock
        self._seconds = deadline_seconds
        self._deadline = clock() + deadline_seconds
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0

    @property
    def truncated(self) -> bool:
        """Whether more than the cap arrived."""
        return self._size > self._limit

    def feed(self, chunk: bytes) -> bool:
        """Keep ``chunk``; return whether more is wanted."""
        if self._clock() > self._deadline:
            raise BodyTimeoutError(f"the body was still arriving {self._seconds:g} s after headers")
        if not self.truncated:
            self._chunks.append(chunk)
            self._size += len(chunk)
        return not self.truncated

    def finish(self, status: int, headers: Mapping[str, str]) -> HttpResponse:
        """The response: the body decoded strictly, or flagged as a ``defect``."""
        content = b"".join(self._chunks)[: self._limit + 1]
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        body = decode_body(content, content_type, truncated=self.truncated)
        return HttpResponse.build(status, body.text, dict(headers), defect=body.defect)


# What failed, by the class names an exception chain carries (no I/O library imported).
_FAILURE_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("SSLCertVerificationError", "CertificateError"), "certificate verification failed"),
    (("ProxyError",), "the proxy failed"),
    (("gaierror", "NameResolutionError"), "the host name could not be resolved (DNS)"),
    (("ConnectionRefusedError",), "the connection was refused"),
    (("ConnectTimeout", "ConnectTimeoutError"), "connecting timed out"),
    (("BodyTimeoutError",), "the body did not arrive in time"),
    (
        ("ReadTimeout", "ReadTimeoutError", "TimeoutError", "timeout", "TimeoutException"),
        "timed out waiting for the answer",
    ),
    (
        ("ConnectionResetError", "RemoteDisconnected", "RemoteProtocolError", "ProtocolError"),
        "the connection was closed before an answer came",
    ),
    (("SSLError",), "the TLS handshake failed"),
    (
        (
            "InvalidURL",
            "InvalidSchema",
            "MissingSchema",
            "UnsupportedProtocol",
            "LocalProtocolError",
        ),
        "the URL or request could not be sent",
    ),
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < 16:
        current = pending.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += list(current.args)
        pending += [e for e in linked if isinstance(e, BaseException)]
    return seen


def describe_failure(exc: BaseException) -> str:
    """What failed, in words: certificate verification, refused, timeout, DNS, proxy..."""
    names = {cls.__name__ for e in _chain(exc) for cls in type(e).__mro__}
    if isinstance(exc, socket.gaierror):
        names.add("gaierror")
    for kinds, words in _FAILURE_KINDS:
        if names.intersection(kinds):
            return words
    return f"the request failed ({type(exc).__name__})"


def _looks_local(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in {"localhost", "127.0.0.1", "::1"} or host.endswith(".localhost")


def transport_failure(request: HttpRequest, exc: BaseException) -> TransportError:
    """One :class:`TransportError` for ``exc``: what failed, where, and the correlation id."""
    what = describe_failure(exc)
    if what == "certificate verification failed" and (
        _looks_local(request.url) or os.environ.get("ENTRACLIENT_EMULATOR")
    ):
        what += (
            " (for the local emulator, trust its CA: set ENTRACLIENT_EMULATOR_CA or pass"
            " verify=<path to the emulator's CA file>)"
        )
    target = request.url.split("?", 1)[0]
    return TransportError(
        f"{request.method} {target} failed: {what}",
        correlation_id=request.header("client-request-id"),
    )


def resolve_verify(verify: Verify) -> Verify:
    """The CA rule, the same on both sides.

    ``False`` turns verification off; a path (a CA file or a directory of hashed
    certificates) is used as given. ``True`` uses the first of :data:`CA_BUNDLE_VARIABLES`
    set in the environment, else the bundled trust store.
    """
    if verify is True:
        for name in CA_BUNDLE_VARIABLES:
            if os.environ.get(name):
                return os.environ[name]
    return verify


def ssl_context(verify: Verify) -> ssl.SSLContext | bool:
    """``verify`` (after :func:`resolve_verify`) as an ``ssl.SSLContext`` or ``False``."""
    resolved = resolve_verify(verify)
    if resolved is False:
        return False
    if isinstance(resolved, str):
        if os.path.isdir(resolved):
            return ssl.create_default_context(capath=resolved)
        return ssl.create_default_context(cafile=resolved)
    import certifi  # a dependency of both requests and httpx

    return ssl.create_default_context(cafile=certifi.where())


def proxy_for(url: str, proxies: Mapping[str, str] | None) -> str | None:
    """The proxy ``url`` goes through, the same on both sides.

    Given ``proxies`` (``requests``' shape: ``{"https": ..., "http": ..., "all": ...,
    "no_proxy": "host,.domain"}``) are used alone; without them the environment decides
    (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if proxies is None:
        import urllib.request  # loads http.client and email: only when a request goes out

        environment = urllib.request.getproxies_environment()
        bypass = environment.pop("no", "")
        if not environment or (bypass and _bypassed(host, bypass)):
            return None
        return environment.get(parts.scheme) or environment.get("all")
    listed = proxies.get("no_proxy") or proxies.get("NO_PROXY")
    if listed and _bypassed(host, listed):
        return None
    return (
        proxies.get(f"{parts.scheme}://{host}") or proxies.get(parts.scheme) or proxies.get("all")
    )


def _bypassed(host: str, bypass: str) -> bool:
    for entry in (e.strip().lower() for e in bypass.split(",")):
        if entry == "*" or (
            entry and (host == entry.lstrip(".") or host.endswith("." + entry.lstrip(".")))
        ):
            return True
    return False
