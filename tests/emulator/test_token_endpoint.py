"""The token endpoint's checks before any grant: method, tenant, grant_type, v1 path."""

from __future__ import annotations

import requests

from .support import CheckEntraError, Daemon, PostToken


def test_get_is_refused(
    daemon: Daemon, http: requests.Session, entra_error: CheckEntraError
) -> None:
    url = f"https://login.microsoftonline.com/{daemon.tenant.id}/oauth2/v2.0/token"
    body = entra_error(http.get(url), error="invalid_request", code=900561)
    assert "Received a GET request" in str(body["error_description"])


def test_unknown_tenant(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    entra_error(post_token("nowhere.example", daemon.form()), error="invalid_tenant", code=90002)


def test_missing_grant_type(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(grant_type=None))
    body = entra_error(response, error="invalid_request", code=900144)
    assert "'grant_type'" in str(body["error_description"])


def test_unsupported_grant_type(
    daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    response = post_token(daemon.tenant.id, daemon.form(grant_type="magic"))
    body = entra_error(response, error="unsupported_grant_type", code=70003)
    assert "'magic'" in str(body["error_description"])


def test_body_that_is_not_a_form(
    daemon: Daemon, http: requests.Session, entra_error: CheckEntraError
) -> None:
    url = f"https://login.microsoftonline.com/{daemon.tenant.id}/oauth2/v2.0/token"
    entra_error(http.post(url, json=daemon.form()), error="invalid_request", code=900144)


def test_v1_token_path(daemon: Daemon, http: requests.Session) -> None:
    url = f"https://login.microsoftonline.com/{daemon.tenant.id}/oauth2/token"
    assert http.post(url, data=daemon.form()).status_code == 200


def test_regional_and_national_hosts(daemon: Daemon, post_token: PostToken) -> None:
    for host in ("westus2.login.microsoft.com", "login.microsoftonline.us", "sts.windows.net"):
        assert post_token(daemon.tenant.id, daemon.form(), host=host).status_code == 200
