"""The user flows on the asyncio façade: the same flows as the sync one, awaited."""

from __future__ import annotations

from typing import Any

import pytest

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import App, Emulator
from tests.aio.test_async_application import run
from tests.user_flows import (
    DOWNSTREAM_SCOPE,
    REDIRECT_URI,
    World,
    new_world,
    redirect_parameters,
    visit,
)

OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


def _app(world: World, app: App, client: Any) -> AsyncConfidentialClientApplication:
    return AsyncConfidentialClientApplication(
        app.client_id, client_credential=app.secret, authority=world.authority, http_client=client
    )


def test_on_behalf_of_then_cache_hit(world: World) -> None:
    assertion = world.user_assertion()
    world.emu.clear_log()

    async def scenario() -> list[dict[str, Any]]:
        async with world.emu.async_http_client() as client:
            middle = _app(world, world.middle, client)
            first = await middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
            second = await middle.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
            return [first, second]

    first, second = run(scenario)
    assert (first["token_source"], second["token_source"]) == ("identity_provider", "cache")
    assert [r.form_value("grant_type") for r in world.emu.token_requests()] == [OBO_GRANT]


def test_auth_code_flow_then_silent_and_refresh_token(world: World) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
        async with world.emu.async_http_client() as client:
            web = _app(world, world.web, client)
            flow = await web.initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT_URI)
            world.emu.sign_in_as(world.alice)
            response = redirect_parameters(visit(world.emu, flow["auth_uri"]))
            signed_in = await web.acquire_token_by_auth_code_flow(flow, response)
            (account,) = await web.get_accounts()
            silent = await web.acquire_token_silent(["User.Read"], account)
            migrated = await web.acquire_token_by_refresh_token(
                signed_in["refresh_token"], ["Mail.Read"]
            )
            return signed_in, silent, migrated

    signed_in, silent, migrated = run(scenario)
    assert signed_in["id_token_claims"]["oid"] == world.alice.object_id
    assert silent is not None and silent["token_source"] == "cache"
    assert migrated["token_source"] == "identity_provider"


def test_state_mismatch_and_misuse(world: World) -> None:
    async def scenario() -> dict[str, Any]:
        async with world.emu.async_http_client() as client:
            web = _app(world, world.web, client)
            flow = await web.initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT_URI)
            with pytest.raises(ValueError, match="not a JWT"):
                await web.acquire_token_on_behalf_of("not-a-jwt", [DOWNSTREAM_SCOPE])
            return await web.acquire_token_by_auth_code_flow(flow, {"state": "x", "code": "y"})

    assert run(scenario)["error"] == "state_mismatch"
