"""client-request-id: fresh per call, echoed in every error dict as ``correlation_id``."""

from __future__ import annotations

import uuid

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.faults import TOKEN_ENDPOINT, Respond


def _app(emu: Emulator, **options: object) -> ConfidentialClientApplication:
    sample = emu.sample
    return ConfidentialClientApplication(
        sample.app.client_id,
        client_credential=sample.app.secret,
        authority=sample.authority,
        http_client=emu.http_client(),
        **options,  # type: ignore[arg-type]
    )


def test_each_call_sends_a_fresh_uuid4(entra_emulator: Emulator) -> None:
    app = _app(entra_emulator)
    for _ in range(3):
        app.acquire_token_for_client(["api://unknown/.default"])
    ids = [r.headers["client-request-id"] for r in entra_emulator.token_requests()]
    assert len(set(ids)) == 3
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_the_servers_correlation_id_is_the_one_sent(entra_emulator: Emulator) -> None:
    result = _app(entra_emulator).acquire_token_for_client(["api://unknown/.default"])
    (sent,) = entra_emulator.token_requests()
    assert result["correlation_id"] == sent.headers["client-request-id"]


def test_an_error_built_by_entraclient_carries_the_correlation_id(
    entra_emulator: Emulator,
) -> None:
    entra_emulator.inject(Respond.html("<h1>oops</h1>", 500), path=TOKEN_ENDPOINT)
    result = _app(entra_emulator).acquire_token_for_client([entra_emulator.sample.scope])
    (sent,) = entra_emulator.token_requests()
    assert result["error"] == "invalid_response"
    assert result["correlation_id"] == sent.headers["client-request-id"]


def test_a_non_ascii_app_name_is_sent_percent_encoded(entra_emulator: Emulator) -> None:
    app = _app(entra_emulator, app_name="Überwachung\n應用", app_version="2\r\n")
    assert "access_token" in app.acquire_token_for_client([entra_emulator.sample.scope])
    (sent,) = entra_emulator.token_requests()
    assert sent.headers["x-app-name"] == "%C3%9Cberwachung %E6%87%89%E7%94%A8"
    assert sent.headers["x-app-ver"] == "2"
