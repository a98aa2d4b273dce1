"""The ``claims`` parameter, per-app ``refresh_in`` and the token-failure switch."""

from __future__ import annotations

import json

import jwt
import pytest

from entraclient.emulator import Emulator
from entraclient.emulator.outages import TokenFaults

from .support import CheckEntraError, Daemon, PostToken


def test_cp1_capability_lands_in_the_access_token(daemon: Daemon, post_token: PostToken) -> None:
    claims = json.dumps({"access_token": {"xms_cc": {"values": ["CP1", "cp2", 3]}}})
    response = post_token(daemon.tenant.id, daemon.form(claims=claims))
    token = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert token["xms_cc"] == ["CP1", "cp2"]


@pytest.mark.parametrize(
    "claims",
    ['{"id_token": {"acrs": {"essential": true}}}', '{"access_token": {"xms_cc": "CP1"}}', "{}"],
)
def test_claims_without_capabilities_leave_no_xms_cc(
    daemon: Daemon, post_token: PostToken, claims: str
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(claims=claims))
    assert response.status_code == 200
    token = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert "xms_cc" not in token


@pytest.mark.parametrize("claims", ["{", "[]", '"CP1"', "null"])
def test_claims_must_be_a_json_object(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError, claims: str
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(claims=claims))
    body = entra_error(response, error="invalid_request", code=90023)
    assert "claims parameter is not a JSON object" in str(body["error_description"])


def test_refresh_in_is_per_app(emu: Emulator, daemon: Daemon, post_token: PostToken) -> None:
    assert "refresh_in" not in post_token(daemon.tenant.id, daemon.form()).json()
    emu.set_refresh_in(daemon.app, 1800)
    assert post_token(daemon.tenant.id, daemon.form()).json()["refresh_in"] == 1800
    emu.set_refresh_in(daemon.app, None)
    assert "refresh_in" not in post_token(daemon.tenant.id, daemon.form()).json()
    with pytest.raises(ValueError, match="positive"):
        emu.set_refresh_in(daemon.app, 0)


def test_failing_the_next_token_requests(
    emu: Emulator, daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    emu.fail_next_token_requests(2, status=503)
    for _ in range(2):
        response = post_token(daemon.tenant.id, daemon.form())
        entra_error(response, error="temporarily_unavailable", code=90033, status=503)
    assert post_token(daemon.tenant.id, daemon.form()).status_code == 200
    emu.fail_next_token_requests(1, status=500)
    assert post_token(daemon.tenant.id, daemon.form()).status_code == 500
    assert [r.status for r in emu.token_requests()] == [503, 503, 200, 500]


def test_faults_come_before_any_check(emu: Emulator, daemon: Daemon, post_token: PostToken) -> None:
    emu.fail_next_token_requests()
    assert post_token(daemon.tenant.id, daemon.form(client_secret="wrong")).status_code == 503


def test_pending_faults_can_be_cleared(
    emu: Emulator, daemon: Daemon, post_token: PostToken
) -> None:
    emu.fail_next_token_requests(5)
    emu.clear_faults()
    assert post_token(daemon.tenant.id, daemon.form()).status_code == 200


def test_fault_arguments_are_checked() -> None:
    faults = TokenFaults()
    with pytest.raises(ValueError, match="zero or more"):
        faults.fail_next(-1)
    with pytest.raises(ValueError, match="400-599"):
        faults.fail_next(1, status=200)
    assert faults.take() is None
