"""The azure-core credentials, driven by azure-core's own bearer token policies against the
emulator's protected resource: first call, cached calls, expiry, CAE challenge."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from azure.core import AsyncPipelineClient, PipelineClient
from azure.core.credentials import AccessTokenInfo, SupportsTokenInfo, TokenCredential
from azure.core.credentials_async import AsyncSupportsTokenInfo, AsyncTokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.policies import (
    AsyncBearerTokenCredentialPolicy,
    BearerTokenCredentialPolicy,
)
from azure.core.pipeline.transport import AsyncioRequestsTransport, RequestsTransport
from azure.core.rest import HttpRequest

from entraclient import ConfidentialClientApplication, TokenCache
from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator.faults import TOKEN_ENDPOINT, DelayHeaders
from entraclient.integrations.azure import (
    AsyncClientCredential,
    AsyncOnBehalfOfCredential,
    ClientCredential,
    OnBehalfOfCredential,
)

from .conftest import Setup, run_async


def _pipeline(
    setup: Setup, credential: Any, *, enable_cae: bool = True
) -> PipelineClient[Any, Any]:
    policy = BearerTokenCredentialPolicy(credential, setup.scope, enable_cae=enable_cae)
    transport = RequestsTransport(session=setup.emu.http_client())
    return PipelineClient(setup.resource.url, policies=[policy], transport=transport)


def _async_pipeline(setup: Setup, credential: Any) -> AsyncPipelineClient[Any, Any]:
    policy = AsyncBearerTokenCredentialPolicy(credential, setup.scope, enable_cae=True)
    transport = AsyncioRequestsTransport(session=setup.emu.http_client())
    return AsyncPipelineClient(setup.resource.url, policies=[policy], transport=transport)


def _credential(setup: Setup, **extra: Any) -> ClientCredential:
    return ClientCredential(**setup.app_args(), **extra)  # type: ignore[arg-type]


def test_the_credentials_satisfy_the_azure_core_protocols(setup: Setup) -> None:
    sync = _credential(setup)
    assert isinstance(sync, TokenCredential) and isinstance(sync, SupportsTokenInfo)
    async_credential = AsyncClientCredential(**setup.async_app_args())  # type: ignore[arg-type]
    assert isinstance(async_credential, AsyncTokenCredential)
    assert isinstance(async_credential, AsyncSupportsTokenInfo)


def test_policy_first_call_then_cached_calls(setup: Setup) -> None:
    setup.emu.clear_log()
    with _credential(setup) as credential, _pipeline(setup, credential) as client:
        for _ in range(3):
            answer = client.send_request(HttpRequest("GET", f"{setup.resource.url}/orders"))
            assert answer.status_code == 200, answer.text()
            assert answer.json()["caller"]["appid"] == setup.app.client_id
    assert setup.token_requests() == 1


def test_policy_renews_a_token_near_its_expiry(setup: Setup) -> None:
    # Tokens of 200 s are inside both azure-core's and the cache's 5-minute refresh window,
    # so every call must fetch a new one instead of sending a token about to expire.
    setup.emu.set_app_token_lifetime(setup.app, 200)
    setup.emu.clear_log()
    with _credential(setup) as credential, _pipeline(setup, credential) as client:
        for _ in range(2):
            answer = client.send_request(HttpRequest("GET", setup.resource.url))
            assert answer.status_code == 200
    assert setup.token_requests() == 2


def test_policy_answers_a_cae_challenge_with_the_claims(setup: Setup) -> None:
    with _credential(setup) as credential, _pipeline(setup, credential) as client:
        assert client.send_request(HttpRequest("GET", setup.resource.url)).status_code == 200
        revoked_at = setup.emu.revoke_sessions(setup.app)
        setup.emu.clear_log()
        answer = client.send_request(HttpRequest("GET", setup.resource.url))
        assert answer.status_code == 200, answer.text()
        assert answer.json()["caller"]["xms_cc"] == ["CP1"]
    (renewal,) = [r for r in setup.emu.token_requests()]
    claims = json.loads(str(renewal.form_value("claims")))
    assert claims["access_token"]["nbf"]["value"] == str(revoked_at)
    assert claims["access_token"]["xms_cc"]["values"] == ["CP1"]


def test_cae_and_plain_tokens_are_kept_apart(setup: Setup) -> None:
    with _credential(setup) as credential:
        plain = credential.get_token(setup.scope)
        cae = credential.get_token(setup.scope, enable_cae=True)
        again = credential.get_token(setup.scope)
    assert "xms_cc" not in jwt.decode(plain.token, options={"verify_signature": False})
    assert jwt.decode(cae.token, options={"verify_signature": False})["xms_cc"] == ["CP1"]
    assert again.token == plain.token


def test_get_token_info_carries_refresh_on(setup: Setup) -> None:
    setup.emu.set_refresh_in(setup.app, 1800)
    with _credential(setup) as credential:
        info = credential.get_token_info(setup.scope)
    assert isinstance(info, AccessTokenInfo) and info.token_type == "Bearer"
    assert info.refresh_on is not None and info.refresh_on < info.expires_on


def test_other_tenants_are_refused_unless_allowed(setup: Setup) -> None:
    other = setup.emu.add_tenant()
    other_api = setup.emu.add_api(other, roles=["Orders.Read"])
    not_allowed = pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants")
    with _credential(setup) as credential, not_allowed:
        credential.get_token(other_api.default_scope, tenant_id=other.id)
    with _credential(setup, additionally_allowed_tenants=[other.id]) as credential:
        # The daemon is not registered in the other tenant: Entra's error comes back.
        with pytest.raises(ClientAuthenticationError, match="AADSTS700016") as refused:
            credential.get_token(other_api.default_scope, tenant_id=other.id)
        assert "Correlation ID" in refused.value.message or "correlation" in str(refused.value)
    any_tenant = _credential(setup, additionally_allowed_tenants=["*"])
    with any_tenant, pytest.raises(ClientAuthenticationError, match="AADSTS700016"):
        any_tenant.get_token(other_api.default_scope, tenant_id=other.id)


def test_errors_name_the_provider_error_without_secrets(setup: Setup) -> None:
    args = {**setup.app_args(), "client_credential": "wrong-secret-value"}
    credential = ClientCredential(**args)  # type: ignore[arg-type]
    with credential, pytest.raises(ClientAuthenticationError) as refused:
        credential.get_token(setup.scope)
    text = str(refused.value)
    assert "invalid_client" in text and "AADSTS7000215" in text
    assert "wrong-secret-value" not in text


def test_built_from_an_application_serves_its_tenant_only(setup: Setup) -> None:
    credential = ClientCredential(application=setup.sync_app())
    assert credential.get_token(setup.scope).token
    with pytest.raises(ClientAuthenticationError, match="build it from client_id"):
        credential.get_token(setup.scope, enable_cae=True)


def _user_assertion(setup: Setup) -> tuple[str, Any]:
    """A middle-tier API (the daemon, exposed) and a user token for it."""
    emu = setup.emu
    middle = emu.add_app(setup.tenant)
    exposed = emu.expose_api(middle)
    client = emu.add_app(setup.tenant)
    user = emu.add_user(setup.tenant)
    tokens = emu.issue_user_tokens(client, user, [f"{exposed.app_id_uri}/access"])
    return str(tokens["access_token"]), middle


def test_on_behalf_of_credential_through_the_policy(setup: Setup) -> None:
    assertion, middle = _user_assertion(setup)
    resource = setup.emu.add_resource(setup.api, host="obo.resource.test", scopes=["Orders.Read"])
    scope = f"{setup.api.app_id_uri}/Orders.Read"
    credential = OnBehalfOfCredential(
        middle.client_id,
        middle.secret,
        user_assertion=assertion,
        authority=setup.authority,
        http_client=setup.emu.http_client(),
    )
    assert "***" in repr(credential) and assertion not in repr(credential)
    policy = BearerTokenCredentialPolicy(credential, scope, enable_cae=True)
    transport = RequestsTransport(session=setup.emu.http_client())
    client: PipelineClient[Any, Any] = PipelineClient(
        resource.url, policies=[policy], transport=transport
    )
    with client:
        answer = client.send_request(HttpRequest("GET", resource.url))
        assert answer.status_code == 200, answer.text()
        assert answer.json()["caller"]["scp"] == "Orders.Read"
        user_oid = answer.json()["caller"]["oid"]
        setup.emu.revoke_sessions(setup.emu._context.users.find(user_oid))  # type: ignore[arg-type]
        again = client.send_request(HttpRequest("GET", resource.url))
        assert again.status_code == 200, again.text()


@run_async
async def test_async_policy_first_call_cached_calls_and_cae(setup: Setup) -> None:
    setup.emu.clear_log()
    credential = AsyncClientCredential(**setup.async_app_args())  # type: ignore[arg-type]
    async with credential, _async_pipeline(setup, credential) as client:
        for _ in range(3):
            answer = await client.send_request(HttpRequest("GET", setup.resource.url))
            assert answer.status_code == 200
        assert setup.token_requests() == 1
        setup.emu.revoke_sessions(setup.app)
        answer = await client.send_request(HttpRequest("GET", setup.resource.url))
        assert answer.status_code == 200
        assert setup.token_requests() == 2


@run_async
async def test_async_concurrent_callers_are_coalesced(setup: Setup) -> None:
    setup.emu.clear_log()
    async with AsyncClientCredential(**setup.async_app_args()) as credential:  # type: ignore[arg-type]
        tokens = await asyncio.gather(*(credential.get_token(setup.scope) for _ in range(200)))
    assert len({t.token for t in tokens}) == 1
    assert setup.token_requests() == 1


@run_async
async def test_async_credential_never_blocks_the_loop(setup: Setup) -> None:
    # While the token endpoint takes 0.3 s to answer, a heartbeat task keeps beating.
    setup.emu.inject(DelayHeaders(0.3), path=TOKEN_ENDPOINT)
    beats = 0
    running = True

    async def heartbeat() -> None:
        nonlocal beats
        while running:
            beats += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    before = beats
    async with AsyncClientCredential(**setup.async_app_args()) as credential:  # type: ignore[arg-type]
        await credential.get_token(setup.scope)
    during = beats - before
    running = False
    await ticker
    assert during >= 5


@run_async
async def test_async_on_behalf_of_credential(setup: Setup) -> None:
    assertion, middle = _user_assertion(setup)
    async with AsyncOnBehalfOfCredential(
        middle.client_id,
        middle.secret,
        user_assertion=assertion,
        authority=setup.authority,
        http_client=setup.emu.async_http_client(),
    ) as credential:
        token = await credential.get_token(f"{setup.api.app_id_uri}/Orders.Read")
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["scp"] == "Orders.Read" and claims["appid"] == middle.client_id


@run_async
async def test_async_credential_from_an_application_is_not_closed_by_it(setup: Setup) -> None:
    app = AsyncConfidentialClientApplication(**setup.async_app_args())  # type: ignore[arg-type]
    async with AsyncClientCredential(application=app) as credential:
        await credential.get_token(setup.scope)
    assert (await app.acquire_token_for_client([setup.scope]))["token_source"] == "cache"
    await app.aclose()


def test_sync_app_shared_with_a_credential_shares_its_cache(setup: Setup) -> None:
    app: ConfidentialClientApplication = setup.sync_app()
    ClientCredential(application=app).get_token(setup.scope)
    assert app.acquire_token_for_client([setup.scope])["token_source"] == "cache"


def test_sync_concurrent_callers_are_coalesced(setup: Setup) -> None:
    setup.emu.inject(DelayHeaders(0.2), path=TOKEN_ENDPOINT)
    setup.emu.clear_log()
    with _credential(setup) as credential, ThreadPoolExecutor(max_workers=16) as pool:
        tokens = list(pool.map(lambda _: credential.get_token(setup.scope).token, range(64)))
    assert len(set(tokens)) == 1
    assert setup.token_requests() == 1


def test_a_given_token_cache_holds_the_plain_tokens_only(setup: Setup) -> None:
    cache = TokenCache()
    with _credential(setup, token_cache=cache) as credential:
        credential.get_token(setup.scope)
        credential.get_token(setup.scope, enable_cae=True)
    cached = [t["secret"] for t in cache.search(TokenCache.CredentialType.ACCESS_TOKEN)]
    assert len(cached) == 1
    assert "xms_cc" not in jwt.decode(cached[0], options={"verify_signature": False})
