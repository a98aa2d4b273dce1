"""The routing transport: real names reach the emulator with TLS verified, nothing else."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests
from requests.exceptions import SSLError

from entraclient.emulator import Emulator, HostRouter, RoutingAdapter
from entraclient.emulator.tls import CertificateAuthority

CONFIG = "common/v2.0/.well-known/openid-configuration"

ROUTED_HOSTS = [
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.windows.net",
    "sts.windows.net",
    "login.microsoftonline.us",
    "login.usgovcloudapi.net",
    "login-us.microsoftonline.com",
    "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn",
    "login.microsoftonline.de",
    "login.sovcloud-identity.fr",
    "login.sovcloud-identity.de",
    "login.sovcloud-identity.sg",
    "westus2.login.microsoft.com",
    "contoso.b2clogin.com",
    "contoso.b2clogin.cn",
    "contoso.ciamlogin.com",
]


@pytest.mark.parametrize("host", ROUTED_HOSTS)
def test_entra_hosts_reach_the_emulator(host: str, emu: Emulator, http: requests.Session) -> None:
    response = http.get(f"https://{host}/{CONFIG}")
    assert response.status_code == 200
    assert response.json()["token_endpoint"].startswith(f"https://{host}/common/")
    assert emu.requests[-1].host == host


def test_loopback_passes_through(emu: Emulator, http: requests.Session) -> None:
    assert http.get(f"{emu.base_url}/{CONFIG}").status_code == 200
    assert http.get(f"https://localhost:{emu.port}/{CONFIG}").status_code == 200


def test_unrouted_host_raises_without_dns(
    http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[object] = []
    real_getaddrinfo = socket.getaddrinfo

    def spy(*args: object, **kwargs: object) -> object:
        looked_up.append(args[0])
        return real_getaddrinfo(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    for url in (
        "https://example.com/",
        "https://graph.microsoft.com/v1.0/me",
        "http://login.microsoftonline.com/",
    ):
        with pytest.raises(requests.ConnectionError, match="not routed"):
            http.get(url)
    assert looked_up == []


def test_routed_host_added_at_run_time(emu: Emulator, http: requests.Session) -> None:
    with pytest.raises(requests.ConnectionError):
        http.get(f"https://login.contoso-test.example/{CONFIG}")
    emu.route_host("login.contoso-test.example")
    emu.route_host("*.wild.example")
    assert http.get(f"https://login.contoso-test.example/{CONFIG}").status_code == 200
    assert http.get(f"https://a.wild.example/{CONFIG}").status_code == 200


def test_wrong_ca_fails_verification(emu: Emulator, tmp_path: Path) -> None:
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(CertificateAuthority().pem)
    session = requests.Session()
    session.mount("https://", emu.routing_adapter(ca_path=other_ca))
    with session, pytest.raises(SSLError):
        session.get(f"https://login.microsoftonline.com/{CONFIG}")


def test_env_ca_bundle_cannot_replace_the_emulator_ca(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(CertificateAuthority().pem)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    session = requests.Session()  # trust_env on: the env bundle becomes `verify`
    session.mount("https://", emu.routing_adapter())
    with session:
        assert session.get(f"https://login.microsoftonline.com/{CONFIG}").status_code == 200
    bad = requests.Session()
    bad.mount("https://", emu.routing_adapter(ca_path=other_ca))
    with bad, pytest.raises(SSLError):
        bad.get(f"https://login.microsoftonline.com/{CONFIG}", verify=str(emu.ca_path))


def test_connections_are_pooled(emu: Emulator, http: requests.Session) -> None:
    for _ in range(3):
        http.get(f"https://login.microsoftonline.com/{CONFIG}")
    adapter = http.get_adapter("https://")
    assert isinstance(adapter, RoutingAdapter)
    pools = adapter.poolmanager.pools
    (key,) = pools.keys()
    pool = pools[key]
    assert pool.num_connections == 1
    assert pool.num_requests == 3


def test_router_decisions() -> None:
    router = HostRouter(("127.0.0.1", 4443))
    assert router.route("LOGIN.microsoftonline.com", 443) == ("127.0.0.1", 4443)
    assert router.route("eastus.login.microsoftonline.us", 443) == ("127.0.0.1", 4443)
    assert router.route("localhost", 8443) == ("127.0.0.1", 8443)
    assert router.route("[::1]", 8443) == ("::1", 8443)
    assert router.route("login.microsoftonline.com.evil.example", 443) is None
    assert router.route("b2clogin.com", 443) is None
    assert router.route("example.com", 443) is None
