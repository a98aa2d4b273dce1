"""Helpers shared by the emulator tests (types and assertions; fixtures are in conftest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests

from entraclient.emulator import Api, App, Tenant

PUBLIC_HOST = "login.microsoftonline.com"

PostToken = Callable[..., requests.Response]
CheckEntraError = Callable[..., dict[str, object]]


@dataclass(frozen=True)
class Daemon:
    """A tenant with a daemon app granted role ``Things.Read`` on an API."""

    tenant: Tenant
    app: App
    api: Api

    def form(self, **overrides: str | None) -> dict[str, str]:
        """A valid client-credentials form, with fields replaced or (``None``) removed."""
        form: dict[str, str | None] = {
            "client_id": self.app.client_id,
            "grant_type": "client_credentials",
            "client_secret": self.app.secret,
            "scope": self.api.default_scope,
        }
        form.update(overrides)
        return {k: v for k, v in form.items() if v is not None}


def assert_entra_error(
    response: requests.Response, *, error: str, code: int, status: int = 400
) -> dict[str, object]:
    """Check ``response`` is the Entra error ``error``/AADSTS``code``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, object] = response.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    description = str(body["error_description"])
    assert description.startswith(f"AADSTS{code}: ")
    assert f"\r\nTrace ID: {body['trace_id']}\r\n" in description
    assert f"\r\nCorrelation ID: {body['correlation_id']}\r\n" in description
    assert description.endswith(f"\r\nTimestamp: {body['timestamp']}")
    assert str(body["error_uri"]).endswith(f"/error?code={code}")
    return body
