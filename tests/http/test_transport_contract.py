"""One contract, every transport: the sync default, a user's sync ``http_client``, async httpx.

Each check runs against a hostile TLS server on loopback (``tests/adversarial``) through all
three transports, so a behaviour cannot drift on one side (issue 12). The outcome table is
printed at the end of the session by ``tests/http/conftest.py``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from entraclient import TransportError
from entraclient.http.async_transport import HttpxTransport
from entraclient.http.bodies import MAX_BODY_BYTES
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.transport import HttpClientTransport, RequestsTransport, Timeout, Verify
from entraclient.http.wire import DEFAULT_TIMEOUT
from tests.adversarial.hostile_server import (
    TOKEN,
    HostileServer,
    echo,
    endless,
    hostile_server,
    json_answer,
    redirect,
    silent,
    trickle,
)
from tests.http.loopback_servers import recording_proxy

KINDS = ["default", "http_client", "async"]
CORRELATION = (("client-request-id", "contract-corr-1"),)


@pytest.fixture(autouse=True)
def no_ca_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's CA variables would override a user session's ``verify`` (requests does)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with hostile_server() as hostile:
        hostile.answers.update(
            {
                "/ok": json_answer(TOKEN),
                "/huge": json_answer({**TOKEN, "pad": "x" * (2 * 1024 * 1024)}),
                "/endless": endless,
                "/trickle": trickle,
                "/silent": silent,
                "/latin": json_answer(b'{"access_token": "tok\xff", "token_type": "Bearer"}'),
                "/declared-latin": json_answer(
                    '{"a": "caf\xe9"}'.encode("latin-1"),
                    **{"Content-Type": "application/json; charset=iso-8859-1"},
                ),
                "/redirect": redirect("/elsewhere"),
                "/echo": echo,
            }
        )
        yield hostile


def send(
    kind: str,
    request: HttpRequest,
    *,
    verify: Verify,
    proxies: dict[str, str] | None = None,
    timeout: Timeout = None,
) -> HttpResponse:
    """Send ``request`` through the transport ``kind``."""
    if kind == "default":
        return RequestsTransport(verify=verify, proxies=proxies, timeout=timeout).send(request)
    if kind == "http_client":
        session = requests.Session()
        session.verify = verify
        if proxies is not None:
            session.proxies.update(proxies)
        return HttpClientTransport(session, timeout=timeout).send(request)

    async def over_httpx() -> HttpResponse:
        transport = HttpxTransport(verify=verify, proxies=proxies, timeout=timeout)
        try:
            return await transport.send(request)
        finally:
            await transport.aclose()

    return asyncio.run(over_httpx())


def get(server: HostileServer, path: str, **options: float) -> HttpRequest:
    return HttpRequest("GET", server.url(path), headers=CORRELATION, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_answer_is_read_whole(kind: str, server: HostileServer) -> None:
    response = send(kind, get(server, "/ok"), verify=str(server.ca_file))
    assert response.status_code == 200
    assert response.defect is None
    assert json.loads(response.text) == TOKEN


@pytest.mark.parametrize("kind", KINDS)
def test_a_valid_but_huge_answer_is_cut_and_flagged(kind: str, server: HostileServer) -> None:
    response = send(kind, get(server, "/huge"), verify=str(server.ca_file))
    assert response.defect == f"the body is larger than {MAX_BODY_BYTES} bytes"
    assert len(response.text) <= MAX_BODY_BYTES


@pytest.mark.parametrize("kind", KINDS)
def test_an_endless_body_stops_at_the_cap(kind: str, server: HostileServer) -> None:
    response = send(kind, get(server, "/endless", timeout=5.0), verify=str(server.ca_file))
    assert response.defect == f"the body is larger than {MAX_BODY_BYTES} bytes"


@pytest.mark.parametrize("kind", KINDS)
def test_a_trickling_body_is_abandoned_at_its_deadline(kind: str, server: HostileServer) -> None:
    with pytest.raises(TransportError) as failure:
        send(kind, get(server, "/trickle", timeout=0.5), verify=str(server.ca_file))
    assert "the body did not arrive in time" in str(failure.value)
    assert failure.value.correlation_id == "contract-corr-1"


@pytest.mark.parametrize("kind", KINDS)
def test_the_requests_own_timeout_wins(kind: str, server: HostileServer) -> None:
    with pytest.raises(TransportError) as failure:
        send(kind, get(server, "/silent", timeout=0.3), verify=str(server.ca_file), timeout=None)
    assert "timed out" in str(failure.value)
    assert failure.value.correlation_id == "contract-corr-1"


@pytest.mark.parametrize("kind", KINDS)
def test_a_byte_outside_utf8_is_a_defect(kind: str, server: HostileServer) -> None:
    response = send(kind, get(server, "/latin"), verify=str(server.ca_file))
    assert response.defect == "the body is not valid utf-8"


@pytest.mark.parametrize("kind", KINDS)
def test_a_declared_charset_is_honoured(kind: str, server: HostileServer) -> None:
    response = send(kind, get(server, "/declared-latin"), verify=str(server.ca_file))
    assert response.defect is None
    assert json.loads(response.text) == {"a": "caf\xe9"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_redirect_is_answered_never_followed(kind: str, server: HostileServer) -> None:
    request = HttpRequest(
        "POST", server.url("/redirect"), headers=CORRELATION, form=(("client_secret", "s3c"),)
    )
    before = len(server.received)
    response = send(kind, request, verify=str(server.ca_file))
    assert response.status_code == 307
    assert [r.path for r in server.received[before:]] == ["/redirect"]


@pytest.mark.parametrize("kind", ["default", "async"])
def test_form_pairs_keep_their_order_and_duplicates(kind: str, server: HostileServer) -> None:
    form = (("scope", "a"), ("grant_type", "x"), ("scope", "b"))
    request = HttpRequest("POST", server.url("/echo"), form=form)
    response = send(kind, request, verify=str(server.ca_file))
    assert json.loads(response.text)["body"] == "scope=a&grant_type=x&scope=b"


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_connection_says_so_with_the_correlation_id(kind: str) -> None:
    with hostile_server() as gone:
        url = gone.url("/token")
    request = HttpRequest("POST", url, headers=CORRELATION, form=())
    with pytest.raises(TransportError) as failure:
        send(kind, request, verify=True)
    assert "the connection was refused" in str(failure.value)
    assert failure.value.correlation_id == "contract-corr-1"


@pytest.mark.parametrize("kind", KINDS)
def test_an_untrusted_certificate_says_what_to_set(kind: str, server: HostileServer) -> None:
    with pytest.raises(TransportError) as failure:
        send(kind, get(server, "/ok"), verify=True)
    message = str(failure.value)
    assert "certificate verification failed" in message
    assert "ENTRACLIENT_EMULATOR_CA" in message
    assert "SSLError" not in message


@pytest.mark.parametrize("kind", KINDS)
def test_a_ca_bundle_variable_is_honoured_with_verify_true(
    kind: str, server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    assert send(kind, get(server, "/ok"), verify=True).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_verify_may_name_a_directory_of_hashed_certificates(
    kind: str, server: HostileServer, tmp_path: Path
) -> None:
    openssl = shutil.which("openssl")
    assert openssl is not None, "the openssl command is needed to hash a CA directory"
    digest = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(server.ca_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.copy(str(server.ca_file), tmp_path / f"{digest}.0")
    assert send(kind, get(server, "/ok"), verify=str(tmp_path)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_the_environments_proxy_is_used(
    kind: str, server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with recording_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        response = send(kind, get(server, "/ok"), verify=str(server.ca_file))
    assert response.status_code == 200
    assert [line.rsplit(" ", 1)[0] for line in proxy.seen] == [
        f"CONNECT 127.0.0.1:{server.server_address[1]}"
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_no_proxy_in_the_environment_is_honoured(
    kind: str, server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recording_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert send(kind, get(server, "/ok"), verify=str(server.ca_file)).status_code == 200
    assert proxy.seen == []


@pytest.mark.parametrize("kind", ["default", "async"])
def test_given_proxies_with_no_proxy_are_honoured(kind: str, server: HostileServer) -> None:
    with recording_proxy() as proxy:
        proxies = {"https": proxy.url, "no_proxy": "127.0.0.1"}
        response = send(kind, get(server, "/ok"), verify=str(server.ca_file), proxies=proxies)
    assert response.status_code == 200
    assert proxy.seen == []


def test_the_default_deadline_is_finite() -> None:
    connect, read = DEFAULT_TIMEOUT
    assert 0 < connect <= 30
    assert 0 < read <= 60


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("url", ["https://127.0.0.1:99999/t", "https://[::1/t"])
def test_an_unusable_url_is_a_transport_error(kind: str, url: str) -> None:
    request = HttpRequest("POST", url, headers=CORRELATION, form=())
    with pytest.raises(TransportError) as failure:
        send(kind, request, verify=True)
    assert failure.value.correlation_id == "contract-corr-1"


class SessionWrapper:
    """A user's http_client that is not a Session but forwards everything to one."""

    def __init__(self, verify: str) -> None:
        self.session = requests.Session()
        self.session.verify = verify

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.post(url, **kwargs)


def test_a_wrapper_of_a_session_does_not_follow_a_redirect_either(server: HostileServer) -> None:
    request = HttpRequest("POST", server.url("/redirect"), form=(("client_secret", "s3c"),))
    before = len(server.received)
    response = HttpClientTransport(SessionWrapper(str(server.ca_file))).send(request)
    assert response.status_code == 307
    assert [r.path for r in server.received[before:]] == ["/redirect"]


class StreamDropper(SessionWrapper):
    """A user's http_client that does not pass ``stream`` on: the body comes back read."""

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.pop("stream", None)
        return self.session.get(url, **kwargs)


def test_a_client_that_read_the_body_already_is_read_from_content(
    server: HostileServer,
) -> None:
    client = StreamDropper(str(server.ca_file))
    response = HttpClientTransport(client).send(get(server, "/ok"))
    assert json.loads(response.text) == TOKEN
