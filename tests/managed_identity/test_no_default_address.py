"""The VM backend's default address, 169.254.169.254, is never contacted by the suite: without
an override the client would go there, and the suite's guards (loopback-only name
resolution in tests/conftest.py, pytest-socket) refuse it."""

from __future__ import annotations

import pytest
import requests

from entraclient import ManagedIdentityClient, SystemAssignedManagedIdentity, TransportError


def test_the_default_imds_address_is_refused_by_the_socket_guard() -> None:
    client = ManagedIdentityClient(SystemAssignedManagedIdentity(), http_client=requests.Session())

    with pytest.raises(TransportError, match=r"169\.254\.169\.254") as raised:
        client.acquire_token_for_client(resource="https://management.azure.com")

    chain, cause = [], raised.value.__cause__
    while cause is not None:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    guards = ("NonLoopbackLookupError", "SocketBlockedError", "SocketConnectBlockedError")
    assert any(name in guards for name in chain), chain  # the suite's guards stopped it
