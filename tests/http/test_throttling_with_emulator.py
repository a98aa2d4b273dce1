"""Throttling end to end: while an application is throttled, no request reaches the emulator.

Both transports are covered: the default one (reaching the emulator at its loopback address)
and a user's ``http_client`` (reaching it under the real Entra host name).
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from entraclient.emulator import Emulator
from entraclient.emulator.faults import OPENID_CONFIGURATION, TOKEN_ENDPOINT, Respond
from tests.clocked import ClockedApp, real_time_clock
from tests.flows.scripted import FakeClock

TRANSPORTS = ["default", "http_client"]


def _app(emu: Emulator, transport: str, clock: FakeClock) -> ClockedApp:
    sample = emu.sample
    where: dict[str, Any]
    if transport == "default":
        where = {
            "authority": f"{emu.base_url}/{sample.tenant.domain}",
            "verify": str(emu.ca_path),
            "instance_discovery": False,
        }
    else:
        where = {"authority": sample.authority, "http_client": emu.http_client()}
    return ClockedApp(
        sample.app.client_id, client_credential=sample.app.secret, clock=clock, **where
    )


def _busy(status: int, retry_after: str) -> Respond:
    body = {"error": "temporarily_unavailable", "error_description": "busy"}
    return Respond.json(body, status, (("Retry-After", retry_after),))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_no_token_request_reaches_the_emulator_while_throttled(
    entra_emulator: Emulator, transport: str
) -> None:
    emu, clock = entra_emulator, real_time_clock()
    app = _app(emu, transport, clock)
    emu.inject(_busy(429, "30"), path=TOKEN_ENDPOINT, times=None)  # it would say 429 forever
    first = app.acquire_token_for_client([emu.sample.scope])
    assert first["error"] == "temporarily_unavailable"
    assert len(emu.token_requests()) == 1
    held = []
    for step in (0, 10, 19):
        clock.advance(step)
        held.append(app.acquire_token_for_client([emu.sample.scope]))
    assert len(emu.token_requests()) == 1  # none of the three calls reached the emulator
    assert [r["retry_after"] for r in held] == [30, 20, 1]
    assert all(r["error"] == "temporarily_unavailable" for r in held)
    assert len({r["correlation_id"] for r in held}) == 3  # each call has its own id
    assert "retry after 1 s" in held[-1]["error_description"]
    assert app.token_cache.entries("AccessToken") == []
    emu.clear_faults()
    clock.advance(1)
    assert app.acquire_token_for_client([emu.sample.scope])["token_source"] == "identity_provider"
    assert len(emu.token_requests()) == 2


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_discovery_503_with_an_http_date_holds_the_discovery_get(
    entra_emulator: Emulator, transport: str
) -> None:
    emu, clock = entra_emulator, real_time_clock()
    app = _app(emu, transport, clock)
    when = format_datetime(datetime.fromtimestamp(clock.now + 120, tz=timezone.utc), usegmt=True)
    emu.inject(_busy(503, when), path=OPENID_CONFIGURATION, times=None)
    assert app.acquire_token_for_client([emu.sample.scope])["error"] == "temporarily_unavailable"
    clock.advance(60)
    held = app.acquire_token_for_client([emu.sample.scope])
    assert 59 <= held["retry_after"] <= 61  # the HTTP-date was rendered in whole seconds
    assert len(emu.requests) == 1
    emu.clear_faults()
    clock.advance(61)
    assert "access_token" in app.acquire_token_for_client([emu.sample.scope])
    assert len(emu.requests) == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_invalid_grant_is_not_resent_in_a_loop(entra_emulator: Emulator, transport: str) -> None:
    emu, clock = entra_emulator, real_time_clock()
    app = _app(emu, transport, clock)
    refusal = {"error": "invalid_grant", "error_codes": [70008], "error_description": "expired"}
    emu.inject(Respond.json(refusal, 400), path=TOKEN_ENDPOINT, times=1)
    assert app.acquire_token_for_client([emu.sample.scope])["error"] == "invalid_grant"
    # The emulator is healthy again: had these been sent, they would have got tokens.
    for _ in range(5):
        held = app.acquire_token_for_client([emu.sample.scope])
        assert held["error"] == "invalid_grant"
        assert held["error_codes"] == [70008]
        assert held["retry_after"] == 60
    assert len(emu.token_requests()) == 1
    clock.advance(60)
    assert "access_token" in app.acquire_token_for_client([emu.sample.scope])
    assert len(emu.token_requests()) == 2


def test_the_capability_header_advertises_retry_after_and_429(entra_emulator: Emulator) -> None:
    app = _app(entra_emulator, "http_client", real_time_clock())
    app.acquire_token_for_client([entra_emulator.sample.scope])
    (sent,) = entra_emulator.token_requests()
    assert sent.headers["x-ms-lib-capability"] == "retry-after, h429"
