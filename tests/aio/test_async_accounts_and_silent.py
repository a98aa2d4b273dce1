"""The account methods of aio.py, mirroring tests/test_accounts_and_silent.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from entraclient import SerializableTokenCache
from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import Emulator
from tests.test_accounts_and_silent import GRAPH_READ, Tenancy


@pytest.fixture
def tenancy(entra_emulator: Emulator) -> Tenancy:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    user = entra_emulator.add_user(tenant, f"Alice@{tenant.domain}")
    return Tenancy(entra_emulator, tenant, app, user)


@contextlib.asynccontextmanager
async def async_app(
    tenancy: Tenancy, cache: SerializableTokenCache
) -> AsyncIterator[AsyncConfidentialClientApplication]:
    async with tenancy.emu.async_http_client() as client, AsyncConfidentialClientApplication(
        tenancy.app.client_id, client_credential=tenancy.app.secret, http_client=client,
        authority=f"https://login.microsoftonline.com/{tenancy.tenant.domain}", token_cache=cache,
    ) as app:  # fmt: skip
        yield app


def _signed_in_cache(tenancy: Tenancy) -> SerializableTokenCache:
    cache = SerializableTokenCache()
    tenancy.sign_in(tenancy.application(cache=cache))
    return cache


def test_signed_in_user_gets_tokens_silently(tenancy: Tenancy) -> None:
    cache = _signed_in_cache(tenancy)
    tenancy.emu.clear_log()

    async def scenario() -> tuple[list[dict[str, Any]], Any, Any]:
        async with async_app(tenancy, cache) as app:
            accounts = await app.get_accounts()
            hit = await app.acquire_token_silent([GRAPH_READ], accounts[0])
            fresh = await app.acquire_token_silent([GRAPH_READ], accounts[0], force_refresh=True)
            return accounts, hit, fresh

    accounts, hit, fresh = asyncio.run(scenario())
    assert [a["username"] for a in accounts] == [tenancy.user.username]
    assert hit["token_source"] == "cache"
    assert fresh["token_source"] == "identity_provider"
    (sent,) = tenancy.emu.token_requests()
    assert sent.form_value("grant_type") == "refresh_token"


def test_refresh_failure_is_none_or_the_error_and_remove_account(tenancy: Tenancy) -> None:
    cache = _signed_in_cache(tenancy)
    tenancy.emu.revoke_refresh_tokens(tenancy.user)

    async def scenario() -> tuple[Any, Any, list[dict[str, Any]]]:
        async with async_app(tenancy, cache) as app:
            (account,) = await app.get_accounts()
            none = await app.acquire_token_silent([GRAPH_READ], account, force_refresh=True)
            error = await app.acquire_token_silent_with_error(
                [GRAPH_READ], account, force_refresh=True
            )
            await app.remove_account(account)
            return none, error, await app.get_accounts()

    none, error, left = asyncio.run(scenario())
    assert none is None
    assert (error["error"], error["error_codes"]) == ("invalid_grant", [50173])
    assert left == []


def test_concurrent_silent_refreshes_of_one_account_send_one_request(tenancy: Tenancy) -> None:
    cache = _signed_in_cache(tenancy)
    tenancy.emu.clear_log()

    async def scenario() -> list[Any]:
        async with async_app(tenancy, cache) as app:
            (account,) = await app.get_accounts()
            calls = [
                app.acquire_token_silent([GRAPH_READ], account, force_refresh=True)
                for _ in range(50)
            ]
            return list(await asyncio.gather(*calls))

    results = asyncio.run(scenario())
    assert all(r is not None and "access_token" in r for r in results)
    assert len(tenancy.emu.token_requests()) == 1  # one refresh, shared: no refresh-token race


def test_misuse_is_refused(tenancy: Tenancy) -> None:
    cache = _signed_in_cache(tenancy)

    async def scenario() -> None:
        async with async_app(tenancy, cache) as app:
            (account,) = await app.get_accounts()
            assert await app.acquire_token_silent([GRAPH_READ], None) is None
            with pytest.raises(ValueError, match="added for you"):
                await app.acquire_token_silent(["openid"], account)
            with pytest.raises(ValueError, match="environment"):
                await app.remove_account({"home_account_id": "x"})

    asyncio.run(scenario())
