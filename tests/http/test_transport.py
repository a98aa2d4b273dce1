"""http/transport.py: the default transport passes verify, proxies and timeout on every
request; a user's http_client is adapted; failures raise TransportError with the cause."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import requests

from entraclient import ConfidentialClientApplication, TransportError
from entraclient.emulator import Emulator
from entraclient.http.messages import HttpRequest
from entraclient.http.transport import HttpClientTransport, RequestsTransport
from tests.http.loopback_servers import recording_proxy, silent_server


def _direct_app(emu: Emulator, **transport: Any) -> ConfidentialClientApplication:
    """An app talking to the emulator by its loopback address, over the default transport."""
    sample = emu.sample
    return ConfidentialClientApplication(
        sample.app.client_id,
        client_credential=sample.app.secret,
        authority=f"{emu.base_url}/{sample.tenant.domain}",
        instance_discovery=False,
        **transport,
    )


def test_verify_with_the_emulator_ca_path_succeeds(entra_emulator: Emulator) -> None:
    result = _direct_app(
        entra_emulator, verify=str(entra_emulator.ca_path)
    ).acquire_token_for_client([entra_emulator.sample.scope])
    assert result["token_source"] == "identity_provider"


def test_default_verification_refuses_the_emulator_certificate(entra_emulator: Emulator) -> None:
    # verify=True trusts the system bundle (or REQUESTS_CA_BUNDLE), which lacks the emulator CA.
    with pytest.raises(TransportError) as failure:
        _direct_app(entra_emulator).acquire_token_for_client([entra_emulator.sample.scope])
    assert isinstance(failure.value.__cause__, requests.exceptions.SSLError)
    assert entra_emulator.requests == []


def test_a_wrong_ca_path_is_refused(entra_emulator: Emulator) -> None:
    with Emulator() as other:
        app = _direct_app(entra_emulator, verify=str(other.ca_path))
        with pytest.raises(TransportError) as failure:
            app.acquire_token_for_client([entra_emulator.sample.scope])
    assert isinstance(failure.value.__cause__, requests.exceptions.SSLError)


def test_verify_false_skips_verification(entra_emulator: Emulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _direct_app(entra_emulator, verify=False).acquire_token_for_client(
            [entra_emulator.sample.scope]
        )
    assert "access_token" in result


def test_proxies_reach_the_transport(entra_emulator: Emulator) -> None:
    with recording_proxy() as proxy:
        app = _direct_app(
            entra_emulator, verify=str(entra_emulator.ca_path), proxies={"https": proxy.url}
        )
        result = app.acquire_token_for_client([entra_emulator.sample.scope])
    assert "access_token" in result
    assert proxy.seen and all(line.startswith("CONNECT 127.0.0.1:") for line in proxy.seen)


def test_timeout_reaches_the_transport() -> None:
    with silent_server() as port:
        transport = RequestsTransport(timeout=0.3)
        request = HttpRequest(
            "GET", f"https://127.0.0.1:{port}/t/v2.0/.well-known/openid-configuration"
        )
        with pytest.raises(TransportError) as failure:
            transport.send(request)
    assert isinstance(failure.value.__cause__, requests.exceptions.Timeout)


def test_timeout_argument_reaches_the_default_transport_of_the_app() -> None:
    with silent_server() as port:
        app = ConfidentialClientApplication(
            "cid", client_credential="s", authority=f"https://127.0.0.1:{port}/t",
            instance_discovery=False, timeout=0.3,
        )  # fmt: skip
        with pytest.raises(TransportError) as failure:
            app.acquire_token_for_client(["api://x/.default"])
    assert isinstance(failure.value.__cause__, requests.exceptions.Timeout)


def test_the_default_session_retries_once_on_connection_errors() -> None:
    transport = RequestsTransport()
    adapter = transport._session.get_adapter("https://login.microsoftonline.com/")
    assert adapter.max_retries.total == 1  # type: ignore[attr-defined]


def test_connection_refused_raises_transport_error() -> None:
    with silent_server() as port:
        pass  # the port is closed again: nothing listens there now
    with pytest.raises(TransportError) as failure:
        RequestsTransport().send(HttpRequest("GET", f"https://127.0.0.1:{port}/x"))
    assert isinstance(failure.value.__cause__, requests.exceptions.ConnectionError)


def test_http_client_must_have_get_and_post() -> None:
    with pytest.raises(TypeError, match="post"):
        HttpClientTransport(type("OnlyGet", (), {"get": lambda self: None})())


def test_http_client_returning_a_wrong_object_is_a_transport_error() -> None:
    class Odd:
        def get(self, url: str, **kwargs: Any) -> object:
            return object()

        def post(self, url: str, **kwargs: Any) -> object:
            return object()

    with pytest.raises(TransportError, match="status_code"):
        HttpClientTransport(Odd()).send(HttpRequest("GET", "https://127.0.0.1:1/x"))
