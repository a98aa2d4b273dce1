"""flows/on_behalf_of.py driven by hand: cache hit without requests, the assertion's refresh
token before the assertion, fallbacks, claims challenges, and the assertion checks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from entraclient.authority import parse_authority
from entraclient.cache.records import user_assertion_hash
from entraclient.cache.token_cache import TokenCache
from entraclient.credentials import ClientSecret
from entraclient.errors import ServiceError, TransportError
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver, InstanceDiscovery
from entraclient.flows.on_behalf_of import (
    GRANT_TYPE,
    OnBehalfOfRequest,
    acquire_token_on_behalf_of,
    check_user_assertion,
)
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.telemetry import Telemetry
from tests.cache.factories import client_info, unsigned_jwt
from tests.flows.scripted import FakeClock, drive, json_response

TENANT = "11111111-2222-3333-4444-555555555555"
AUTHORITY = f"https://login.microsoftonline.com/{TENANT}"
SCOPE = "api://down/Read"
ASSERTION = unsigned_jwt({"oid": "uid-1", "scp": "user"})


class Identity:
    """Answers discovery, and token requests in the order a test scripts."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.grants: list[str | None] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            base = f"https://{urlsplit(request.url).hostname}/{TENANT}"
            return json_response({"token_endpoint": f"{base}/oauth2/v2.0/token",
                                  "authorization_endpoint": f"{base}/oauth2/v2.0/authorize"})  # fmt: skip
        self.grants.append(request.form_value("grant_type"))
        answer = self.answers.pop(0) if self.answers else "ok"
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, dict):
            return json_response(answer, 400)
        return json_response(
            success(len(self.grants), expires_in=answer if isinstance(answer, int) else 3600)
        )


def success(n: int, expires_in: int = 3600) -> dict[str, Any]:
    return {
        "token_type": "Bearer", "expires_in": expires_in, "access_token": f"at-{n}",
        "scope": f"{SCOPE} openid profile", "refresh_token": f"rt-{n}",
        "id_token": unsigned_jwt({"sub": "s", "oid": "uid-1", "preferred_username": "a@b"}),
        "client_info": client_info("uid-1", "utid-1"),
    }  # fmt: skip


def _run(identity: Identity, clock: FakeClock, cache: TokenCache, **request: Any) -> Any:
    app = AppContext(
        client_id="middle", authority=parse_authority(AUTHORITY), credential=ClientSecret("s"),
        cache=cache, telemetry=Telemetry(), clock=clock,
    )  # fmt: skip
    resolver = EndpointResolver(app.authority, InstanceDiscovery(False))
    values: dict[str, Any] = {
        "user_assertion": ASSERTION, "assertion_hash": user_assertion_hash(ASSERTION),
        "scopes": (SCOPE,), "decorated_scopes": (SCOPE, "offline_access", "openid", "profile"),
        "correlation_id": "c",
    }  # fmt: skip
    values.update(request)
    result, _ = drive(
        acquire_token_on_behalf_of(app, resolver, OnBehalfOfRequest(**values)), identity
    )
    return result


def test_hit_then_refresh_with_the_assertions_refresh_token() -> None:
    clock, cache, identity = FakeClock(), TokenCache(), Identity()
    assert _run(identity, clock, cache)["access_token"] == "at-1"
    assert _run(identity, clock, cache)["token_source"] == "cache"
    clock.advance(3600 - 100)
    renewed = _run(identity, clock, cache)
    assert renewed["access_token"] == "at-2"
    assert identity.grants == [GRANT_TYPE, "refresh_token"]
    (rt,) = cache.entries("RefreshToken")
    assert rt["secret"] == "rt-2" and rt["user_assertion_hash"] == user_assertion_hash(ASSERTION)


def test_other_assertion_misses() -> None:
    clock, cache, identity = FakeClock(), TokenCache(), Identity()
    _run(identity, clock, cache)
    other = unsigned_jwt({"oid": "uid-1", "scp": "user", "iat": 2})
    _run(identity, clock, cache, user_assertion=other, assertion_hash=user_assertion_hash(other))
    assert identity.grants == [GRANT_TYPE, GRANT_TYPE]


def test_refused_refresh_token_then_assertion() -> None:
    clock, cache = FakeClock(), TokenCache()
    _run(Identity(), clock, cache)
    clock.advance(4000)
    identity = Identity({"error": "invalid_grant", "error_description": "revoked"}, "ok")
    assert _run(identity, clock, cache)["token_source"] == "identity_provider"
    assert identity.grants == ["refresh_token", GRANT_TYPE]


def test_without_a_usable_token_a_network_failure_raises() -> None:
    clock, cache = FakeClock(), TokenCache()
    _run(Identity(), clock, cache)
    clock.advance(3600 - 200)  # inside the 300 s expiry margin: not handed out
    with pytest.raises(TransportError):
        _run(Identity(TransportError("down")), clock, cache)


def test_aging_token_is_the_fallback_when_renewal_fails() -> None:
    clock, cache = FakeClock(), TokenCache()
    aging = {**success(1), "refresh_in": 600}

    def first(request: HttpRequest) -> HttpResponse:
        return Identity()(request) if request.method == "GET" else json_response(aging)

    app = AppContext(client_id="middle", authority=parse_authority(AUTHORITY),
                     credential=ClientSecret("s"), cache=cache, telemetry=Telemetry(), clock=clock)  # fmt: skip
    request = OnBehalfOfRequest(ASSERTION, user_assertion_hash(ASSERTION), (SCOPE,), (SCOPE,), "c")
    resolver = EndpointResolver(app.authority, InstanceDiscovery(False))
    drive(acquire_token_on_behalf_of(app, resolver, request), first)
    clock.advance(700)  # past refresh_on: refresh it, but keep it if that fails
    failing = Identity(TransportError("down"), TransportError("down"))
    result, _ = drive(acquire_token_on_behalf_of(app, resolver, request), failing)
    assert (result["access_token"], result["token_source"]) == ("at-1", "cache")
    assert failing.grants == ["refresh_token"]


def test_claims_challenge_goes_straight_to_the_assertion() -> None:
    clock, cache = FakeClock(), TokenCache()
    _run(Identity(), clock, cache)
    identity = Identity()
    result = _run(identity, clock, cache, claims_challenge="{}", claims="{}")
    assert result["token_source"] == "identity_provider"
    assert identity.grants == [GRANT_TYPE]


def test_error_answers_raise_and_cache_nothing() -> None:
    clock, cache = FakeClock(), TokenCache()
    with pytest.raises(ServiceError):
        _run(Identity({"error": "invalid_grant", "error_description": "x"}), clock, cache)
    assert len(cache) == 0


def test_response_without_account_is_not_cached_as_an_access_token() -> None:
    clock, cache = FakeClock(), TokenCache()
    anonymous = {"token_type": "Bearer", "expires_in": 3600, "access_token": "at-x"}

    def answer(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            return Identity()(request)
        return json_response(anonymous)

    app = AppContext(client_id="middle", authority=parse_authority(AUTHORITY),
                     credential=ClientSecret("s"), cache=cache, telemetry=Telemetry(), clock=clock)  # fmt: skip
    request = OnBehalfOfRequest(ASSERTION, user_assertion_hash(ASSERTION), (SCOPE,), (SCOPE,), "c")
    result, _ = drive(
        acquire_token_on_behalf_of(
            app, EndpointResolver(app.authority, InstanceDiscovery(False)), request
        ),
        answer,
    )
    assert result["access_token"] == "at-x"
    assert cache.entries("AccessToken") == []  # its key would be an app token's


@pytest.mark.parametrize("value", ["a.b.c", "aGVhZA.cGF5.", "a.b.c.d.e", " a.b.c "])
def test_jwt_shapes_are_accepted(value: str) -> None:
    assert check_user_assertion(value) == value.strip()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", ValueError),
        ("a.b", ValueError),
        ("a b.c.d", ValueError),
        (".b.c", ValueError),
        ("a..c", ValueError),
        (1, TypeError),
        (None, TypeError),
    ],
)
def test_other_values_are_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_user_assertion(value)
