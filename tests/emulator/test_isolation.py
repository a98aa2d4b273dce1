"""emulator/isolation.py and Emulator.reset: each test that uses ``entra_emulator`` starts
from a fresh directory, so the docs' example works in any number of tests."""

from __future__ import annotations

import threading

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.isolation import StateSnapshot


def _docs_example(entra_emulator: Emulator) -> None:
    """The example of docs/emulator.md, 'In a test suite (pytest)', verbatim."""
    tenant = entra_emulator.add_tenant("fabrikam.onmicrosoft.com")
    app_reg = entra_emulator.add_app(tenant)  # a generated client secret
    api = entra_emulator.add_api(tenant, roles=["Orders.Read"])
    entra_emulator.grant_app_roles(app_reg, api, ["Orders.Read"])

    app = ConfidentialClientApplication(
        app_reg.client_id,
        client_credential=app_reg.secret,
        authority="https://login.microsoftonline.com/fabrikam.onmicrosoft.com",
        http_client=entra_emulator.http_client(),  # routes the real host names to the emulator
    )
    result = app.acquire_token_for_client([api.default_scope])
    assert result["token_source"] == "identity_provider"
    assert len(entra_emulator.token_requests()) == 1


def test_docs_example_first_time(entra_emulator: Emulator) -> None:
    _docs_example(entra_emulator)


def test_docs_example_second_time(entra_emulator: Emulator) -> None:
    _docs_example(entra_emulator)


def test_reset_forgets_registrations_but_keeps_the_sample(entra_emulator: Emulator) -> None:
    sample = entra_emulator.sample
    tenant = entra_emulator.add_tenant("reset.onmicrosoft.com")
    app = entra_emulator.add_app(tenant, client_id="11111111-2222-3333-4444-555555555555")
    entra_emulator.add_user(tenant, "ann@reset.onmicrosoft.com")
    entra_emulator.route_host("api.reset.test")
    entra_emulator.add_secret(sample.app, "an-extra-secret")

    entra_emulator.reset()

    again = entra_emulator.add_tenant("reset.onmicrosoft.com")  # no "already registered"
    entra_emulator.add_app(again, client_id=app.client_id)
    assert "api.reset.test" not in entra_emulator.router().extra_hosts
    assert entra_emulator.sample is sample
    http = entra_emulator.http_client()
    ok = ConfidentialClientApplication(
        sample.app.client_id,
        client_credential=sample.app.secret,
        authority=sample.authority,
        http_client=http,
    ).acquire_token_for_client([sample.scope])
    assert "access_token" in ok, ok
    extra = ConfidentialClientApplication(
        sample.app.client_id,
        client_credential="an-extra-secret",
        authority=sample.authority,
        http_client=http,
    ).acquire_token_for_client([sample.scope])
    assert extra.get("error") == "invalid_client", extra


def test_reset_clears_the_log(entra_emulator: Emulator) -> None:
    entra_emulator.http_client().get(
        "https://login.microsoftonline.com/common/discovery/instance",
        params={"api-version": "1.1", "authorization_endpoint": "https://x/y"},
    )
    assert entra_emulator.requests
    entra_emulator.reset()
    assert entra_emulator.requests == []


class _Collaborator:
    pass


class _Holder:
    def __init__(self, collaborator: _Collaborator) -> None:
        self._lock = threading.Lock()
        self.names: dict[str, int] = {"kept": 1}
        self.region: str | None = None
        self.collaborator = collaborator


def test_snapshot_restores_in_place_and_keeps_the_lock() -> None:
    collaborator = _Collaborator()
    holder = _Holder(collaborator)
    lock = holder._lock
    snapshot = StateSnapshot([holder])
    original = holder.names
    holder.names["added"] = 2
    holder.region = "westus"
    snapshot.restore()
    assert holder.names == {"kept": 1}
    assert holder._lock is lock
    assert holder.region is None
    holder.names["again"] = 3  # the restored copy is not the snapshot itself
    snapshot.restore()
    assert holder.names == {"kept": 1}
    assert original is not holder.names
    assert holder.collaborator is collaborator  # references are restored, never copied


def test_sessions_fixture_is_not_reset(entra_emulator_session: Emulator) -> None:
    tenant = entra_emulator_session.add_tenant()
    assert entra_emulator_session._directory.find_tenant(tenant.id) == tenant


@pytest.mark.parametrize("run", [1, 2])
def test_same_client_id_in_every_test(entra_emulator: Emulator, run: int) -> None:
    tenant = entra_emulator.add_tenant("fixed.onmicrosoft.com")
    entra_emulator.add_app(tenant, client_id="aaaaaaaa-0000-0000-0000-000000000001")
