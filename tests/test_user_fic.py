"""acquire_token_by_user_federated_identity_credential (grant user_fic) against the emulator."""

from __future__ import annotations

import pytest

from entraclient.emulator import Emulator
from tests.clocked import real_time_clock
from tests.user_flows import World, new_world


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


def test_credential_for_a_user_by_object_id_or_username(world: World) -> None:
    agent = world.middle_tier()
    credential = world.emu.issue_federated_credential(world.middle)
    world.emu.clear_log()
    by_id = agent.acquire_token_by_user_federated_identity_credential(
        ["User.Read"], credential, user_object_id=world.alice.object_id
    )
    assert by_id["token_source"] == "identity_provider", by_id
    assert by_id["id_token_claims"]["oid"] == world.alice.object_id
    (sent,) = world.emu.token_requests()
    assert sent.form_value("grant_type") == "user_fic"
    assert sent.form_value("user_id") == world.alice.object_id
    assert sent.form_value("username") is None
    assert sent.headers["x-anchormailbox"] == f"Oid:{world.alice.object_id}@{world.tenant.id}"
    by_name = agent.acquire_token_by_user_federated_identity_credential(
        ["User.Read"], credential, username=world.alice.username
    )
    assert by_name["id_token_claims"]["oid"] == world.alice.object_id
    (account,) = agent.get_accounts()
    assert account["account_source"] == "user_fic"
    assert agent.acquire_token_silent(["User.Read"], account)["token_source"] == "cache"  # type: ignore[index]


def test_refusals(world: World) -> None:
    agent = world.middle_tier()
    others = world.emu.issue_federated_credential(world.web)
    result = agent.acquire_token_by_user_federated_identity_credential(
        ["User.Read"], others, username=world.alice.username
    )
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [50013])
    mine = world.emu.issue_federated_credential(world.middle)
    nobody = agent.acquire_token_by_user_federated_identity_credential(
        ["User.Read"], mine, username="nobody@contoso.test"
    )
    assert (nobody["error"], nobody["error_codes"]) == ("invalid_grant", [50034])
    assert len(agent.token_cache) == 0


def test_expired_credential(entra_emulator: Emulator) -> None:
    clock = real_time_clock()
    with Emulator(clock=clock) as emu:
        world = new_world(emu)
        credential = emu.issue_federated_credential(world.middle, lifetime=60)
        clock.advance(61)
        result = world.middle_tier(clock).acquire_token_by_user_federated_identity_credential(
            ["User.Read"], credential, username=world.alice.username
        )
        assert (result["error"], result["error_codes"]) == ("invalid_grant", [500133])


def test_misuse_raises(world: World) -> None:
    agent = world.middle_tier()
    call = agent.acquire_token_by_user_federated_identity_credential
    with pytest.raises(ValueError, match="assertion"):
        call(["User.Read"], "", username="a")
    with pytest.raises(ValueError, match="username or user_object_id"):
        call(["User.Read"], "x.y.z")
    with pytest.raises(ValueError, match="not both"):
        call(["User.Read"], "x.y.z", username="a", user_object_id="b")
