"""The faults of the fault suite, as data: what the emulator does, and what a caller must get.

Each :class:`FaultCase` builds its fault from the *healthy* answer of the endpoint it hits (a
token response, an OpenID configuration, an instance discovery answer), so a defect is the
only thing wrong with it. Expected outcomes:

* :class:`ServerError` — the error dict carries the ``error`` the server sent;
* :class:`Invalid` — ``error == "invalid_response"`` (a malformed answer);
* :class:`Raises` — :class:`entraclient.TransportError` (no HTTP answer, after the retry);
* :class:`Tolerated` — a token: the deviation is one the protocol allows (PROTOCOL.md §6.1).

A fault marked ``token_only`` concerns token-response fields and has no meaning for a
discovery answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from entraclient.emulator.faults import (
    DelayHeaders,
    DropMidBody,
    Fault,
    RefuseConnection,
    Respond,
    SlowBody,
)

JSON = (("content-type", "application/json; charset=utf-8"),)
RETRY_AFTER = "7"
ELSEWHERE = "elsewhere.faults.test"
DATE_WAIT = 30  # seconds in the HTTP-date form of Retry-After


@dataclass(frozen=True)
class ServerError:
    error: str

    def label(self) -> str:
        return f"error:{self.error}"


@dataclass(frozen=True)
class Invalid:
    def label(self) -> str:
        return "error:invalid_response"


@dataclass(frozen=True)
class Raises:
    def label(self) -> str:
        return "TransportError"


@dataclass(frozen=True)
class Tolerated:
    expires_in: int

    def label(self) -> str:
        return f"token({self.expires_in}s)"


Expected = ServerError | Invalid | Raises | Tolerated


@dataclass(frozen=True)
class Healthy:
    """What the faulted endpoint would have answered, and its one indispensable field."""

    body: dict[str, Any]
    essential: str
    path: str
    now: float

    def bytes(self, **changes: Any) -> bytes:
        body = {**self.body, **changes}
        return json.dumps({k: v for k, v in body.items() if v is not _DROP}).encode("utf-8")


_DROP = object()
Builder = Callable[[Healthy], Fault]


@dataclass(frozen=True)
class FaultCase:
    name: str
    build: Builder
    expected: Expected
    token_only: bool = False


def _error_body(error: str, status: int) -> dict[str, Any]:
    return {
        "error": error,
        "error_description": f"AADSTS9{status}: injected {status} for the fault suite",
        "error_codes": [900000 + status],
    }


_STATUS_ERRORS = {
    400: "invalid_request",
    401: "invalid_client",
    403: "access_denied",
    404: "not_found",
    429: "temporarily_unavailable",
    500: "server_error",
    502: "bad_gateway",
    503: "temporarily_unavailable",
    504: "gateway_timeout",
}


def _status(status: int, retry_after: str | None) -> FaultCase:
    error = _STATUS_ERRORS[status]
    headers = (("Retry-After", retry_after),) if retry_after else ()
    name = f"{status} {'with' if retry_after else 'without'} Retry-After"
    return FaultCase(
        name,
        lambda h: Respond.json(_error_body(error, status), status, headers),
        ServerError(error),
    )


def _http_date(healthy: Healthy) -> str:
    from email.utils import formatdate

    return formatdate(healthy.now + DATE_WAIT, usegmt=True)


def _truncated(healthy: Healthy) -> Fault:
    whole = healthy.bytes()
    return Respond(200, whole[: len(whole) // 2], JSON)


def _non_utf8(healthy: Healthy) -> Fault:
    whole = healthy.bytes(note="NOT-UTF8-HERE").replace(b"NOT-UTF8-HERE", b"\xff\xfe\xc3(")
    return Respond(200, whole, JSON)


def _duplicated_headers(healthy: Healthy) -> Fault:
    repeated = (
        *JSON,
        *JSON,
        ("cache-control", "no-store"),
        ("cache-control", "no-cache"),
        ("x-ms-request-id", "a"),
        ("x-ms-request-id", "b"),
    )
    return Respond(200, healthy.bytes(), repeated)


def _redirect(status: int) -> Builder:
    return lambda healthy: Respond.redirect(f"https://{ELSEWHERE}{healthy.path}", status)


FAULTS: tuple[FaultCase, ...] = (
    *(_status(status, None) for status in _STATUS_ERRORS),
    *(_status(status, RETRY_AFTER) for status in _STATUS_ERRORS),
    FaultCase(
        "503 with Retry-After as an HTTP-date",
        lambda h: Respond.json(
            _error_body("temporarily_unavailable", 503), 503, (("Retry-After", _http_date(h)),)
        ),
        ServerError("temporarily_unavailable"),
    ),
    FaultCase(
        "429 with the Retry-After header duplicated",
        lambda h: Respond.json(
            _error_body("temporarily_unavailable", 429),
            429,
            (("Retry-After", "5"), ("Retry-After", "20")),
        ),
        ServerError("temporarily_unavailable"),
    ),
    FaultCase("200 with duplicated headers", _duplicated_headers, Tolerated(3599)),
    FaultCase(
        "200 carrying an error body",
        lambda h: Respond.json(_error_body("server_error", 200)),
        ServerError("server_error"),
    ),
    FaultCase("connection refused (every attempt)", lambda h: RefuseConnection(), Raises()),
    FaultCase(
        "connection refused once (retried)", lambda h: RefuseConnection(attempts=1), Tolerated(3599)
    ),
    FaultCase(
        "connection reset mid-body",
        lambda h: DropMidBody(h.bytes(), sent=len(h.bytes()) // 2),
        Raises(),
    ),
    FaultCase("timeout before headers", lambda h: DelayHeaders(3.0), Raises()),
    FaultCase(
        "slow body beyond timeout",
        lambda h: SlowBody(h.bytes(), chunk=max(1, len(h.bytes()) // 40), interval=0.1),
        Raises(),
    ),
    FaultCase("empty body", lambda h: Respond(200, b"", JSON), Invalid()),
    FaultCase(
        "HTML sign-in page (200)",
        lambda h: Respond.html("<html><body><form>Sign in</form></body></html>"),
        Invalid(),
    ),
    FaultCase(
        "HTML error page from a proxy (502)",
        lambda h: Respond.html("<html><h1>502 Bad Gateway</h1></html>", 502),
        Invalid(),
    ),
    FaultCase("JSON array instead of object", lambda h: Respond.json([h.body]), Invalid()),
    FaultCase("truncated JSON", _truncated, Invalid()),
    FaultCase(
        "200 without its essential field",
        lambda h: Respond(200, h.bytes(**{h.essential: _DROP}), JSON),
        Invalid(),
    ),
    FaultCase(
        "a body of several MB",
        lambda h: Respond(200, h.bytes(padding="x" * (3 * 1024 * 1024)), JSON),
        Invalid(),
    ),
    FaultCase("non-UTF-8 bytes", _non_utf8, Invalid()),
    FaultCase("302 redirect to another host", _redirect(302), Invalid()),
    FaultCase("307 redirect to another host", _redirect(307), Invalid()),
    FaultCase(
        "access_token not a string",
        lambda h: Respond(200, h.bytes(access_token=12345), JSON),
        Invalid(),
        token_only=True,
    ),
    FaultCase(
        "expires_in missing",
        lambda h: Respond(200, h.bytes(expires_in=_DROP, ext_expires_in=_DROP), JSON),
        Tolerated(600),
        token_only=True,
    ),
    FaultCase(
        "expires_in a numeric string",
        lambda h: Respond(200, h.bytes(expires_in="1800", ext_expires_in="1800"), JSON),
        Tolerated(1800),
        token_only=True,
    ),
    FaultCase(
        "expires_in a non-numeric string",
        lambda h: Respond(200, h.bytes(expires_in="soon"), JSON),
        Invalid(),
        token_only=True,
    ),
    FaultCase(
        "expires_in negative",
        lambda h: Respond(200, h.bytes(expires_in=-60), JSON),
        Invalid(),
        token_only=True,
    ),
    FaultCase(
        "expires_in huge",
        lambda h: Respond(200, h.bytes(expires_in=10**12), JSON),
        Invalid(),
        token_only=True,
    ),
    FaultCase(
        "invalid id_token",
        lambda h: Respond(200, h.bytes(id_token="not.a-jwt"), JSON),
        Invalid(),
        token_only=True,
    ),
    FaultCase(
        "wrong token_type",
        lambda h: Respond(200, h.bytes(token_type="pop"), JSON),
        Invalid(),
        token_only=True,
    ),
)

THROTTLE_WAIT = 61  # longer than every hold a fault above can cause (60 s for invalid_grant)
