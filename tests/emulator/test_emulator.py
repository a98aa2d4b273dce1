"""The Emulator object: lifecycle, injected clock, directory API misuse."""

from __future__ import annotations

import jwt
import pytest
import requests

from entraclient.emulator import Emulator


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_injected_clock_drives_tokens_secrets_errors_and_log() -> None:
    clock = FakeClock(1_800_000_000.0)
    with Emulator(clock=clock) as emu, emu.http_client() as http:
        sample = emu.sample
        expiring = emu.add_secret(sample.app, expires_at=clock.now + 60)
        form = {
            "client_id": sample.app.client_id,
            "client_secret": expiring.value,
            "grant_type": "client_credentials",
            "scope": sample.scope,
        }
        url = f"https://login.microsoftonline.com/{sample.tenant.id}/oauth2/v2.0/token"
        token = http.post(url, data=form).json()["access_token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["iat"], claims["exp"]) == (1_800_000_000, 1_800_003_599)
        clock.now += 61
        error = http.post(url, data=form).json()
        assert error["error_codes"] == [7000222]
        assert error["timestamp"] == "2027-01-15 08:01:01Z"
        assert [r.time for r in emu.requests] == [1_800_000_000.0, 1_800_000_061.0]


def test_lifecycle() -> None:
    emu = Emulator()
    assert "not started" in repr(emu)
    with pytest.raises(RuntimeError):
        _ = emu.ca_path
    emu.start()
    try:
        ca_path = emu.ca_path
        assert ca_path.exists()
        assert emu.base_url == f"https://127.0.0.1:{emu.port}"
        with pytest.raises(RuntimeError):
            emu.start()
    finally:
        emu.close()
    emu.close()
    assert not ca_path.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"https://127.0.0.1:{emu.port}/", verify=False, timeout=5)


def test_only_loopback_addresses() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host="0.0.0.0")


def test_directory_misuse_is_reported(entra_emulator: Emulator) -> None:
    emu = entra_emulator
    with pytest.raises(ValueError, match="already registered"):
        emu.add_tenant("contoso.onmicrosoft.com")
    api = emu.add_api(emu.sample.tenant, roles=["A"])
    with pytest.raises(ValueError, match="no role 'B'"):
        emu.grant_app_roles(emu.sample.app, api, ["B"])
    with pytest.raises(ValueError, match="already registered"):
        emu.add_api(None, app_id_uri=api.app_id_uri)


def test_sample_setup(entra_emulator: Emulator) -> None:
    sample = entra_emulator.sample
    assert sample.tenant.domain == "contoso.onmicrosoft.com"
    assert sample.scope == "api://contoso-sample-api/.default"
    assert sample.app.secret
    assert sample.app.secret not in repr(sample)
