"""User and on-behalf-of partitions through a file store: a restarted app finds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from entraclient import TokenCache
from entraclient.cache.stores.files import FileStore
from entraclient.emulator import Emulator
from tests.user_flows import DOWNSTREAM_SCOPE, World, new_world


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


def test_a_restarted_middle_tier_finds_its_on_behalf_of_token(world: World, tmp_path: Path) -> None:  # fmt: skip
    assertion = world.user_assertion()
    first = world.middle_tier(token_cache=TokenCache(store=FileStore(tmp_path)))
    assert "access_token" in first.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    sent = len(world.emu.token_requests())
    restarted = world.middle_tier(token_cache=TokenCache(store=FileStore(tmp_path)))
    again = restarted.acquire_token_on_behalf_of(assertion, [DOWNSTREAM_SCOPE])
    assert again["token_source"] == "cache"
    assert len(world.emu.token_requests()) == sent


def test_a_restarted_web_app_finds_the_users_tokens_silently(world: World, tmp_path: Path) -> None:  # fmt: skip
    scopes = [f"{world.downstream.app_id_uri}/Orders.Read"]
    issued = world.emu.issue_user_tokens(world.web, world.alice, [*scopes, "offline_access"])
    first = world.web_app(token_cache=TokenCache(store=FileStore(tmp_path)))
    assert "access_token" in first.acquire_token_by_refresh_token(
        str(issued["refresh_token"]), scopes
    )
    (account,) = first.get_accounts()
    sent = len(world.emu.token_requests())
    restarted = world.web_app(token_cache=TokenCache(store=FileStore(tmp_path)))
    result = restarted.acquire_token_silent(scopes, account)
    assert result is not None and result["token_source"] == "cache"
    assert len(world.emu.token_requests()) == sent
