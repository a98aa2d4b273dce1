"""What entraclient logs: what a flow did and why; PII only when enabled; secrets never."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from entraclient import ConfidentialClientApplication, TransportError
from entraclient.emulator import Emulator
from entraclient.emulator.faults import TOKEN_ENDPOINT, RefuseConnection, Respond
from tests.clocked import ClockedApp, real_time_clock


def _app(emu: Emulator, **options: Any) -> ClockedApp:
    sample = emu.sample
    return ClockedApp(
        sample.app.client_id,
        client_credential=sample.app.secret,
        authority=sample.authority,
        http_client=emu.http_client(),
        clock=real_time_clock(),
        **options,
    )


def _exercise(emu: Emulator, app: ConfidentialClientApplication) -> list[str]:
    """A miss, a hit, a refused scope, a throttled call: every token the calls returned."""
    tokens = [app.acquire_token_for_client([emu.sample.scope])["access_token"]]
    tokens.append(app.acquire_token_for_client([emu.sample.scope])["access_token"])
    app.acquire_token_for_client(["api://unknown-to-the-tenant/.default"])
    emu.inject(Respond.json({"error": "temporarily_unavailable"}, 429), path=TOKEN_ENDPOINT)
    other = "https://graph.microsoft.com/.default"
    app.acquire_token_for_client([other])
    app.acquire_token_for_client([other])
    return tokens


def _entraclient_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("entraclient")]


def test_logs_say_what_happened_without_pii_by_default(
    entra_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = _exercise(entra_emulator, _app(entra_emulator))
    records = _entraclient_records(caplog)
    text = "\n".join(r.getMessage() for r in records)
    levels = {r.getMessage().split(":")[0]: r.levelname for r in records}
    assert "cache miss" in text and "cache hit" in text
    assert "throttled" in text and "token request failed" in text
    assert levels["throttled"] == "INFO"
    sample = entra_emulator.sample
    for pii in (sample.tenant.id, sample.tenant.domain):
        assert pii not in text
    for secret in (str(sample.app.secret), *tokens):
        assert secret not in text
    assert "error_description" not in text  # it may carry names: only with PII logging


def test_pii_logging_shows_tenants_and_error_descriptions_but_no_secret(
    entra_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = _exercise(entra_emulator, _app(entra_emulator, enable_pii_log=True))
    text = "\n".join(r.getMessage() for r in _entraclient_records(caplog))
    assert entra_emulator.sample.tenant.domain in text
    assert "error_description: AADSTS500011" in text
    for secret in (str(entra_emulator.sample.app.secret), *tokens):
        assert secret not in text


def test_a_network_failure_is_logged_as_a_warning_with_its_correlation_id(
    entra_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(entra_emulator)
    entra_emulator.inject(RefuseConnection(), path=TOKEN_ENDPOINT)
    with pytest.raises(TransportError) as failure:
        app.acquire_token_for_client([entra_emulator.sample.scope])
    (warning,) = [r for r in _entraclient_records(caplog) if r.levelno == logging.WARNING]
    assert failure.value.correlation_id
    assert failure.value.correlation_id in warning.getMessage()


def test_every_logger_is_under_entraclient(
    entra_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _exercise(entra_emulator, _app(entra_emulator))
    ours = {r.name for r in _entraclient_records(caplog)}
    assert ours >= {
        "entraclient.application",
        "entraclient.flows.client_credentials",
        "entraclient.flows.discovery",
        "entraclient.http.throttling",
    }
