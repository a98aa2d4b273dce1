"""emulator_switch.py: ENTRACLIENT_EMULATOR routes the default transports to the emulator.

The applications here are built without ``http_client``, exactly as an app written for
production is; only the environment (or the ``entra_emulator_switch`` fixture) differs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from entraclient import ConfidentialClientApplication, TransportError
from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.routing import RoutingAdapter
from entraclient.emulator_switch import (
    ADDRESS_VARIABLE,
    CA_VARIABLE,
    HOSTS_VARIABLE,
    EmulatorSwitch,
    switch_from_environment,
    switched_httpx_client,
    switched_requests_session,
)
from entraclient.http.async_transport import build_httpx_client
from entraclient.http.transport import build_requests_session

SCRIPT = Path(__file__).parent / "switch_scripts" / "unmodified_daemon.py"


def _sync_app(emu: Emulator) -> ConfidentialClientApplication:
    sample = emu.sample
    return ConfidentialClientApplication(
        sample.app.client_id, client_credential=sample.app.secret, authority=sample.authority
    )


def _async_app(emu: Emulator) -> AsyncConfidentialClientApplication:
    sample = emu.sample
    return AsyncConfidentialClientApplication(
        sample.app.client_id, client_credential=sample.app.secret, authority=sample.authority
    )


# -- reading the variables -----------------------------------------------------------------


def test_unset_means_off(tmp_path: Path) -> None:
    assert switch_from_environment({}) is None
    assert switch_from_environment({ADDRESS_VARIABLE: " ", CA_VARIABLE: "x"}) is None


def test_addresses_and_ca_are_read(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    ipv4 = switch_from_environment({ADDRESS_VARIABLE: "127.0.0.1:8443", CA_VARIABLE: str(ca)})
    ipv6 = switch_from_environment({ADDRESS_VARIABLE: "[::1]:9000", CA_VARIABLE: str(ca)})
    named = switch_from_environment({ADDRESS_VARIABLE: "localhost:1", CA_VARIABLE: str(ca)})
    assert ipv4 == EmulatorSwitch(("127.0.0.1", 8443), ca)
    assert ipv6 == EmulatorSwitch(("::1", 9000), ca)
    assert named == EmulatorSwitch(("127.0.0.1", 1), ca)


def test_environment_round_trips(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    for switch in (EmulatorSwitch(("::1", 9000), ca), EmulatorSwitch(("127.0.0.1", 5), ca)):
        assert switch_from_environment(switch.environment()) == switch


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("127.0.0.1", "needs a port"),
        ("127.0.0.1:http", "needs a port"),
        ("127.0.0.1:70000", "needs a port"),
        ("10.0.0.5:443", "not a loopback address"),
        ("login.microsoftonline.com:443", "not a loopback address"),
    ],
)
def test_a_malformed_address_says_what_to_set(tmp_path: Path, address: str, message: str) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    with pytest.raises(ValueError, match=message):
        switch_from_environment({ADDRESS_VARIABLE: address, CA_VARIABLE: str(ca)})


def test_a_missing_ca_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"{CA_VARIABLE} is not"):
        switch_from_environment({ADDRESS_VARIABLE: "127.0.0.1:8443"})
    with pytest.raises(ValueError, match="is not a file"):
        switch_from_environment(
            {ADDRESS_VARIABLE: "127.0.0.1:8443", CA_VARIABLE: str(tmp_path / "gone.pem")}
        )


def test_a_malformed_switch_fails_construction_not_silently(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ADDRESS_VARIABLE, "8.8.8.8:443")
    monkeypatch.setenv(CA_VARIABLE, __file__)
    with pytest.raises(ValueError, match="not a loopback address"):
        ConfidentialClientApplication("c", client_credential="s", authority="https://x.y/t")


def test_off_leaves_the_default_transports_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ADDRESS_VARIABLE, raising=False)
    assert switched_requests_session() is None
    assert switched_httpx_client() is None
    session = build_requests_session()
    adapter = session.get_adapter("https://login.microsoftonline.com/")
    assert not isinstance(adapter, RoutingAdapter)  # an ordinary session, not the routed one
    session.close()


# -- unmodified apps, sync and async -------------------------------------------------------


def test_an_unmodified_sync_app_gets_tokens_from_the_emulator(
    entra_emulator_switch: Emulator,
) -> None:
    result = _sync_app(entra_emulator_switch).acquire_token_for_client(
        [entra_emulator_switch.sample.scope]
    )
    assert result.get("token_type") == "Bearer", result
    hosts = {r.host for r in entra_emulator_switch.requests}
    assert hosts == {"login.microsoftonline.com"}


def test_an_unmodified_async_app_gets_tokens_from_the_emulator(
    entra_emulator_switch: Emulator,
) -> None:
    async def scenario() -> dict[str, Any]:
        app = _async_app(entra_emulator_switch)
        try:
            return await app.acquire_token_for_client([entra_emulator_switch.sample.scope])
        finally:
            await app.aclose()

    result = asyncio.run(scenario())
    assert result.get("token_type") == "Bearer", result
    assert entra_emulator_switch.token_requests()[-1].host == "login.microsoftonline.com"


def test_the_sync_default_refuses_other_hosts(entra_emulator_switch: Emulator) -> None:
    session = build_requests_session()
    with pytest.raises(requests.ConnectionError, match="not routed"):
        session.get("https://example.com/")
    with pytest.raises(requests.ConnectionError, match="not routed"):
        session.get("http://login.microsoftonline.com/")  # plain HTTP neither
    session.close()
    app = ConfidentialClientApplication(
        "c",
        client_credential="s",
        authority="https://login.example.org/tenant",
        instance_discovery=False,
    )
    with pytest.raises(TransportError):
        app.acquire_token_for_client(["api://x/.default"])
    assert entra_emulator_switch.requests == []


def test_the_async_default_refuses_other_hosts(entra_emulator_switch: Emulator) -> None:
    async def scenario() -> None:
        async with build_httpx_client() as client:
            await client.get("https://example.com/")

    import httpx

    with pytest.raises(httpx.ConnectError, match="not served"):
        asyncio.run(scenario())

    async def through_the_app() -> None:
        app = AsyncConfidentialClientApplication(
            "c",
            client_credential="s",
            authority="https://login.example.org/tenant",
            instance_discovery=False,
        )
        try:
            await app.acquire_token_for_client(["api://x/.default"])
        finally:
            await app.aclose()

    with pytest.raises(TransportError):
        asyncio.run(through_the_app())
    assert entra_emulator_switch.requests == []


def test_tls_is_verified_against_the_switch_ca(
    entra_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator() as other:
        monkeypatch.setenv(ADDRESS_VARIABLE, f"127.0.0.1:{entra_emulator.port}")
        monkeypatch.setenv(CA_VARIABLE, str(other.ca_path))  # the wrong CA
        with pytest.raises(TransportError):
            _sync_app(entra_emulator).acquire_token_for_client([entra_emulator.sample.scope])
    assert entra_emulator.token_requests() == []


def test_the_fixture_restores_the_environment(entra_emulator_switch: Emulator) -> None:
    assert os.environ[ADDRESS_VARIABLE] == f"127.0.0.1:{entra_emulator_switch.port}"


def test_after_the_fixture_the_switch_is_off() -> None:
    assert ADDRESS_VARIABLE not in os.environ


def test_an_unmodified_script_in_another_process(entra_emulator: Emulator) -> None:
    switch = EmulatorSwitch(("127.0.0.1", entra_emulator.port), entra_emulator.ca_path)
    sample = entra_emulator.sample
    env = {
        **os.environ,
        **switch.environment(),
        "APP_CLIENT_ID": sample.app.client_id,
        "APP_CLIENT_SECRET": str(sample.app.secret),
        "APP_AUTHORITY": sample.authority,
        "APP_SCOPE": sample.scope,
    }
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sync:Bearer", "async:Bearer", "elsewhere:refused"]


def test_extra_hosts_are_read_and_checked(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    env = {ADDRESS_VARIABLE: "127.0.0.1:1", CA_VARIABLE: str(ca)}
    switch = switch_from_environment({**env, HOSTS_VARIABLE: "adfs.contoso.test, *.example.test"})
    assert switch is not None
    assert switch.hosts == ("adfs.contoso.test", "*.example.test")
    assert switch_from_environment(switch.environment()) == switch
    router = switch.router()
    assert router.route("adfs.contoso.test", 443) == ("127.0.0.1", 1)
    assert router.route("a.example.test", 443) == ("127.0.0.1", 1)
    assert router.route("example.org", 443) is None
    with pytest.raises(ValueError, match="not a host name"):
        switch_from_environment({**env, HOSTS_VARIABLE: "https://adfs.contoso.test/"})


def test_extra_hosts_reach_the_emulator(
    entra_emulator_switch: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOSTS_VARIABLE, "login.contoso.test")
    session = build_requests_session()
    response = session.get(
        "https://login.contoso.test/common/discovery/instance",
        params={"api-version": "1.1", "authorization_endpoint": "https://x/y"},
    )
    session.close()
    assert response.status_code in (200, 400)  # answered by the emulator, whatever it says
    assert entra_emulator_switch.requests[-1].host == "login.contoso.test"


def test_the_switch_loads_nothing_while_off() -> None:
    code = (
        "import sys, entraclient, entraclient.aio\n"
        "from entraclient.http.transport import build_requests_session\n"
        "build_requests_session().close()\n"
        "print(sorted(m for m in sys.modules if m.startswith('entraclient.emulator.')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRACLIENT_")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
