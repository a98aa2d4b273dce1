"""flows/client_credentials.py driven by hand, without any network."""

from __future__ import annotations

from typing import Any

import pytest

from entraclient.authority import parse_authority
from entraclient.cache.token_cache import TokenCache
from entraclient.credentials import ClientSecret
from entraclient.errors import ProtocolError, ServiceError, TransportError
from entraclient.flows.client_credentials import (
    ClientCredentialsRequest,
    acquire_token_for_client,
)
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver, InstanceDiscovery
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.request_records import request_claims
from entraclient.telemetry import Telemetry
from tests.flows.scripted import FakeClock, drive, json_response

TENANT_ID = "11111111-2222-3333-4444-555555555555"
AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com"
SCOPE = "api://sample/.default"


def _ours(app: AppContext) -> TokenCache:
    """The context's cache, which these tests build as our own TokenCache."""
    assert isinstance(app.cache, TokenCache)
    return app.cache


def _app(clock: FakeClock, cache: TokenCache | None = None, **extra: Any) -> AppContext:
    return AppContext(
        client_id="client-1",
        authority=parse_authority(AUTHORITY),
        credential=ClientSecret("s3cret"),
        cache=cache or TokenCache(),
        telemetry=Telemetry(),
        clock=clock,
        **extra,
    )


def _resolver() -> EndpointResolver:
    return EndpointResolver(parse_authority(AUTHORITY), InstanceDiscovery())


class Identity:
    """Answers discovery and hands out numbered tokens."""

    def __init__(self, **token_fields: Any) -> None:
        self.issued = 0
        self.token_fields = token_fields
        self.token_status = 200
        self.token_body: Any = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            base = f"https://login.microsoftonline.com/{TENANT_ID}"
            return json_response(
                {
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "issuer": f"{base}/v2.0",
                }
            )
        if self.token_body is not None:
            return json_response(self.token_body, self.token_status)
        self.issued += 1
        body = {"token_type": "Bearer", "expires_in": 3599, "access_token": f"at-{self.issued}"}
        body.update(self.token_fields)
        return json_response(body)


def _request(**fields: Any) -> ClientCredentialsRequest:
    return ClientCredentialsRequest(scopes=(SCOPE,), correlation_id="corr-1", **fields)


def test_first_call_discovers_then_posts_and_caches() -> None:
    clock, idp = FakeClock(), Identity()
    app, resolver = _app(clock), _resolver()
    result, sent = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert result["access_token"] == "at-1"
    assert result["token_source"] == "identity_provider"
    assert [r.method for r in sent] == ["GET", "POST"]
    post = sent[1]
    assert post.url == f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"
    assert post.form_value("grant_type") == "client_credentials"
    assert post.form_value("client_secret") == "s3cret"
    assert post.form_value("scope") == SCOPE
    assert post.header("client-request-id") == "corr-1"
    (entry,) = _ours(app).entries("AccessToken")
    assert entry["realm"] == TENANT_ID
    assert entry["home_account_id"] is None
    assert entry["expires_on"] == str(int(clock.now) + 3599)


def test_second_call_is_a_cache_hit_without_any_request() -> None:
    clock, idp = FakeClock(), Identity()
    app, resolver = _app(clock), _resolver()
    drive(acquire_token_for_client(app, resolver, _request()), idp)
    clock.advance(60)
    result, sent = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert sent == []
    assert result == {
        "access_token": "at-1",
        "token_type": "Bearer",
        "expires_in": 3599 - 60,
        "token_source": "cache",
    }


def test_a_token_near_expiry_is_not_used() -> None:
    clock, idp = FakeClock(), Identity()
    app, resolver = _app(clock), _resolver()
    drive(acquire_token_for_client(app, resolver, _request()), idp)
    clock.advance(3599 - 299)
    result, sent = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert result["access_token"] == "at-2"
    assert len(sent) == 1


def test_claims_challenge_bypasses_the_cache() -> None:
    clock, idp = FakeClock(), Identity()
    app, resolver = _app(clock, client_capabilities=("CP1",)), _resolver()
    drive(acquire_token_for_client(app, resolver, _request()), idp)
    challenge = '{"access_token": {"nbf": {"essential": true, "value": "1"}}}'
    request = _request(claims_challenge=challenge, claims=request_claims(app, challenge))
    result, sent = drive(acquire_token_for_client(app, resolver, request), idp)
    assert result["access_token"] == "at-2"
    assert sent[0].form_value("claims") == (
        '{"access_token": {"nbf": {"essential": true, "value": "1"}, '
        '"xms_cc": {"values": ["CP1"]}}}'
    )


def test_aging_token_is_refreshed_and_kept_when_refresh_fails() -> None:
    clock, idp = FakeClock(), Identity(refresh_in=1800)
    app, resolver = _app(clock), _resolver()
    first, _ = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert first["refresh_on"] == int(clock.now) + 1800
    clock.advance(1801)
    idp.token_body, idp.token_status = {"error": "temporarily_unavailable"}, 503
    result, sent = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert len(sent) == 1
    assert result["access_token"] == "at-1"
    assert result["token_source"] == "cache"
    idp.token_body = None
    result, _ = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert result["access_token"] == "at-2"


def test_aging_token_is_kept_when_the_network_fails() -> None:
    clock, idp = FakeClock(), Identity(refresh_in=1800)
    app, resolver = _app(clock), _resolver()
    drive(acquire_token_for_client(app, resolver, _request()), idp)
    clock.advance(1801)
    flow = acquire_token_for_client(app, resolver, _request())
    next(flow)
    with pytest.raises(StopIteration) as done:
        flow.throw(TransportError("connection reset"))
    assert done.value.value["access_token"] == "at-1"


def test_error_body_raises_service_error_and_caches_nothing() -> None:
    clock, idp = FakeClock(), Identity()
    idp.token_body, idp.token_status = {"error": "invalid_client", "error_codes": [7000215]}, 401
    app, resolver = _app(clock), _resolver()
    with pytest.raises(ServiceError) as failure:
        drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert failure.value.result()["error"] == "invalid_client"
    assert _ours(app).entries("AccessToken") == []


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer", "expires_in": 3599},
        {"access_token": "x", "expires_in": "soon"},
        {"access_token": "x", "expires_in": -5},
        {"access_token": "x", "expires_in": 10**12},
        {"access_token": "x", "token_type": "mac", "expires_in": 3599},
        {"access_token": 42, "expires_in": 3599},
    ],
)
def test_malformed_success_is_a_protocol_error_and_caches_nothing(body: dict[str, Any]) -> None:
    clock, idp = FakeClock(), Identity()
    idp.token_body = body
    app, resolver = _app(clock), _resolver()
    with pytest.raises(ProtocolError):
        drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert _ours(app).entries("AccessToken") == []


def test_string_expires_in_is_accepted_as_entra_v1_sends_it() -> None:
    clock, idp = FakeClock(), Identity(expires_in="3599")
    app, resolver = _app(clock), _resolver()
    result, _ = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert result["expires_in"] == "3599"
    assert _ours(app).entries("AccessToken")[0]["expires_on"] == str(int(clock.now) + 3599)


def test_fmi_path_is_sent_and_partitions_the_cache() -> None:
    clock, idp = FakeClock(), Identity()
    app, resolver = _app(clock), _resolver()
    a = _request(fmi_path="A/B", ext_cache_key="k4-w1mvr4pgusmmag5cfa3_umupiso7o94i-w9kgeks")
    result, sent = drive(acquire_token_for_client(app, resolver, a), idp)
    assert sent[-1].form_value("fmi_path") == "A/B"
    result, sent = drive(acquire_token_for_client(app, resolver, _request()), idp)
    assert sent and result["access_token"] == "at-2"
    result, sent = drive(acquire_token_for_client(app, resolver, a), idp)
    assert not sent and result["access_token"] == "at-1"
