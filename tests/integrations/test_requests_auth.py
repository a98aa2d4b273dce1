"""requests auth against the emulator's protected resource, and its one-retry rule."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from entraclient import ConfidentialClientApplication
from entraclient.integrations.requests_auth import BearerTokenAuth
from entraclient.integrations.sources import AppTokens, OnBehalfOfTokens

from .conftest import Setup, user_assertion

CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}'
CHALLENGE = 'Bearer realm="", error="insufficient_claims", claims="{}"'.format(
    base64.urlsafe_b64encode(CLAIMS.encode()).decode().rstrip("=")
)


def test_first_call_cache_and_cae_retry(setup: Setup, http: requests.Session) -> None:
    http.auth = BearerTokenAuth(AppTokens(setup.sync_app(cae=True), [setup.scope]))
    setup.emu.clear_log()
    assert http.get(f"{setup.resource.url}/orders").status_code == 200
    assert http.get(f"{setup.resource.url}/orders").status_code == 200
    assert setup.token_requests() == 1
    setup.emu.revoke_sessions(setup.app)
    answer = http.post(setup.resource.url, data=b"twelve bytes")
    assert answer.status_code == 200, answer.text
    assert answer.json()["body_bytes"] == 12
    assert [r.status_code for r in answer.history] == [401]
    assert setup.token_requests() == 2


def test_on_behalf_of(setup: Setup, http: requests.Session) -> None:
    assertion, middle = user_assertion(setup)
    resource = setup.emu.add_resource(setup.api, host="obo-requests.resource.test")
    app = ConfidentialClientApplication(
        middle.client_id, middle.secret, authority=setup.authority, http_client=http
    )
    scopes = [f"{setup.api.app_id_uri}/Orders.Read"]
    answer = http.get(resource.url, auth=BearerTokenAuth(OnBehalfOfTokens(app, scopes, assertion)))
    assert answer.status_code == 200, answer.text
    assert answer.json()["caller"]["scp"] == "Orders.Read"


class AlwaysChallenged(HTTPAdapter):
    """A peer that answers every request with a CAE claims challenge."""

    def __init__(self) -> None:
        super().__init__()
        self.authorizations: list[str] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.authorizations.append(str(request.headers["Authorization"]))
        response = requests.Response()
        response.status_code = 401
        response.headers["WWW-Authenticate"] = CHALLENGE
        response._content = b"{}"
        response.request = request
        response.connection = self
        response.url = str(request.url)
        return response

    def close(self) -> None:
        pass


class CountingTokens:
    def __init__(self) -> None:
        self.claims: list[str | None] = []

    def bearer_token(self, claims: str | None = None) -> str:
        self.claims.append(claims)
        return f"token-{len(self.claims)}"


def _session(adapter: BaseAdapter, headers: Mapping[str, str] | None = None) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    return session


def test_a_second_challenge_goes_back_to_the_caller() -> None:
    adapter, tokens = AlwaysChallenged(), CountingTokens()
    answer = _session(adapter).get("https://api.test/", auth=BearerTokenAuth(tokens))
    assert answer.status_code == 401
    assert adapter.authorizations == ["Bearer token-1", "Bearer token-2"]
    assert tokens.claims == [None, CLAIMS]
    assert len(answer.history) == 1


def test_a_401_without_claims_is_returned_as_is() -> None:
    class Refusing(AlwaysChallenged):
        def send(  # type: ignore[override]
            self, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            response = super().send(request, **kwargs)
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response

    adapter, tokens = Refusing(), CountingTokens()
    answer = _session(adapter).get("https://api.test/", auth=BearerTokenAuth(tokens))
    assert answer.status_code == 401 and adapter.authorizations == ["Bearer token-1"]
