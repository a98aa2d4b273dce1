"""acquire_token_by_refresh_token: a refresh token from another library, migrated into the
cache so that get_accounts and acquire_token_silent work with it."""

from __future__ import annotations

import pytest

from entraclient.emulator import Emulator
from tests.user_flows import World, new_world

SIGN_IN = ["User.Read", "openid", "profile", "offline_access"]


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


def test_migrated_refresh_token_feeds_the_cache(world: World) -> None:
    legacy = world.emu.issue_user_tokens(world.web, world.alice, SIGN_IN)  # another library's
    web = world.web_app()
    world.emu.clear_log()
    result = web.acquire_token_by_refresh_token(str(legacy["refresh_token"]), ["Mail.Read"])
    assert result["token_source"] == "identity_provider", result
    (sent,) = world.emu.token_requests()
    assert sent.form_value("grant_type") == "refresh_token"
    assert sent.form_value("scope") == "Mail.Read offline_access openid profile"
    (account,) = web.get_accounts()
    assert account["home_account_id"] == world.alice.home_account_id
    assert "account_source" not in next(iter(web.token_cache.search("Account")))
    (rt,) = web.token_cache.search("RefreshToken")
    assert rt["secret"] == result["refresh_token"]  # the new token, filed as a new entry
    world.emu.clear_log()
    hit = web.acquire_token_silent(["Mail.Read"], account)
    assert hit is not None and hit["token_source"] == "cache"
    other = web.acquire_token_silent(["Calendars.Read"], account)
    assert other is not None and other["token_source"] == "identity_provider"
    assert [r.form_value("refresh_token") for r in world.emu.token_requests()] == [rt["secret"]]


def test_refused_refresh_token_caches_nothing(world: World) -> None:
    legacy = world.emu.issue_user_tokens(world.web, world.alice, SIGN_IN)
    world.emu.revoke_refresh_tokens(world.alice)
    web = world.web_app()
    result = web.acquire_token_by_refresh_token(str(legacy["refresh_token"]), ["User.Read"])
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [50173])
    assert len(web.token_cache) == 0
    unknown = web.acquire_token_by_refresh_token("not-a-refresh-token", ["User.Read"])
    assert unknown["error"] == "invalid_grant"


def test_misuse_raises(world: World) -> None:
    web = world.web_app()
    with pytest.raises(ValueError, match="refresh_token"):
        web.acquire_token_by_refresh_token("", ["User.Read"])
    with pytest.raises(ValueError, match="refresh_token"):
        web.acquire_token_by_refresh_token(None, ["User.Read"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="added for you"):
        web.acquire_token_by_refresh_token("rt", ["offline_access"])
    with pytest.raises(TypeError, match="unexpected"):
        web.acquire_token_by_refresh_token("rt", ["User.Read"], data={})
