"""A confidential client holding no secret: its client_assertion is a managed identity token
(a federated identity credential), or a workload identity token from a file the platform
rotates."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from entraclient import (
    ConfidentialClientApplication,
    ManagedIdentityClient,
    UserAssignedManagedIdentity,
)
from entraclient.emulator import Emulator
from entraclient.managed_identity import FederatedTokenFile, managed_identity_assertion

from .conftest import UseHost

EXCHANGE = "api://AzureADTokenExchange"


def _app(emu: Emulator, assertion: Callable[[], str]) -> ConfidentialClientApplication:
    return ConfidentialClientApplication(
        emu.sample.app.client_id,
        authority=emu.sample.authority,
        client_credential={"client_assertion": assertion},
        http_client=emu.http_client(),
    )


def _mi_client(emu: Emulator, client_id: str) -> ManagedIdentityClient:
    identity = UserAssignedManagedIdentity(client_id=client_id)
    return ManagedIdentityClient(identity, http_client=emu.http_client())


def test_managed_identity_token_as_client_assertion(emu: Emulator, use_host: UseHost) -> None:
    identity = emu.add_managed_identity()
    emu.trust_managed_identity(emu.sample.app, identity)
    use_host("app_service")
    mi = _mi_client(emu, identity.client_id)
    app = _app(emu, managed_identity_assertion(mi))

    result = app.acquire_token_for_client([emu.sample.scope])

    assert "access_token" in result, result
    sent = emu.token_requests()[-1]
    assert sent.form_value("client_assertion_type") == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    assert sent.form_value("client_secret") is None


def test_an_untrusted_identity_is_refused(emu: Emulator, use_host: UseHost) -> None:
    trusted, other = emu.add_managed_identity(), emu.add_managed_identity()
    tenant = emu.add_tenant()
    app_record = emu.add_app(tenant, secrets=[])
    emu.trust_managed_identity(app_record, trusted)
    use_host("vm")
    app = ConfidentialClientApplication(
        app_record.client_id,
        authority=f"https://login.microsoftonline.com/{tenant.id}",
        client_credential={"client_assertion": managed_identity_assertion(
            _mi_client(emu, other.client_id))},
        http_client=emu.http_client(),
    )  # fmt: skip

    result = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])

    assert result["error"] == "invalid_client"
    assert "AADSTS700213" in result["error_description"]


def test_a_token_for_another_audience_is_refused(emu: Emulator, use_host: UseHost) -> None:
    identity = emu.add_managed_identity()
    emu.trust_managed_identity(emu.sample.app, identity)
    use_host("vm")
    mi = _mi_client(emu, identity.client_id)
    app = _app(emu, managed_identity_assertion(mi, audience=emu.sample.api.app_id_uri))

    result = app.acquire_token_for_client([emu.sample.scope])

    assert "AADSTS700212" in result["error_description"]


def test_workload_identity_file_is_reread_when_rotated(
    emu: Emulator, use_host: UseHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = emu.add_managed_identity()
    emu.trust_managed_identity(emu.sample.app, identity)
    use_host("vm")
    mi = _mi_client(emu, identity.client_id)
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(mi.acquire_token_for_client(resource=EXCHANGE)["access_token"])
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    reader = FederatedTokenFile()

    first = _app(emu, reader).acquire_token_for_client([emu.sample.scope])
    assert "access_token" in first, first

    # The platform rotates the file: a token the emulator will refuse (another audience).
    bad = mi.acquire_token_for_client(resource=emu.sample.api.app_id_uri)["access_token"]
    token_file.write_text(bad)
    os.utime(token_file, ns=(1, 1))
    second = _app(emu, reader).acquire_token_for_client([emu.sample.scope], claims_challenge="{}")

    assert reader() == bad
    assert "AADSTS700212" in second["error_description"]


def test_token_file_helper_refuses_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("  \n")
    with pytest.raises(ValueError, match="empty"):
        FederatedTokenFile(empty)()
    with pytest.raises(ValueError, match="cannot be read"):
        FederatedTokenFile(tmp_path / "missing")()
    with pytest.raises(ValueError, match="AZURE_FEDERATED_TOKEN_FILE"):
        FederatedTokenFile(environ={})


def test_an_expired_managed_identity_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from tests.flows.scripted import FakeClock

    clock = FakeClock(time.time())
    with Emulator(clock=clock) as emu:
        identity = emu.add_managed_identity()
        emu.trust_managed_identity(emu.sample.app, identity)
        environment = emu.managed_identity("vm", token_lifetime=600)
        for name, value in environment.env.items():
            monkeypatch.setenv(name, value)
        assertion = managed_identity_assertion(_mi_client(emu, identity.client_id))
        token = assertion()
        clock.advance(600 + 301)  # past its expiry and the allowed clock skew

        result = _app(emu, lambda: token).acquire_token_for_client([emu.sample.scope])

    assert result["error"] == "invalid_client"
    assert "AADSTS700024" in result["error_description"]
