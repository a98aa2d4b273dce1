"""emulator/async_routing.py: httpx reaches the emulator under real names, TLS verified."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from entraclient.emulator import Emulator
from entraclient.emulator.async_routing import routed_async_client


def test_real_host_names_reach_the_emulator(entra_emulator: Emulator) -> None:
    async def scenario() -> httpx.Response:
        async with entra_emulator.async_http_client() as client:
            return await client.get(
                f"https://login.microsoftonline.com/{entra_emulator.sample.tenant.domain}"
                "/v2.0/.well-known/openid-configuration"
            )

    response = asyncio.run(scenario())
    assert response.status_code == 200
    assert response.json()["token_endpoint"].startswith("https://login.microsoftonline.com/")
    assert entra_emulator.requests[-1].host == "login.microsoftonline.com"


def test_unrouted_names_fail_without_lookup(entra_emulator: Emulator) -> None:
    async def scenario() -> None:
        async with entra_emulator.async_http_client() as client:
            await client.get("https://example.com/")

    with pytest.raises(httpx.ConnectError, match="not served"):
        asyncio.run(scenario())


def test_a_wrong_ca_fails_verification(entra_emulator: Emulator) -> None:
    async def scenario(ca: str) -> None:
        async with routed_async_client(entra_emulator.router(), ca) as client:
            await client.get("https://login.microsoftonline.com/common/discovery/instance")

    with Emulator() as other, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(scenario(str(other.ca_path)))
