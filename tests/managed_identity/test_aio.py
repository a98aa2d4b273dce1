"""AsyncManagedIdentityClient: the same flow over httpx, against every emulated backend."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from entraclient import SystemAssignedManagedIdentity, UserAssignedManagedIdentity
from entraclient.emulator import Emulator
from entraclient.emulator.faults import DelayHeaders, Respond
from entraclient.managed_identity.aio import AsyncManagedIdentityClient

from .conftest import ALL_KINDS, RESOURCE, UseHost
from .test_client import PATHS


async def _twice(emu: Emulator, identity: Any, arc_dir: Path) -> list[dict[str, Any]]:
    client = AsyncManagedIdentityClient(
        identity, http_client=emu.async_http_client(), arc_key_directory=arc_dir
    )
    async with client:
        return [await client.acquire_token_for_client(resource=RESOURCE) for _ in range(2)]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_token_then_cache_hit(kind: str, emu: Emulator, use_host: UseHost, arc_dir: Path) -> None:
    use_host(kind)
    first, second = asyncio.run(_twice(emu, SystemAssignedManagedIdentity(), arc_dir))
    assert first["token_source"] == "identity_provider", first
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]


def test_errors_are_result_dicts(emu: Emulator, use_host: UseHost, arc_dir: Path) -> None:
    use_host("vm")
    first, _ = asyncio.run(_twice(emu, UserAssignedManagedIdentity(client_id="nobody"), arc_dir))
    assert first["error"] == "invalid_request"
    assert first["error_description"] == "Identity not found"


def test_concurrent_callers_share_one_request(
    emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host("app_service")
    emu.inject(DelayHeaders(0.3), path=PATHS["app_service"])
    identity = emu.add_managed_identity()

    async def many() -> list[dict[str, Any]]:
        async with AsyncManagedIdentityClient(
            UserAssignedManagedIdentity(client_id=identity.client_id),
            http_client=emu.async_http_client(),
        ) as client:
            calls = [client.acquire_token_for_client(resource=RESOURCE) for _ in range(20)]
            return await asyncio.gather(*calls)

    emu.clear_log()
    try:
        results = asyncio.run(many())
    finally:
        emu.clear_faults()

    assert {r["access_token"] for r in results} == {results[0]["access_token"]}
    assert len([r for r in emu.requests if r.path == PATHS["app_service"]]) == 1


def test_throttled_like_the_sync_client(emu: Emulator, use_host: UseHost, arc_dir: Path) -> None:
    use_host("machine_learning")
    emu.inject(Respond.json({"error": "busy"}, 503, (("retry-after", "30"),)),
               path=PATHS["machine_learning"], times=None)  # fmt: skip
    emu.clear_log()
    try:
        first, second = asyncio.run(
            _twice(emu, UserAssignedManagedIdentity(client_id="async-throttled"), arc_dir)
        )
    finally:
        emu.clear_faults()
    assert first["error"] == "busy"
    assert second["retry_after"] >= 29
    assert len([r for r in emu.requests if r.path == PATHS["machine_learning"]]) == 1
