"""The suite cannot reach or even resolve anything but loopback."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import NonLoopbackLookupError


def test_resolving_a_public_name_fails_before_any_packet_leaves() -> None:
    with pytest.raises(NonLoopbackLookupError):
        socket.getaddrinfo("login.microsoftonline.com", 443)


def test_loopback_names_still_resolve() -> None:
    assert socket.getaddrinfo("127.0.0.1", 443)


def test_pytest_socket_allows_only_loopback(pytestconfig: pytest.Config) -> None:
    allowed = set(str(pytestconfig.getoption("--allow-hosts")).split(","))
    assert allowed == {"127.0.0.1", "::1", "localhost"}
