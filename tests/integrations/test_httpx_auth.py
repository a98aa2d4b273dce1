"""httpx auth (sync and async flows) against the emulator's protected resource."""

from __future__ import annotations

import asyncio
import base64

import httpx
import jwt
import pytest

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator.faults import TOKEN_ENDPOINT, DelayHeaders
from entraclient.integrations.httpx_auth import BearerAuth
from entraclient.integrations.sources import (
    AppTokens,
    AsyncAppTokens,
    AsyncOnBehalfOfTokens,
    OnBehalfOfTokens,
)

from .conftest import RoutingTransport, Setup, run_async, user_assertion

CHALLENGE_CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}'
CHALLENGE = (
    'Bearer realm="", error="insufficient_claims", claims="'
    + base64.urlsafe_b64encode(CHALLENGE_CLAIMS.encode()).decode().rstrip("=")
    + '"'
)


def _async_app(setup: Setup, *, cae: bool = True) -> AsyncConfidentialClientApplication:
    args = setup.async_app_args()
    client_id = str(args.pop("client_id"))
    return AsyncConfidentialClientApplication(
        client_id,
        client_capabilities=["CP1"] if cae else None,
        **args,  # type: ignore[arg-type]
    )


def test_sync_client_first_call_cache_and_cae_retry(setup: Setup) -> None:
    auth = BearerAuth(AppTokens(setup.sync_app(cae=True), [setup.scope]))
    setup.emu.clear_log()
    with httpx.Client(transport=RoutingTransport(setup.emu), auth=auth) as client:
        for _ in range(2):
            assert client.get(f"{setup.resource.url}/orders").status_code == 200
        assert setup.token_requests() == 1
        setup.emu.revoke_sessions(setup.app)
        answer = client.post(f"{setup.resource.url}/orders", content=b"order-body")
        assert answer.status_code == 200, answer.text
        assert answer.json()["body_bytes"] == len(b"order-body")  # the body was replayed
        assert [r.status_code for r in answer.history] == [401]  # the challenge, then the retry
    assert setup.token_requests() == 2


@run_async
async def test_async_client_first_call_cache_and_cae_retry(setup: Setup) -> None:
    app = _async_app(setup)
    auth = BearerAuth(async_tokens=AsyncAppTokens(app, [setup.scope]))
    setup.emu.clear_log()
    async with setup.emu.async_http_client() as client:
        client.auth = auth
        assert (await client.get(setup.resource.url)).status_code == 200
        assert (await client.get(setup.resource.url)).status_code == 200
        setup.emu.revoke_sessions(setup.app)
        answer = await client.get(setup.resource.url)
        assert answer.status_code == 200, answer.text
    assert setup.token_requests() == 2
    await app.aclose()


def test_a_second_challenge_goes_back_to_the_caller() -> None:
    sent: list[str] = []

    def always_challenge(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        return httpx.Response(401, headers={"WWW-Authenticate": CHALLENGE})

    class CountingTokens:
        def __init__(self) -> None:
            self.claims: list[str | None] = []

        def bearer_token(self, claims: str | None = None) -> str:
            self.claims.append(claims)
            return f"token-{len(self.claims)}"

    tokens = CountingTokens()
    with httpx.Client(transport=httpx.MockTransport(always_challenge)) as client:
        answer = client.get("https://api.test/", auth=BearerAuth(tokens))
    assert answer.status_code == 401
    assert sent == ["Bearer token-1", "Bearer token-2"]
    assert tokens.claims == [None, CHALLENGE_CLAIMS]


def test_a_401_without_claims_is_not_retried() -> None:
    sent: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    class Tokens:
        def bearer_token(self, claims: str | None = None) -> str:
            return "t"

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        assert client.get("https://api.test/", auth=BearerAuth(Tokens())).status_code == 401
    assert sent == ["Bearer t"]


def test_the_flow_kinds_need_their_sources(setup: Setup) -> None:
    with pytest.raises(ValueError, match="tokens"):
        BearerAuth()
    auth = BearerAuth(AppTokens(setup.sync_app(), [setup.scope]))
    with pytest.raises(RuntimeError, match="async token source"):
        asyncio.run(httpx.AsyncClient(auth=auth).get("https://api.test/"))


def test_on_behalf_of_tokens_sync(setup: Setup) -> None:
    assertion, middle = user_assertion(setup)
    resource = setup.emu.add_resource(setup.api, host="obo-httpx.resource.test")
    from entraclient import ConfidentialClientApplication

    app = ConfidentialClientApplication(
        middle.client_id,
        middle.secret,
        authority=setup.authority,
        http_client=setup.emu.http_client(),
    )
    tokens = OnBehalfOfTokens(app, [f"{setup.api.app_id_uri}/Orders.Read"], assertion)
    assert assertion not in repr(tokens)
    with httpx.Client(transport=RoutingTransport(setup.emu), auth=BearerAuth(tokens)) as client:
        answer = client.get(resource.url)
    assert answer.status_code == 200, answer.text
    assert answer.json()["caller"]["scp"] == "Orders.Read"


@run_async
async def test_on_behalf_of_tokens_async_and_the_loop_keeps_beating(setup: Setup) -> None:
    assertion, middle = user_assertion(setup)
    resource = setup.emu.add_resource(setup.api, host="obo-async.resource.test")
    app = AsyncConfidentialClientApplication(
        middle.client_id,
        middle.secret,
        authority=setup.authority,
        http_client=setup.emu.async_http_client(),
    )
    tokens = AsyncOnBehalfOfTokens(app, [f"{setup.api.app_id_uri}/Orders.Read"], assertion)
    setup.emu.inject(DelayHeaders(0.3), path=TOKEN_ENDPOINT)
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            beats += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(heartbeat())
    async with setup.emu.async_http_client() as client:
        client.auth = BearerAuth(async_tokens=tokens)
        answer = await client.get(resource.url)
    ticker.cancel()
    assert answer.status_code == 200, answer.text
    claims = jwt.decode(
        (await tokens.bearer_token()), options={"verify_signature": False}
    )  # from the cache now
    assert claims["appid"] == middle.client_id
    assert beats >= 5  # the loop ran on while the token request waited 0.3 s
    await app.aclose()
