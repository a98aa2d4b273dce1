"""http/transport.py: the default transport passes verify, proxies and timeout on every
request; a user's http_client is adapted; failures raise TransportError with the cause."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import pytest
import requests

from entraclient import ConfidentialClientApplication, TransportError
from entraclient.emulator import Emulator
from entraclient.emulator.faults import Respond, SlowBody
from entraclient.http.bodies import MAX_BODY_BYTES
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
    adapter = transport.session.get_adapter("https://login.microsoftonline.com/")
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


def test_one_connect_retry_then_transport_error(caplog: pytest.LogCaptureFixture) -> None:
    with silent_server() as port:
        pass  # closed again: every connect is refused
    with caplog.at_level("WARNING", logger="urllib3"), pytest.raises(TransportError):
        RequestsTransport().send(HttpRequest("GET", f"https://127.0.0.1:{port}/x"))
    retries = [r for r in caplog.records if "Retrying" in r.getMessage()]
    assert len(retries) == 1  # exactly one retry, and the request was not sent a third time


def _emulator_get(emu: Emulator) -> HttpRequest:
    return HttpRequest(
        "GET", f"https://login.microsoftonline.com/{emu.sample.tenant.id}/v2.0/.well-known/x"
    )


def _routed_transport(emu: Emulator, timeout: float | None = None) -> RequestsTransport:
    return RequestsTransport(session=emu.http_client(), timeout=timeout)


def test_a_body_trickling_past_the_timeout_is_abandoned(entra_emulator: Emulator) -> None:
    # Every chunk comes well within the read timeout; only the body deadline stops it.
    body = b'{"a": "' + b"x" * 200 + b'"}'
    entra_emulator.inject(SlowBody(body, chunk=10, interval=0.05))
    with pytest.raises(TransportError) as failure:
        _routed_transport(entra_emulator, timeout=0.3).send(_emulator_get(entra_emulator))
    assert isinstance(failure.value.__cause__, TimeoutError)


def test_a_slow_body_within_the_timeout_is_read_whole(entra_emulator: Emulator) -> None:
    body = b'{"a": "bc"}'
    entra_emulator.inject(SlowBody(body, chunk=4, interval=0.01))
    response = _routed_transport(entra_emulator, timeout=10).send(_emulator_get(entra_emulator))
    assert response.text == body.decode()
    assert response.defect is None


def test_a_body_over_the_cap_is_cut_and_flagged(entra_emulator: Emulator) -> None:
    entra_emulator.inject(Respond(200, b"x" * (MAX_BODY_BYTES + 10)))
    response = _routed_transport(entra_emulator).send(_emulator_get(entra_emulator))
    assert response.defect is not None and "larger than" in response.defect
    assert len(response.text) <= MAX_BODY_BYTES


def test_bytes_that_are_not_utf8_are_flagged(entra_emulator: Emulator) -> None:
    entra_emulator.inject(Respond(200, b'{"a": "\xff"}', (("content-type", "application/json"),)))
    response = _routed_transport(entra_emulator).send(_emulator_get(entra_emulator))
    assert response.defect == "the body is not valid utf-8"


def test_a_declared_charset_is_honoured(entra_emulator: Emulator) -> None:
    page = "<p>Fehler: Überlastung</p>".encode("latin-1")
    entra_emulator.inject(Respond(503, page, (("content-type", "text/html; charset=ISO-8859-1"),)))
    response = _routed_transport(entra_emulator).send(_emulator_get(entra_emulator))
    assert response.text == "<p>Fehler: Überlastung</p>"
    assert response.defect is None


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("transport", ["default", "http_client"])
def test_redirects_are_never_followed(
    entra_emulator: Emulator, status: int, transport: str
) -> None:
    entra_emulator.route_host("redirect-target.test")  # a followed redirect would be logged
    entra_emulator.inject(
        Respond.redirect("https://redirect-target.test/t/oauth2/v2.0/token", status)
    )
    sender = (
        _routed_transport(entra_emulator)
        if transport == "default"
        else HttpClientTransport(entra_emulator.http_client())
    )
    request = HttpRequest(
        "POST", "https://login.microsoftonline.com/t/oauth2/v2.0/token", form=(("k", "v"),)
    )
    assert sender.send(request).status_code == status
    assert [r.host for r in entra_emulator.requests] == ["login.microsoftonline.com"]


def test_http_client_content_bytes_are_decoded_strictly() -> None:
    class Raw:
        status_code = 200
        headers: ClassVar[dict[str, str]] = {"Content-Type": "application/json"}
        content = b'{"a": "\xc3("}'
        text = "never read"

    class Client:
        def get(self, url: str, **kwargs: Any) -> Raw:
            return Raw()

        def post(self, url: str, **kwargs: Any) -> Raw:
            return Raw()

    response = HttpClientTransport(Client()).send(HttpRequest("GET", "https://127.0.0.1:1/x"))
    assert response.defect == "the body is not valid utf-8"


def test_http_client_text_over_the_cap_is_flagged() -> None:
    class Raw:
        status_code = 200
        headers: ClassVar[dict[str, str]] = {}
        text = "y" * (MAX_BODY_BYTES + 1)

    class Client:
        def get(self, url: str, **kwargs: Any) -> Raw:
            assert kwargs["allow_redirects"] is False  # whatever the client's type
            return Raw()

        def post(self, url: str, **kwargs: Any) -> Raw:
            return Raw()

    response = HttpClientTransport(Client()).send(HttpRequest("GET", "https://127.0.0.1:1/x"))
    assert response.defect is not None
    assert len(response.text) == MAX_BODY_BYTES


def test_a_transport_error_names_the_correlation_id() -> None:
    with silent_server() as port:
        pass
    request = HttpRequest(
        "POST", f"https://127.0.0.1:{port}/t", headers=(("client-request-id", "corr-9"),)
    )
    with pytest.raises(TransportError) as failure:
        RequestsTransport(session=requests.Session()).send(request)
    assert failure.value.correlation_id == "corr-9"
