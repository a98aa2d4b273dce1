"""The request log: what was received, in order, with status; reprs without secrets."""

from __future__ import annotations

import pytest
import requests

from entraclient.emulator import Emulator, request_log

from .support import Daemon, PostToken


def test_records_requests_in_order(
    emu: Emulator, daemon: Daemon, http: requests.Session, post_token: PostToken
) -> None:
    http.get(
        f"https://login.microsoftonline.com/{daemon.tenant.domain}/v2.0/.well-known/openid-configuration"
    )
    post_token(daemon.tenant.domain, daemon.form(), headers={"client-request-id": "abc"})
    discovery, token = emu.requests
    assert (discovery.method, discovery.host, discovery.status) == (
        "GET",
        "login.microsoftonline.com",
        200,
    )
    assert token.path == f"/{daemon.tenant.domain}/oauth2/v2.0/token"
    assert token.form_value("client_id") == daemon.app.client_id
    assert token.form_value("grant_type") == "client_credentials"
    assert token.headers["client-request-id"] == "abc"
    assert token.status == 200
    assert emu.token_requests() == [token]


def test_query_pairs_and_failed_requests(emu: Emulator, http: requests.Session) -> None:
    params = {"api-version": "1.0", "authorization_endpoint": "https://nowhere.test/t/x"}
    http.get("https://login.microsoftonline.com/common/discovery/instance", params=params)
    (record,) = emu.requests
    assert record.query == (
        ("api-version", "1.0"),
        ("authorization_endpoint", "https://nowhere.test/t/x"),
    )
    assert record.query_value("api-version") == "1.0"
    assert record.status == 400
    assert not emu.token_requests()


def test_repr_hides_form_values(emu: Emulator, daemon: Daemon, post_token: PostToken) -> None:
    post_token(daemon.tenant.id, daemon.form())
    text = repr(emu.requests)
    assert str(daemon.app.secret) not in text
    assert "client_secret" in text


def test_clear_log(emu: Emulator, http: requests.Session) -> None:
    http.get("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration")
    snapshot = emu.requests
    emu.clear_log()
    assert emu.requests == []
    assert len(snapshot) == 1


def test_the_log_is_bounded_in_records_and_value_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_log, "MAX_RECORDS", 3)
    log = request_log.RequestLog()
    huge = "x" * (request_log.MAX_VALUE_CHARS * 4)
    for n in range(5):
        log.append(
            request_log.LoggedRequest(
                "POST", "h", f"/{n}", (("q", huge),), (("f", huge),), {}, 200, 0.0
            )
        )
    kept = log.records
    assert [r.path for r in kept] == ["/2", "/3", "/4"]
    assert all(len(r.form_value("f") or "") == request_log.MAX_VALUE_CHARS for r in kept)
    assert all(len(r.query_value("q") or "") == request_log.MAX_VALUE_CHARS for r in kept)
