"""Service Fabric's certificate pin, secrets kept out of reprs and logs, and coalescing of
identical requests from several threads."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from entraclient import (
    ManagedIdentityClient,
    ManagedIdentityError,
    SystemAssignedManagedIdentity,
    TransportError,
    UserAssignedManagedIdentity,
)
from entraclient.emulator import Emulator
from entraclient.emulator.faults import DelayHeaders
from entraclient.managed_identity.sources import detect_host

from .conftest import RESOURCE, UseHost
from .test_client import PATHS


def test_service_fabric_refuses_a_certificate_with_another_thumbprint(
    emu: Emulator, use_host: UseHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_host("service_fabric")
    monkeypatch.setenv("IDENTITY_SERVER_THUMBPRINT", "00" * 20)
    client = ManagedIdentityClient(SystemAssignedManagedIdentity(), http_client=emu.http_client())
    emu.clear_log()

    with pytest.raises(TransportError):
        client.acquire_token_for_client(resource=RESOURCE)

    assert [r for r in emu.requests if r.path == PATHS["service_fabric"]] == []  # never sent


def test_service_fabric_needs_https_and_a_sha1_thumbprint(
    emu: Emulator, use_host: UseHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_host("service_fabric")
    client = ManagedIdentityClient(SystemAssignedManagedIdentity(), http_client=emu.http_client())
    monkeypatch.setenv("IDENTITY_SERVER_THUMBPRINT", "not-hex")
    with pytest.raises(ManagedIdentityError, match="SHA-1"):
        client.acquire_token_for_client(resource=RESOURCE)
    monkeypatch.setenv("IDENTITY_ENDPOINT", emu.base_url.replace("https", "http") + "/sf/token")
    with pytest.raises(ManagedIdentityError, match="https"):
        client.acquire_token_for_client(resource=RESOURCE)


def test_secrets_stay_out_of_reprs_and_logs(
    emu: Emulator, use_host: UseHost, arc_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    environment = use_host("app_service")
    secret = environment.env["IDENTITY_HEADER"]
    client = ManagedIdentityClient(SystemAssignedManagedIdentity(), http_client=emu.http_client())
    with caplog.at_level(logging.DEBUG):
        result = client.acquire_token_for_client(resource=RESOURCE)

    shown = [repr(environment), repr(client), repr(detect_host(environment.env)), caplog.text]
    for text in shown:
        assert secret not in text
        assert result["access_token"] not in text


def test_threads_missing_the_same_token_share_one_request(emu: Emulator, use_host: UseHost) -> None:
    use_host("vm")
    identity = emu.add_managed_identity()
    client = ManagedIdentityClient(
        UserAssignedManagedIdentity(object_id=identity.object_id), http_client=emu.http_client()
    )
    emu.inject(DelayHeaders(0.3), path=PATHS["vm"])
    emu.clear_log()
    results: list[dict[str, Any]] = []

    def ask() -> None:
        results.append(client.acquire_token_for_client(resource=RESOURCE))

    threads = [threading.Thread(target=ask) for _ in range(10)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        emu.clear_faults()

    assert len({r["access_token"] for r in results}) == 1 and len(results) == 10
    assert len([r for r in emu.requests if r.path == PATHS["vm"]]) == 1
