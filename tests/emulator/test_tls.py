"""The emulator's TLS: a certificate per SNI name, a default one for IP addresses."""

from __future__ import annotations

import asyncio
import socket
import ssl

import pytest

from entraclient import TransportError
from entraclient.emulator import Emulator
from entraclient.emulator import tls as tls_module
from entraclient.emulator.tls import ServerTls
from entraclient.http.async_transport import HttpxTransport
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.transport import RequestsTransport
from entraclient.http.wire import CA_BUNDLE_VARIABLES


def peer_alt_names(emu: Emulator, server_name: str | None) -> list[tuple[str, str]]:
    """Handshake with the emulator (verifying against its CA); the peer's SAN entries."""
    context = ssl.create_default_context(cafile=str(emu.ca_path))
    if server_name is None:
        context.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", emu.port), timeout=5)
    with context.wrap_socket(raw, server_hostname=server_name) as tls:
        cert = tls.getpeercert()
    assert cert is not None
    entries: tuple[tuple[str, str], ...] = cert["subjectAltName"]  # type: ignore[assignment]
    return [(kind, value) for kind, value in entries]


def test_certificate_for_the_requested_name(emu: Emulator) -> None:
    assert peer_alt_names(emu, "login.microsoftonline.com") == [
        ("DNS", "login.microsoftonline.com")
    ]
    assert peer_alt_names(emu, "westus.login.microsoft.com") == [
        ("DNS", "westus.login.microsoft.com")
    ]


def test_default_certificate_covers_loopback(emu: Emulator) -> None:
    names = peer_alt_names(emu, None)
    assert ("DNS", "localhost") in names
    assert ("IP Address", "127.0.0.1") in names
    assert ("IP Address", "0:0:0:0:0:0:0:1") in names  # ::1 as OpenSSL prints it
    assert peer_alt_names(emu, "localhost") == names


@pytest.mark.parametrize("kind", ["default", "async"])
def test_untrusted_ca_is_refused(emu: Emulator, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our transports verify: the emulator's certificate is refused without its CA, accepted
    with it (so a transport that stopped verifying, or verified nothing, fails here)."""
    for name in CA_BUNDLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    request = HttpRequest("GET", f"https://127.0.0.1:{emu.port}/common/discovery/instance")
    with pytest.raises(TransportError) as failure:
        _send(kind, request, verify=True)
    assert "certificate verification failed" in str(failure.value)
    assert _send(kind, request, verify=str(emu.ca_path)).status_code < 500


def _send(kind: str, request: HttpRequest, *, verify: bool | str) -> HttpResponse:
    if kind == "default":
        return RequestsTransport(verify=verify).send(request)

    async def over_httpx() -> HttpResponse:
        transport = HttpxTransport(verify=verify)
        try:
            return await transport.send(request)
        finally:
            await transport.aclose()

    return asyncio.run(over_httpx())


def test_leaf_contexts_are_cached_and_files_removed() -> None:
    tls = ServerTls()
    try:
        assert tls.context_for("a.example") is tls.context_for("A.EXAMPLE.")
        assert tls.context_for("not a name!") is tls.context
        assert tls.ca_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    finally:
        tls.close()
    assert not tls.ca_path.exists()


def test_leaf_contexts_are_bounded_and_leave_no_key_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tls_module, "MAX_LEAF_CONTEXTS", 3)
    tls = ServerTls()
    try:
        first = tls.context_for("n0.example")
        for n in range(1, 6):
            tls.context_for(f"n{n}.example")
        assert len(tls._contexts) == 3
        assert tls.context_for("n0.example") is not first  # evicted, then issued again
        assert sorted(p.name for p in tls.ca_path.parent.iterdir()) == ["ca.pem", "default.pem"]
    finally:
        tls.close()
