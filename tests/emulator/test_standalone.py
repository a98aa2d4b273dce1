"""emulator/standalone.py: the development server from another process, config, --json,
the banner, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.config_file import Registered
from entraclient.emulator.standalone import describe, describe_json
from tests.pki import issue

CLIENT_ID = "0b5b5d8e-5f0a-4a8e-9d57-2d3b1f0c7a11"
CONFIG = f"""
[emulator]
ca_file = "emulator-ca.pem"
hosts = ["login.fabrikam.test"]

[[tenants]]
domain = "fabrikam.onmicrosoft.com"

[[apis]]
tenant = "fabrikam.onmicrosoft.com"
app_id_uri = "api://orders"
roles = ["Orders.Read"]

[[apps]]
tenant = "fabrikam.onmicrosoft.com"
client_id = "{CLIENT_ID}"
secrets = ["a-development-secret"]
certificates = ["daemon.pem"]
roles = {{ "api://orders" = ["Orders.Read"] }}
"""


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "entraclient", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_config_json_token_and_sigterm(tmp_path: Path) -> None:
    (tmp_path / "daemon.pem").write_text(issue("standalone.contoso.test").cert_pem)
    (tmp_path / "emulator.toml").write_text(CONFIG)
    process = _start("--config", str(tmp_path / "emulator.toml"), "--json")
    try:
        assert process.stdout is not None
        described = json.loads(process.stdout.readline())
        ca_path = Path(described["ca_path"])
        assert ca_path == (tmp_path / "emulator-ca.pem").resolve() and ca_path.is_file()
        assert described["apps"][0]["client_id"] == CLIENT_ID
        assert described["environment"]["ENTRACLIENT_EMULATOR"].endswith(f":{described['port']}")
        assert described["environment"]["ENTRACLIENT_EMULATOR_HOSTS"] == "login.fabrikam.test"
        env = {**os.environ, **described["environment"], "S": "a-development-secret"}
        token = subprocess.run(
            [sys.executable, "-m", "entraclient", "token", "--client-id", CLIENT_ID,
             "--tenant", "fabrikam.onmicrosoft.com", "--scope", "api://orders/.default",
             "--secret-env", "S", "--output", "raw"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert token.returncode == 0, token.stderr
        assert token.stdout.count(".") == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()
    assert not ca_path.exists()


def test_sigterm_removes_the_ca_folder() -> None:
    process = _start("--json")
    try:
        assert process.stdout is not None
        ca_path = Path(json.loads(process.stdout.readline())["ca_path"])
        assert ca_path.is_file()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()
    assert not ca_path.parent.exists()


def test_a_bad_config_exits_2_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[tenants]]\ndomian = 'x'\n")
    done = subprocess.run(
        [sys.executable, "-m", "entraclient", "emulator", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: ") and "domian" in done.stderr
    assert done.stderr.count("\n") == 1


def test_the_banner_gives_settings_for_requests_and_httpx(entra_emulator: Emulator) -> None:
    banner = describe(entra_emulator, Registered(), entra_emulator.ca_path)
    ca = str(entra_emulator.ca_path)
    assert f"export ENTRACLIENT_EMULATOR=127.0.0.1:{entra_emulator.port}" in banner
    assert f"export ENTRACLIENT_EMULATOR_CA={ca}" in banner
    assert f"REQUESTS_CA_BUNDLE={ca}" in banner
    assert f"SSL_CERT_FILE={ca}" in banner
    assert "SIGTERM" in banner


def test_describe_json_lists_the_sample(entra_emulator: Emulator) -> None:
    described = describe_json(entra_emulator, Registered(), entra_emulator.ca_path)
    assert described["sample"]["client_id"] == entra_emulator.sample.app.client_id
    assert described["base_url"] == entra_emulator.base_url
    json.dumps(described)  # serializable as is


def test_the_banners_ca_settings_work_for_requests_and_httpx(
    entra_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the banner says for clients pointed at https://127.0.0.1:PORT, sync and async."""
    sample = entra_emulator.sample
    authority = f"{entra_emulator.base_url}/{sample.tenant.id}"
    monkeypatch.delenv("ENTRACLIENT_EMULATOR", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra_emulator.ca_path))
    monkeypatch.setenv("SSL_CERT_FILE", str(entra_emulator.ca_path))
    options: dict[str, Any] = {
        "client_credential": sample.app.secret,
        "authority": authority,
        "instance_discovery": False,
    }
    sync = ConfidentialClientApplication(sample.app.client_id, **options)
    assert sync.acquire_token_for_client([sample.scope]).get("token_type") == "Bearer"

    async def acquire() -> dict[str, Any]:
        async with AsyncConfidentialClientApplication(sample.app.client_id, **options) as app:
            return await app.acquire_token_for_client([sample.scope])

    assert asyncio.run(acquire()).get("token_type") == "Bearer"


def test_a_port_in_use_exits_2_in_one_line(entra_emulator: Emulator) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "entraclient", "emulator", "--port", str(entra_emulator.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{entra_emulator.port}" in done.stderr
    assert done.stderr.count("\n") == 1
