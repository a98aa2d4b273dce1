"""http/throttling.py: held requests are answered without reaching the network."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.policies import PolicyTransport
from entraclient.http.throttling import (
    DEFAULT_HOLD,
    MAX_HOLD,
    REFUSAL_HOLD,
    ThrottleState,
    Throttling,
    parse_retry_after,
)
from tests.flows.scripted import FakeClock, json_response

TOKEN_URL = "https://login.microsoftonline.com/tid/oauth2/v2.0/token"
NOW = 1_800_000_000.0


class Scripted:
    """An inner transport answering with ``answer`` and counting what reached it."""

    def __init__(self, answer: Callable[[HttpRequest], HttpResponse]) -> None:
        self.answer = answer
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        return self.answer(request)


def _token_request(
    *,
    scope: str = "api://x/.default",
    secret: str = "s3cret-value",
    correlation_id: str = "corr-1",
    **fields: str,
) -> HttpRequest:
    form = (
        ("client_id", "cid"),
        ("grant_type", fields.pop("grant_type", "client_credentials")),
        ("client_secret", secret),
        ("scope", scope),
        *fields.items(),
    )
    return HttpRequest(
        "POST", TOKEN_URL, headers=(("client-request-id", correlation_id),), form=form
    )


def _throttled(
    answer: Callable[[HttpRequest], HttpResponse],
) -> tuple[PolicyTransport, Scripted, FakeClock]:
    clock = FakeClock(NOW)
    inner = Scripted(answer)
    return PolicyTransport(inner, [Throttling(ThrottleState(clock))]), inner, clock


def _busy(status: int = 429, **headers: str) -> Callable[[HttpRequest], HttpResponse]:
    return lambda request: json_response({"error": "temporarily_unavailable"}, status, **headers)


def test_a_429_holds_the_same_request_for_its_retry_after() -> None:
    transport, inner, clock = _throttled(_busy(429, **{"Retry-After": "30"}))
    assert transport.send(_token_request()).status_code == 429
    held = transport.send(_token_request(correlation_id="corr-2"))
    assert len(inner.sent) == 1  # the second request never reached the network
    body = json.loads(held.text)
    assert held.status_code == 429
    assert held.header("retry-after") == "30"
    assert body["error"] == "temporarily_unavailable"
    assert body["retry_after"] == 30
    assert body["correlation_id"] == "corr-2"
    assert "retry after 30 s" in body["error_description"]
    clock.advance(29)
    assert json.loads(transport.send(_token_request()).text)["retry_after"] == 1
    assert len(inner.sent) == 1
    clock.advance(1)
    transport.send(_token_request())
    assert len(inner.sent) == 2


def test_retry_after_as_an_http_date() -> None:
    when = datetime.fromtimestamp(NOW + 90, tz=timezone.utc)
    transport, inner, clock = _throttled(
        _busy(503, **{"Retry-After": format_datetime(when, usegmt=True)})
    )
    transport.send(_token_request())
    assert json.loads(transport.send(_token_request()).text)["retry_after"] == 90
    clock.advance(90)
    transport.send(_token_request())
    assert len(inner.sent) == 2


def test_5xx_without_retry_after_holds_for_the_default() -> None:
    transport, inner, clock = _throttled(_busy(500))
    transport.send(_token_request())
    assert json.loads(transport.send(_token_request()).text)["retry_after"] == DEFAULT_HOLD
    clock.advance(DEFAULT_HOLD)
    transport.send(_token_request())
    assert len(inner.sent) == 2


def test_retry_after_is_capped() -> None:
    transport, _, _ = _throttled(_busy(429, **{"Retry-After": "999999"}))
    transport.send(_token_request())
    assert json.loads(transport.send(_token_request()).text)["retry_after"] == MAX_HOLD


def test_retry_after_zero_holds_nothing() -> None:
    transport, inner, _ = _throttled(_busy(503, **{"Retry-After": "0"}))
    transport.send(_token_request())
    transport.send(_token_request())
    assert len(inner.sent) == 2


def test_other_statuses_hold_nothing() -> None:
    for status in (200, 401, 403, 404):
        transport, inner, _ = _throttled(_busy(status, **{"Retry-After": "30"}))
        transport.send(_token_request())
        transport.send(_token_request())
        assert len(inner.sent) == 2, status


def test_a_different_scope_is_a_different_request() -> None:
    transport, inner, _ = _throttled(_busy(429, **{"Retry-After": "30"}))
    transport.send(_token_request())
    transport.send(_token_request(scope="api://other/.default"))
    assert len(inner.sent) == 2


def test_the_credential_and_claims_do_not_escape_a_429_hold() -> None:
    transport, inner, _ = _throttled(_busy(429, **{"Retry-After": "30"}))
    transport.send(_token_request())
    transport.send(_token_request(secret="another-secret", claims='{"access_token":{}}'))
    assert len(inner.sent) == 1


def test_a_different_refresh_token_is_a_different_request() -> None:
    transport, inner, _ = _throttled(_busy(429, **{"Retry-After": "30"}))
    transport.send(_token_request(grant_type="refresh_token", refresh_token="rt-1"))
    transport.send(_token_request(grant_type="refresh_token", refresh_token="rt-1"))
    transport.send(_token_request(grant_type="refresh_token", refresh_token="rt-2"))
    assert len(inner.sent) == 2


def _refusal(error: str = "invalid_grant", **headers: str) -> Callable[[HttpRequest], HttpResponse]:
    body = {
        "error": error,
        "error_description": "AADSTS50173: The grant was revoked for user alice@contoso.com",
        "error_codes": [50173],
        "suberror": "bad_token",
        "trace_id": "t",
    }
    return lambda request: json_response(body, 400, **headers)


def test_invalid_grant_is_not_resent_for_a_while() -> None:
    transport, inner, clock = _throttled(_refusal())
    request = _token_request(grant_type="refresh_token", refresh_token="rt-dead")
    transport.send(request)
    held = transport.send(request)
    body = json.loads(held.text)
    assert len(inner.sent) == 1
    assert held.status_code == 400
    assert body["error"] == "invalid_grant"
    assert body["error_codes"] == [50173]
    assert body["suberror"] == "bad_token"
    assert body["retry_after"] == REFUSAL_HOLD
    assert "alice" not in body["error_description"]  # only the error members are kept
    clock.advance(REFUSAL_HOLD)
    transport.send(request)
    assert len(inner.sent) == 2


def test_new_claims_escape_an_invalid_grant_hold() -> None:
    transport, inner, _ = _throttled(_refusal("interaction_required"))
    transport.send(_token_request(grant_type="refresh_token", refresh_token="rt"))
    transport.send(_token_request(grant_type="refresh_token", refresh_token="rt", claims='{"a":1}'))
    assert len(inner.sent) == 2


def test_other_400s_and_400s_with_retry_after_hold_nothing() -> None:
    for answer in (_refusal("invalid_scope"), _refusal(**{"Retry-After": "10"})):
        transport, inner, _ = _throttled(answer)
        transport.send(_token_request())
        transport.send(_token_request())
        assert len(inner.sent) == 2


def test_gets_are_held_too() -> None:
    transport, inner, _ = _throttled(_busy(503, **{"Retry-After": "10"}))
    request = HttpRequest("GET", "https://login.microsoftonline.com/t/v2.0/.well-known/x")
    transport.send(request)
    held = transport.send(request)
    assert held.status_code == 429
    assert "correlation_id" not in json.loads(held.text)
    assert len(inner.sent) == 1


def test_the_state_keeps_no_secret() -> None:
    clock = FakeClock(NOW)
    state = ThrottleState(clock)
    transport = PolicyTransport(Scripted(_refusal()), [Throttling(state)])
    transport.send(_token_request(grant_type="refresh_token", refresh_token="rt-secret-42"))
    dump = repr(state._holds)
    assert len(state) == 1
    assert "rt-secret-42" not in dump
    assert "s3cret-value" not in dump


def test_the_state_is_bounded() -> None:
    clock = FakeClock(NOW)
    state = ThrottleState(clock, capacity=3)
    transport = PolicyTransport(Scripted(_busy(429, **{"Retry-After": "30"})), [Throttling(state)])
    for n in range(5):
        transport.send(_token_request(scope=f"api://{n}/.default"))
    assert len(state) == 3
    inner = transport.inner
    assert isinstance(inner, Scripted)
    transport.send(_token_request(scope="api://0/.default"))  # the oldest was evicted
    transport.send(_token_request(scope="api://4/.default"))  # the newest is still held
    assert len(inner.sent) == 6


def test_a_clock_that_went_back_drops_the_hold() -> None:
    transport, inner, clock = _throttled(_busy(429, **{"Retry-After": "30"}))
    transport.send(_token_request())
    clock.advance(-2 * MAX_HOLD)
    transport.send(_token_request())
    assert len(inner.sent) == 2


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after(" 5 , 30 ", NOW) == 30  # a duplicated header: the longest wins
    when = datetime.fromtimestamp(NOW + 60, tz=timezone.utc)
    assert parse_retry_after(format_datetime(when, usegmt=True), NOW) == 60
    past = datetime.fromtimestamp(NOW - 60, tz=timezone.utc)
    assert parse_retry_after(format_datetime(past, usegmt=True), NOW) == 0
    assert parse_retry_after("-5", NOW) is None
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


@given(st.text())
def test_parse_retry_after_never_fails(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    assert wait is None or wait >= 0
