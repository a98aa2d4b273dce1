"""http/http_cache.py: what is cached, for how long, and that the store is never trusted."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entraclient.errors import TransportError
from entraclient.http.http_cache import CACHE_LIFETIME, HttpCache, cache_key
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.policies import PolicyTransport
from tests.flows.scripted import FakeClock

CONFIG_URL = "https://login.microsoftonline.com/contoso.com/v2.0/.well-known/openid-configuration"
CONFIG = HttpRequest("GET", CONFIG_URL)


class CountingTransport:
    """Answers every request with the next scripted response and counts what it sent."""

    def __init__(self, *responses: HttpResponse) -> None:
        self.responses = list(responses)
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        if not self.responses:
            raise TransportError("no more scripted responses")
        return self.responses.pop(0)


FIRST = '{"token_endpoint": "first"}'
SECOND = '{"token_endpoint": "second"}'
FRESH = '{"token_endpoint": "fresh"}'
DOC = '{"token_endpoint": "doc"}'


def ok(text: str = '{"token_endpoint": "x"}', **headers: str) -> HttpResponse:
    return HttpResponse.build(200, text, {"Content-Type": "application/json", **headers})


def _cached(
    *responses: HttpResponse, store: dict[str, Any] | None = None, clock: FakeClock | None = None
) -> tuple[PolicyTransport, CountingTransport, dict[str, Any], FakeClock]:
    inner = CountingTransport(*responses)
    store = {} if store is None else store
    clock = clock or FakeClock()
    return PolicyTransport(inner, [HttpCache(store, clock)]), inner, store, clock


def test_a_successful_get_is_answered_from_the_store_the_second_time() -> None:
    transport, inner, _, _ = _cached(ok(FIRST), ok(SECOND))
    assert transport.send(CONFIG).text == FIRST
    again = transport.send(CONFIG)
    assert (again.status_code, again.text) == (200, FIRST)
    assert again.header("content-type") == "application/json"
    assert len(inner.sent) == 1


def test_entries_live_24_hours() -> None:
    transport, inner, _, clock = _cached(ok(FIRST), ok(SECOND))
    transport.send(CONFIG)
    clock.advance(CACHE_LIFETIME - 1)
    assert transport.send(CONFIG).text == FIRST
    clock.advance(1)
    assert transport.send(CONFIG).text == SECOND
    assert len(inner.sent) == 2


def test_query_is_part_of_the_key() -> None:
    transport, _, _, _ = _cached(ok(FIRST), ok(SECOND))
    url = "https://login.microsoftonline.com/common/discovery/instance"
    first = HttpRequest("GET", url, query=(("api-version", "1.0"),))
    second = HttpRequest("GET", url, query=(("api-version", "1.1"),))
    assert [transport.send(first).text, transport.send(second).text] == [FIRST, SECOND]
    assert cache_key(first) != cache_key(second)
    assert cache_key(first).endswith(f"{url}?api-version=1.0")


@pytest.mark.parametrize("status", [400, 404, 429, 500, 503])
def test_errors_are_not_cached(status: int) -> None:
    error = HttpResponse.build(status, '{"error": "invalid_tenant"}')
    transport, inner, _, _ = _cached(error, ok())
    assert transport.send(CONFIG).status_code == status
    assert transport.send(CONFIG).status_code == 200
    assert len(inner.sent) == 2


def test_posts_are_never_cached() -> None:
    post = HttpRequest(
        "POST",
        "https://login.microsoftonline.com/t/oauth2/v2.0/token",
        form=(("client_secret", "s3cret"),),
    )
    token = ok('{"access_token": "eyJ.secret.token", "expires_in": 3599}')
    transport, inner, store, _ = _cached(token, token)
    transport.send(post)
    transport.send(post)
    assert len(inner.sent) == 2
    assert store == {}


def test_only_plain_values_are_stored_and_no_unlisted_header() -> None:
    transport, _, store, _ = _cached(ok(DOC, **{"Set-Cookie": "fpc=abc", "x-ms-request-id": "1"}))
    transport.send(CONFIG)
    (value,) = store.values()

    def plain(v: object) -> bool:
        if isinstance(v, tuple):
            return all(plain(item) for item in v)
        return type(v) in (str, int)

    assert plain(value)
    assert "fpc=abc" not in repr(value) and "x-ms-request-id" not in repr(value)


def test_the_store_survives_a_pickle_round_trip() -> None:
    transport, _, store, clock = _cached(ok(DOC))
    transport.send(CONFIG)
    restored = pickle.loads(pickle.dumps(store))
    second, inner, _, _ = _cached(store=restored, clock=clock)
    assert second.send(CONFIG).text == DOC
    assert inner.sent == []


VALID_EXPIRY = int(FakeClock().now) + 3600


@pytest.mark.parametrize(
    "value",
    [
        None,
        "a string",
        b"bytes",
        42,
        {"status": 200, "text": "{}"},
        ("entraclient.http_cache.v1", VALID_EXPIRY, 200, "doc"),
        ("other-library-format", VALID_EXPIRY, 200, "doc", ()),
        ("entraclient.http_cache.v1", float(VALID_EXPIRY), 200, "doc", ()),
        ("entraclient.http_cache.v1", True, 200, "doc", ()),
        ("entraclient.http_cache.v1", int(FakeClock().now) - 1, 200, "doc", ()),
        ("entraclient.http_cache.v1", int(FakeClock().now) + CACHE_LIFETIME + 3600, 200, "doc", ()),
        ("entraclient.http_cache.v1", VALID_EXPIRY, 500, "doc", ()),
        ("entraclient.http_cache.v1", VALID_EXPIRY, "200", "doc", ()),
        ("entraclient.http_cache.v1", VALID_EXPIRY, 200, b"doc", ()),
        ("entraclient.http_cache.v1", VALID_EXPIRY, 200, "doc", (("set-cookie", "x"),)),
        ("entraclient.http_cache.v1", VALID_EXPIRY, 200, "doc", (("content-type",),)),
        ("entraclient.http_cache.v1", VALID_EXPIRY, 200, "doc", [("content-type", "a")]),
        ("entraclient.http_cache.v1", VALID_EXPIRY, 200, "doc", (("content-type", 1),)),
        HttpResponse.build(200, "forged"),
    ],
)
def test_a_corrupt_or_foreign_value_is_ignored_and_replaced(value: object) -> None:
    store: dict[str, Any] = {cache_key(CONFIG): value}
    transport, inner, _, _ = _cached(ok(FRESH), store=store)
    assert transport.send(CONFIG).text == FRESH
    assert len(inner.sent) == 1
    assert store[cache_key(CONFIG)][3] == FRESH
    assert transport.send(CONFIG).text == FRESH
    assert len(inner.sent) == 1


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text() | st.floats(),
        lambda children: st.lists(children, max_size=6).map(tuple) | st.lists(children, max_size=6),
        max_leaves=20,
    )
)
def test_any_stored_value_is_either_a_valid_snapshot_or_ignored(value: object) -> None:
    store: dict[str, Any] = {cache_key(CONFIG): value}
    transport, inner, _, _ = _cached(ok(FRESH), store=store)
    response = transport.send(CONFIG)
    assert isinstance(response, HttpResponse)
    assert response.text == FRESH or inner.sent == []


def test_a_failing_store_costs_a_request_not_a_result() -> None:
    class Broken(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            raise OSError("disk gone")

        def __setitem__(self, key: str, value: Any) -> None:
            raise OSError("disk gone")

    transport, _, _, _ = _cached(ok(FIRST), ok(SECOND), store=Broken())
    assert [transport.send(CONFIG).text, transport.send(CONFIG).text] == [FIRST, SECOND]


def test_a_full_store_drops_expired_then_soonest_expiring_entries_of_ours() -> None:
    clock = FakeClock()
    inner = CountingTransport(*(ok(f'{{"n": {i}}}') for i in range(5)))
    store: dict[str, Any] = {"someone else's key": "kept"}
    transport = PolicyTransport(inner, [HttpCache(store, clock, max_entries=3)])
    requests = [HttpRequest("GET", f"{CONFIG_URL}?n={i}") for i in range(4)]
    transport.send(requests[0])
    clock.advance(10)
    transport.send(requests[1])
    clock.advance(10)
    transport.send(requests[2])  # full: the oldest of ours (n=0) makes room
    assert len(store) == 3
    assert "someone else's key" in store
    assert cache_key(requests[0]) not in store
    store[cache_key(requests[1])] = "garbage"
    transport.send(requests[3])  # full again: the unusable entry goes first
    assert cache_key(requests[1]) not in store
    assert cache_key(requests[2]) in store and cache_key(requests[3]) in store


@pytest.mark.parametrize(
    ("status", "text", "content_type"),
    [
        (200, '{"error": "server_error"}', "application/json"),
        (200, "<html>maintenance</html>", "text/html"),
        (200, '{"token_endpoint": ', "application/json"),
        (200, "[1, 2]", "application/json"),
        (200, "", "application/json"),
        (200, "West US 2 and more", "text/plain"),
        (203, '{"error": "x"}', "application/json"),
    ],
)
def test_a_malformed_success_is_passed_on_but_never_stored(
    status: int, text: str, content_type: str
) -> None:
    malformed = HttpResponse.build(status, text, {"Content-Type": content_type})
    transport, inner, store, _ = _cached(malformed, ok(FIRST))
    assert transport.send(CONFIG).text == text
    assert store == {}
    assert transport.send(CONFIG).text == FIRST
    assert len(inner.sent) == 2


def test_a_plain_text_region_is_stored() -> None:
    region = HttpResponse.build(200, "westus2", {"Content-Type": "text/plain; charset=utf-8"})
    transport, inner, _, _ = _cached(region)
    transport.send(CONFIG)
    assert transport.send(CONFIG).text == "westus2"
    assert len(inner.sent) == 1
