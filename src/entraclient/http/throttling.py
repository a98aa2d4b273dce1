"""Throttling: a transport wrapper that keeps an application from hammering its identity provider.

Rules (PROTOCOL.md §9, with the differences noted):

1. A 429 or 5xx answer holds *the same request* for its ``Retry-After`` (integer seconds or
   an HTTP-date), or :data:`DEFAULT_HOLD` seconds without a usable one, at most
   :data:`MAX_HOLD`. The request is the method, the URL with its query, and every form field
   except the client's credential and ``claims``.
2. A 400 refusing the grant itself (``invalid_grant``, ``interaction_required``) holds the same
   request, ``claims`` included, for :data:`REFUSAL_HOLD` seconds, so a caller retrying in a
   loop does not resend a dead refresh token or a used code. A new ``claims`` value (the user
   satisfied a challenge) is a new request.
3. While a hold lives, a matching request is answered by the wrapper without reaching the
   network: an error the flow turns into an error dict with ``retry_after`` (seconds) and the
   request's ``correlation_id``.

Invariants:

* The state holds no secret: requests are keyed by an HMAC (with a key random per state) of
  their fields, and held refusals keep only the error members of the answer.
* The state is in memory, one per application, bounded to :data:`CAPACITY` entries (expired
  entries go first, then the oldest). It is not written to ``http_cache``: a fault must not
  leave anything in a cache the application persists.
* Time comes from an injected clock; a hold longer than :data:`MAX_HOLD` from now (the clock
  went back) is dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.redaction import loggable_url

__all__ = [
    "CAPACITY",
    "DEFAULT_HOLD",
    "MAX_HOLD",
    "REFUSAL_HOLD",
    "ThrottleState",
    "Throttling",
    "parse_retry_after",
]

logger = logging.getLogger("entraclient.http.throttling")

CAPACITY = 1024
DEFAULT_HOLD = 5.0
MAX_HOLD = 3600.0
REFUSAL_HOLD = 60.0
Rule = Literal["retry", "refusal"]
RULES: tuple[Rule, ...] = ("retry", "refusal")
REFUSED_GRANT_ERRORS = frozenset({"invalid_grant", "interaction_required"})
_CLIENT_AUTH_FIELDS = frozenset({"client_secret", "client_assertion", "client_assertion_type"})
_KEPT_ERROR_MEMBERS = ("error", "error_codes", "suberror", "claims", "error_uri")
_INTEGERS = re.compile(r"^\s*\d+(\s*,\s*\d+)*\s*$")
_HTTP_DATE = re.compile(r"[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, or ``None`` if it has no usable one.

    Duplicated headers arrive joined with commas; the longest wait wins.
    """
    if value is None:
        return None
    if _INTEGERS.match(value):
        return max(_bounded_seconds(part) for part in value.split(","))
    waits = []
    for match in _HTTP_DATE.findall(value):
        try:
            waits.append(parsedate_to_datetime(match).timestamp() - now)
        except (TypeError, ValueError):
            continue
    return max(0.0, max(waits)) if waits else None


def _bounded_seconds(digits: str) -> float:
    """A delta-seconds value, read without trusting its length (hundreds of digits)."""
    digits = digits.strip().lstrip("0") or "0"
    if len(digits) > len(str(int(MAX_HOLD))):
        return MAX_HOLD
    return min(MAX_HOLD, float(int(digits)))


@dataclass(frozen=True, slots=True)
class _Hold:
    until: float
    status: int
    error: dict[str, Any]


class ThrottleState:
    """The holds of one application: request key → when it may be sent again, and why."""

    def __init__(self, clock: Callable[[], float], *, capacity: int = CAPACITY) -> None:
        self.clock = clock
        self._capacity = capacity
        self._key = secrets.token_bytes(32)
        self._holds: OrderedDict[str, _Hold] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._holds)

    def key(self, request: HttpRequest, rule: Rule) -> str:
        """An opaque key naming ``request`` under ``rule`` (``claims`` counts for refusals)."""
        fields = sorted(
            (name, value)
            for name, value in request.form or ()
            if name not in _CLIENT_AUTH_FIELDS and (rule == "refusal" or name != "claims")
        )
        material = json.dumps([rule, request.method, request.url, list(request.query), fields])
        return hmac.new(self._key, material.encode("utf-8"), hashlib.sha256).hexdigest()

    def find(self, key: str) -> _Hold | None:
        """The live hold under ``key``, if any."""
        now = self.clock()
        with self._lock:
            hold = self._holds.get(key)
            if hold is None:
                return None
            if not now < hold.until <= now + MAX_HOLD:
                del self._holds[key]
                return None
            return hold

    def hold(self, key: str, seconds: float, status: int, error: dict[str, Any]) -> None:
        """Hold ``key`` for ``seconds`` (capped at :data:`MAX_HOLD`)."""
        now = self.clock()
        entry = _Hold(now + min(seconds, MAX_HOLD), status, error)
        with self._lock:
            self._holds.pop(key, None)
            if len(self._holds) >= self._capacity:
                self._evict(now)
            self._holds[key] = entry

    def _evict(self, now: float) -> None:
        for key in [k for k, h in self._holds.items() if h.until <= now]:
            del self._holds[key]
        while len(self._holds) >= self._capacity:
            self._holds.popitem(last=False)


class Throttling:
    """The throttling policy: held requests are answered from a :class:`ThrottleState`."""

    def __init__(self, state: ThrottleState, *, pii_logging: bool = False) -> None:
        self.state = state
        self._pii = pii_logging

    def before(self, request: HttpRequest) -> HttpResponse | None:
        """The held answer if ``request`` is held, else ``None``."""
        for rule in RULES:
            hold = self.state.find(self.state.key(request, rule))
            if hold is not None:
                return self._held_answer(request, hold)
        return None

    def after(self, request: HttpRequest, response: HttpResponse) -> None:
        """Hold ``request`` if its answer says so (429/5xx, or a refused grant)."""
        status = response.status_code
        if status == 429 or status >= 500:
            wait = parse_retry_after(response.header("retry-after"), self.state.clock())
            seconds = DEFAULT_HOLD if wait is None else wait
            if seconds > 0:
                key = self.state.key(request, "retry")
                self.state.hold(key, seconds, status, {"error": "temporarily_unavailable"})
                self._log_hold(request, status, seconds)
        elif status == 400 and response.header("retry-after") is None:
            refusal = _refused_grant(response)
            if refusal is not None:
                key = self.state.key(request, "refusal")
                self.state.hold(key, REFUSAL_HOLD, status, refusal)
                self._log_hold(request, status, REFUSAL_HOLD)

    def _held_answer(self, request: HttpRequest, hold: _Hold) -> HttpResponse:
        wait = max(1, math.ceil(hold.until - self.state.clock()))
        url = loggable_url(request.url, pii_shown=self._pii)
        logger.info("throttled: %s %s not sent, held for %d s more", request.method, url, wait)
        body = dict(hold.error)
        reason = f"HTTP {hold.status}" if hold.status != 400 else f"{body.get('error')}"
        body["error_description"] = (
            f"entraclient did not send this request: the identity provider answered {reason} "
            f"to the same request; retry after {wait} s."
        )
        body["retry_after"] = wait
        correlation_id = request.header("client-request-id")
        if correlation_id:
            body["correlation_id"] = correlation_id
        headers = {"content-type": "application/json", "retry-after": str(wait)}
        status = 429 if hold.status != 400 else 400
        return HttpResponse.build(status, json.dumps(body), headers)

    def _log_hold(self, request: HttpRequest, status: int, seconds: float) -> None:
        url = loggable_url(request.url, pii_shown=self._pii)
        logger.debug("holding %s %s for %.0f s after HTTP %d", request.method, url, seconds, status)


def _refused_grant(response: HttpResponse) -> dict[str, Any] | None:
    """The error members of a 400 that refuses the grant, or ``None``."""
    if response.defect is not None:
        return None
    try:
        body = json.loads(response.text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    if body["error"] not in REFUSED_GRANT_ERRORS:
        return None
    return {name: body[name] for name in _KEPT_ERROR_MEMBERS if name in body}
