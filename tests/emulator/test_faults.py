"""emulator/faults.py and fault_middleware.py: faults armed per path, consumed per request."""

from __future__ import annotations

import time

import pytest
import requests

from entraclient.emulator import Emulator
from entraclient.emulator.faults import (
    OPENID_CONFIGURATION,
    TOKEN_ENDPOINT,
    DelayHeaders,
    DropMidBody,
    RefuseConnection,
    Respond,
    SlowBody,
)
from entraclient.http.transport import connection_retry_policy

from .support import PUBLIC_HOST, Daemon, PostToken


def _config_url(emu: Emulator) -> str:
    return f"https://{PUBLIC_HOST}/{emu.sample.tenant.id}/v2.0/.well-known/openid-configuration"


def test_a_canned_answer_replaces_the_next_matching_request_only(
    emu: Emulator, http: requests.Session
) -> None:
    emu.inject(
        Respond(503, b"busy", (("retry-after", "7"), ("x-dup", "a"), ("x-dup", "b"))),
        path=OPENID_CONFIGURATION,
    )
    first = http.get(_config_url(emu))
    assert first.status_code == 503
    assert first.text == "busy"
    assert first.headers["retry-after"] == "7"
    assert first.headers["x-dup"] == "a, b"  # both copies reached the client
    second = http.get(_config_url(emu))
    assert second.status_code == 200
    assert [r.status for r in emu.requests] == [503, 200]


def test_a_fault_on_the_token_path_leaves_discovery_alone(
    emu: Emulator, http: requests.Session, daemon: Daemon, post_token: PostToken
) -> None:
    emu.inject(Respond.json({"error": "temporarily_unavailable"}, 429), path=TOKEN_ENDPOINT)
    assert http.get(_config_url(emu)).status_code == 200
    answer = post_token(daemon.tenant.id, daemon.form())
    assert answer.status_code == 429
    assert answer.json() == {"error": "temporarily_unavailable"}
    assert post_token(daemon.tenant.id, daemon.form()).status_code == 200


def test_times_none_keeps_the_fault_until_cleared(emu: Emulator, http: requests.Session) -> None:
    injection = emu.inject(Respond(500), path=OPENID_CONFIGURATION, times=None)
    assert [http.get(_config_url(emu)).status_code for _ in range(3)] == [500, 500, 500]
    assert injection.hits == 3
    emu.clear_faults()
    assert http.get(_config_url(emu)).status_code == 200


def test_method_and_host_narrow_the_match(emu: Emulator, http: requests.Session) -> None:
    emu.inject(Respond(500), method="POST", times=None)
    emu.inject(Respond(502), host="login.windows.net", times=None)
    assert http.get(_config_url(emu)).status_code == 200
    other_host = _config_url(emu).replace(PUBLIC_HOST, "login.windows.net")
    assert http.get(other_host).status_code == 502


def test_times_must_be_positive(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="times"):
        emu.inject(Respond(500), times=0)


def test_drop_mid_body_breaks_the_answer(emu: Emulator, http: requests.Session) -> None:
    emu.inject(DropMidBody(b'{"access_token": "abcdefgh"}', sent=5), path=OPENID_CONFIGURATION)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(_config_url(emu))
    assert http.get(_config_url(emu)).status_code == 200


def test_delay_before_headers_runs_into_the_client_timeout(
    emu: Emulator, http: requests.Session
) -> None:
    emu.inject(DelayHeaders(5.0), path=OPENID_CONFIGURATION)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(_config_url(emu), timeout=0.3)
    assert http.get(_config_url(emu), timeout=5).status_code == 200


def test_a_short_delay_then_the_normal_answer(emu: Emulator, http: requests.Session) -> None:
    emu.inject(DelayHeaders(0.05), path=OPENID_CONFIGURATION)
    answer = http.get(_config_url(emu))
    assert answer.status_code == 200
    assert "token_endpoint" in answer.json()


def test_a_delay_can_end_in_a_canned_answer(emu: Emulator, http: requests.Session) -> None:
    emu.inject(DelayHeaders(0.05, then=Respond(504)), path=OPENID_CONFIGURATION)
    assert http.get(_config_url(emu)).status_code == 504


def test_a_slow_body_arrives_whole_when_the_client_waits(
    emu: Emulator, http: requests.Session
) -> None:
    body = b'{"slow": "body"}'
    emu.inject(SlowBody(body, chunk=4, interval=0.01), path=OPENID_CONFIGURATION)
    answer = http.get(_config_url(emu))
    assert answer.content == body


def test_redirect(emu: Emulator, http: requests.Session) -> None:
    emu.inject(Respond.redirect("https://elsewhere.test/x"), path=OPENID_CONFIGURATION)
    answer = http.get(_config_url(emu), allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == "https://elsewhere.test/x"


def test_refused_connections_never_reach_the_emulator(
    emu: Emulator, http: requests.Session
) -> None:
    http.get(_config_url(emu))  # leaves a pooled connection the refusal must not reuse
    emu.clear_log()
    emu.inject(RefuseConnection(), path=OPENID_CONFIGURATION)
    with pytest.raises(requests.exceptions.ConnectionError) as failure:
        http.get(_config_url(emu))
    assert "refused" in str(failure.value).lower()
    assert emu.requests == []
    assert http.get(_config_url(emu)).status_code == 200


def test_one_refused_connect_is_overcome_by_one_connect_retry(emu: Emulator) -> None:
    adapter = emu.routing_adapter()
    adapter.max_retries = connection_retry_policy()
    session = requests.Session()
    session.mount("https://", adapter)
    emu.inject(RefuseConnection(attempts=1), path=OPENID_CONFIGURATION)
    assert session.get(_config_url(emu)).status_code == 200
    assert len(emu.requests) == 1


def test_an_abandoned_request_is_logged_with_status_zero(
    emu: Emulator, http: requests.Session
) -> None:
    emu.inject(DelayHeaders(30.0), path=OPENID_CONFIGURATION)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(_config_url(emu), timeout=0.2)
    http.close()  # the emulator notices the closed connection and stops waiting
    deadline = time.monotonic() + 10
    while not emu.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [r.status for r in emu.requests] == [0]


def test_a_dropped_body_is_logged_with_the_status_it_announced(
    emu: Emulator, http: requests.Session
) -> None:
    emu.inject(DropMidBody(b"0123456789", sent=2, status=201), path=OPENID_CONFIGURATION)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(_config_url(emu))
    assert [r.status for r in emu.requests] == [201]
