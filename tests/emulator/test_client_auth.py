"""Client authentication at the token endpoint: body secret, HTTP Basic, and their errors."""

from __future__ import annotations

import base64
import time
from urllib.parse import quote_plus

from entraclient.emulator import Emulator

from .support import CheckEntraError, Daemon, PostToken

REQUEST_ID = "0b9a5c1e-1111-4222-8333-444455556666"


def basic(client_id: str, secret: str) -> dict[str, str]:
    """An ``Authorization: Basic`` header, values form-encoded per RFC 6749 §2.3.1."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def test_http_basic_authenticates(daemon: Daemon, post_token: PostToken) -> None:
    form = daemon.form(client_secret=None, client_id=None)
    response = post_token(daemon.tenant.id, form, headers=basic(daemon.app.client_id, "x"))
    assert response.status_code == 401
    headers = basic(daemon.app.client_id, str(daemon.app.secret))
    assert post_token(daemon.tenant.id, form, headers=headers).status_code == 200


def test_secret_with_reserved_characters(
    emu: Emulator, daemon: Daemon, post_token: PostToken
) -> None:
    secret = "s e/c+ret&=~%"
    app = emu.add_app(daemon.tenant, secrets=[secret])
    emu.grant_app_roles(app, daemon.api, ["Things.Read"])
    form = daemon.form(client_id=app.client_id, client_secret=secret)
    assert post_token(daemon.tenant.id, form).status_code == 200
    form = daemon.form(client_id=None, client_secret=None)
    headers = basic(app.client_id, secret)
    assert post_token(daemon.tenant.id, form, headers=headers).status_code == 200


def test_both_methods_at_once_are_refused(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    headers = basic(daemon.app.client_id, str(daemon.app.secret))
    response = post_token(daemon.tenant.id, daemon.form(), headers=headers)
    body = entra_error(response, error="invalid_request", code=90023)
    assert "more than one client authentication method" in str(body["error_description"])


def test_wrong_secret_is_invalid_client(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    form = daemon.form(client_secret="not-the-secret")
    response = post_token(daemon.tenant.id, form, headers={"client-request-id": REQUEST_ID})
    body = entra_error(response, error="invalid_client", code=7000215, status=401)
    assert body["correlation_id"] == REQUEST_ID
    assert response.headers["client-request-id"] == REQUEST_ID
    assert "not-the-secret" not in response.text


def test_missing_credential(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(client_secret=None))
    entra_error(response, error="invalid_client", code=7000218, status=401)


def test_expired_secret(
    emu: Emulator, daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    old = emu.add_secret(daemon.app, expires_at=time.time() - 1)
    fresh = emu.add_secret(daemon.app, expires_at=time.time() + 3600)
    response = post_token(daemon.tenant.id, daemon.form(client_secret=old.value))
    entra_error(response, error="invalid_client", code=7000222, status=401)
    assert post_token(daemon.tenant.id, daemon.form(client_secret=fresh.value)).status_code == 200


def test_client_unknown_in_the_tenant(
    emu: Emulator, daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    elsewhere = emu.add_tenant()
    response = post_token(elsewhere.domain, daemon.form())
    body = entra_error(response, error="unauthorized_client", code=700016)
    assert daemon.app.client_id in str(body["error_description"])


def test_missing_client_id(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(client_id=None))
    body = entra_error(response, error="invalid_request", code=900144)
    assert "'client_id'" in str(body["error_description"])


def test_client_assertion_without_registered_certificate(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    form = daemon.form(
        client_secret=None,
        client_assertion="eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    )
    response = post_token(daemon.tenant.id, form)
    entra_error(response, error="invalid_client", code=700027, status=401)


def test_malformed_basic_header(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    form = daemon.form(client_secret=None)
    response = post_token(daemon.tenant.id, form, headers={"Authorization": "Basic !!!"})
    entra_error(response, error="invalid_request", code=90023)
