"""Shared fixtures of the emulator tests: one running emulator, fresh apps per test."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
import requests

from entraclient.emulator import Emulator

from .support import PUBLIC_HOST, CheckEntraError, Daemon, PostToken, assert_entra_error


@pytest.fixture
def emu(entra_emulator: Emulator) -> Emulator:
    """The session's emulator with an empty request log."""
    return entra_emulator


@pytest.fixture
def http(emu: Emulator) -> Iterator[requests.Session]:
    """A routed session to the emulator."""
    session = emu.http_client()
    yield session
    session.close()


@pytest.fixture
def daemon(emu: Emulator) -> Daemon:
    """A new tenant, daemon app and API, the role granted."""
    tenant = emu.add_tenant()
    app = emu.add_app(tenant)
    api = emu.add_api(tenant, roles=["Things.Read", "Things.Write"])
    emu.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


@pytest.fixture
def post_token(http: requests.Session) -> PostToken:
    """POST a form to ``https://{host}/{tenant}/oauth2/v2.0/token``."""

    def post(
        tenant: str,
        form: Mapping[str, str],
        *,
        host: str = PUBLIC_HOST,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        url = f"https://{host}/{tenant}/oauth2/v2.0/token"
        return http.post(url, data=dict(form), headers=dict(headers or {}), auth=auth)

    return post


@pytest.fixture
def entra_error() -> CheckEntraError:
    """:func:`assert_entra_error`, for tests."""
    return assert_entra_error
