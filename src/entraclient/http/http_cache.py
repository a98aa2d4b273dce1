"""The HTTP cache (PROTOCOL.md §2.4): a transport wrapper remembering successful GET answers.

What it caches: the well-formed 2xx answers to GETs (:func:`is_cacheable`) — OpenID
configurations, both instance-discovery calls, regional discovery, the region from the
instance metadata service — for 24 hours. Token requests are POSTs and never touch it, so
it holds no token.

Invariants:

* The store is any dict-like object the caller owns (``http_cache=``). It holds only plain
  values — a ``str`` key and a tuple of ``str``/``int`` — never an object of ours, so a pickled
  store loads in any version of this library, or in a process that never imported it.
* Every value read back is checked (shape, types, format tag, expiry no later than the
  lifetime allows). A value that fails is ignored and replaced: the store is never trusted.
* A response header is kept only if it is on :data:`KEPT_HEADERS` (no cookies, nothing else).
* A store that raises is treated as empty; it can cost a request, never a result.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import urlencode

from entraclient.http.messages import HttpRequest, HttpResponse

__all__ = [
    "CACHE_LIFETIME",
    "KEPT_HEADERS",
    "MAX_ENTRIES",
    "HttpCache",
    "cache_key",
]

logger = logging.getLogger("entraclient.http.http_cache")

CACHE_LIFETIME = 24 * 3600
MAX_ENTRIES = 1024
KEPT_HEADERS = ("content-type",)
_KEY_PREFIX = "entraclient:GET "
_FORMAT = "entraclient.http_cache.v1"

Snapshot = tuple[str, int, int, str, tuple[tuple[str, str], ...]]
"""(format tag, expires at [epoch s], status, body, kept headers): what the store holds."""


def cache_key(request: HttpRequest) -> str:
    """The store key of a GET: its method, URL and query (nothing secret is ever in them)."""
    query = urlencode(request.query)
    separator = "&" if "?" in request.url else "?"
    return f"{_KEY_PREFIX}{request.url}{separator + query if query else ''}"


def is_cacheable(response: HttpResponse, required: tuple[str, ...] = ()) -> bool:
    """Whether ``response`` is a well-formed success worth keeping.

    A 2xx whose body decoded cleanly and is either a JSON object without an ``error``
    member and with every ``required`` member non-empty (discovery documents), or a short
    single-word text (the metadata service's region).
    Anything else — an error body sent with 200, an HTML page, truncated JSON — is passed on
    to the flow, which reports it, and is never stored.
    """
    if not 200 <= response.status_code < 300 or response.defect is not None:
        return False
    text = response.text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return False
        return (
            isinstance(document, dict)
            and "error" not in document
            and all(document.get(name) for name in required)
        )
    content_type = (response.header("content-type") or "").split(";")[0].strip().lower()
    return (
        content_type == "text/plain"
        and 0 < len(text) <= 128
        and text.isprintable()
        and (" " not in text)
    )


def _snapshot(response: HttpResponse, expires_at: int) -> Snapshot:
    headers = tuple(
        (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
    )
    return (_FORMAT, expires_at, response.status_code, response.text, headers)


def _restore(value: object, now: float) -> HttpResponse | None:
    """The response in ``value`` if it is a well-formed, unexpired snapshot, else ``None``."""
    if not isinstance(value, tuple) or len(value) != 5:
        return None
    tag, expires_at, status, text, headers = value
    if tag != _FORMAT or type(expires_at) is not int or type(status) is not int:
        return None
    if not now < expires_at <= now + CACHE_LIFETIME or not 200 <= status < 300:
        return None
    if not isinstance(text, str) or not _are_kept_headers(headers):
        return None
    return HttpResponse.build(status, text, dict(headers))


def _are_kept_headers(headers: object) -> bool:
    return isinstance(headers, tuple) and all(
        isinstance(pair, tuple)
        and len(pair) == 2
        and pair[0] in KEPT_HEADERS
        and isinstance(pair[1], str)
        for pair in headers
    )


class HttpCache:
    """The HTTP cache policy: a GET with a fresh snapshot in ``store`` is answered from it.

    ``clock`` returns epoch seconds. Only GETs are cached, and only well-formed 2xx answers.
    """

    def __init__(
        self,
        store: MutableMapping[str, Any],
        clock: Callable[[], float],
        *,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._store = store
        self._clock = clock
        self._max_entries = max_entries

    def __repr__(self) -> str:
        return f"HttpCache({type(self._store).__name__})"

    def before(self, request: HttpRequest) -> HttpResponse | None:
        """The stored answer to a GET, if a usable one is there."""
        return self._read(cache_key(request)) if request.method == "GET" else None

    def after(self, request: HttpRequest, response: HttpResponse) -> None:
        """Remember a well-formed 2xx answer to a GET."""
        if request.method == "GET" and is_cacheable(response, request.cache_requires):
            self._write(cache_key(request), response)

    def _read(self, key: str) -> HttpResponse | None:
        try:
            value = self._store.get(key)
        except Exception:  # a user's store may fail in any way: treat it as a miss
            logger.debug("http_cache could not be read", exc_info=True)
            return None
        if value is None:
            return None
        restored = _restore(value, self._clock())
        if restored is None:
            logger.debug("http_cache: ignoring an unusable entry")
        return restored

    def _write(self, key: str, response: HttpResponse) -> None:
        now = self._clock()
        try:
            if key not in self._store and len(self._store) >= self._max_entries:
                self._make_room(now)
            self._store[key] = _snapshot(response, int(now) + CACHE_LIFETIME)
        except Exception:  # a full or read-only store costs a request next time, nothing more
            logger.debug("http_cache could not be written", exc_info=True)

    def _make_room(self, now: float) -> None:
        """Drop our unusable entries, then our soonest-expiring ones, until one more fits."""
        ours = [(k, v) for k, v in list(self._store.items()) if str(k).startswith(_KEY_PREFIX)]
        usable = []
        for key, value in ours:
            if _restore(value, now) is None:
                self._store.pop(key, None)
            else:
                usable.append((value[1], key))
        usable.sort()
        excess = len(self._store) - self._max_entries + 1
        for _, key in usable[: max(excess, 0)]:
            self._store.pop(key, None)
