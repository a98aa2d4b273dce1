"""http/wire.py: the rules every transport follows, checked without I/O."""

from __future__ import annotations

import socket
import ssl

import pytest

from entraclient.http.bodies import MAX_BODY_BYTES
from entraclient.http.messages import HttpRequest
from entraclient.http.wire import (
    DEFAULT_TIMEOUT,
    BodyReader,
    BodyTimeoutError,
    describe_failure,
    flight_lifetime,
    plan_call,
    proxy_for,
    resolve_verify,
    transport_failure,
)
from tests.flows.scripted import FakeClock

URL = "https://login.microsoftonline.com/t/oauth2/v2.0/token"


@pytest.mark.parametrize(
    ("request_timeout", "transport_timeout", "expected"),
    [
        (None, None, DEFAULT_TIMEOUT),
        (None, 7.0, (7.0, 7.0)),
        (None, (1.0, 9.0), (1.0, 9.0)),
        (2.0, (1.0, 9.0), (2.0, 2.0)),
    ],
)
def test_the_timeout_is_the_requests_else_the_transports_else_the_default(
    request_timeout: float | None,
    transport_timeout: float | tuple[float, float] | None,
    expected: tuple[float, float],
) -> None:
    plan = plan_call(HttpRequest("GET", URL, timeout=request_timeout), transport_timeout)
    assert plan.timeout_pair == expected
    assert flight_lifetime(plan) == 2 * expected[0] + 2 * expected[1] + 1.0


def test_a_plan_keeps_pairs_in_order_and_hides_them_in_its_repr() -> None:
    form = (("client_secret", "s3cret"), ("scope", "a"), ("scope", "b"))
    plan = plan_call(HttpRequest("POST", URL + "?x=1", form=form, query=(("q", "1"),)))
    assert plan.form == list(form)
    assert plan.query == [("q", "1")]
    assert "s3cret" not in repr(plan) and "x=1" not in repr(plan)


def test_a_body_past_its_deadline_is_abandoned() -> None:
    clock = FakeClock(100.0)
    reader = BodyReader(2.0, clock=clock)
    assert reader.feed(b'{"a":')
    clock.advance(2.5)
    with pytest.raises(BodyTimeoutError):
        reader.feed(b"1}")


def test_a_body_over_the_cap_stops_the_reading_and_is_a_defect() -> None:
    reader = BodyReader(60.0, clock=FakeClock(0.0))
    assert reader.feed(b"x" * MAX_BODY_BYTES)
    assert not reader.feed(b"yy")
    assert not reader.feed(b"never kept")
    response = reader.finish(200, {"Content-Type": "application/json"})
    assert response.defect == f"the body is larger than {MAX_BODY_BYTES} bytes"


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (ssl.SSLCertVerificationError("bad"), "certificate verification failed"),
        (ConnectionRefusedError(111, "refused"), "the connection was refused"),
        (socket.gaierror(-2, "Name or service not known"), "could not be resolved (DNS)"),
        (TimeoutError("slow"), "timed out waiting for the answer"),
        (BodyTimeoutError("trickle"), "the body did not arrive in time"),
        (ConnectionResetError(104, "reset"), "closed before an answer came"),
        (RuntimeError("bug"), "the request failed (RuntimeError)"),
    ],
)
def test_a_failure_says_what_failed(failure: BaseException, words: str) -> None:
    assert words in describe_failure(failure)


def test_a_wrapped_failure_is_recognised_through_its_chain() -> None:
    outer = OSError("wrapped")
    outer.__cause__ = ssl.SSLCertVerificationError("bad")
    assert describe_failure(outer) == "certificate verification failed"


def test_a_certificate_failure_on_loopback_says_what_to_set() -> None:
    request = HttpRequest(
        "POST", "https://127.0.0.1:8443/t/token?secret=no", headers=(("client-request-id", "c1"),)
    )
    error = transport_failure(request, ssl.SSLCertVerificationError("bad"))
    assert "ENTRACLIENT_EMULATOR_CA" in str(error) and "verify=" in str(error)
    assert "secret=no" not in str(error)
    assert error.correlation_id == "c1"


def test_verify_true_takes_the_first_ca_variable_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert resolve_verify(True) is True
    monkeypatch.setenv("SSL_CERT_FILE", "/ca/b.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/ca/a.pem")
    assert resolve_verify(True) == "/ca/a.pem"
    assert resolve_verify("/mine.pem") == "/mine.pem"
    assert resolve_verify(False) is False


def test_the_environments_proxies_apply_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert proxy_for(URL, None) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://corp:3128")
    assert proxy_for(URL, None) == "http://corp:3128"
    monkeypatch.setenv("NO_PROXY", ".microsoftonline.com")
    assert proxy_for(URL, None) is None
    assert proxy_for(URL, {"https": "http://given:1"}) == "http://given:1"
    assert (
        proxy_for(URL, {"https": "http://given:1", "no_proxy": "login.microsoftonline.com"}) is None
    )
    assert proxy_for(URL, {}) is None  # an empty mapping: no proxy at all, the environment unread
