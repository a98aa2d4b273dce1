"""HttpRequest.timeout: a request's own timeout reaches both transports."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from entraclient import TransportError
from entraclient.http.messages import HttpRequest
from entraclient.http.transport import HttpClientTransport, RequestsTransport
from entraclient.http.wire import DEFAULT_TIMEOUT
from tests.http.loopback_servers import silent_server


def test_the_request_timeout_wins_over_no_transport_timeout() -> None:
    with silent_server() as port:
        request = HttpRequest("GET", f"http://127.0.0.1:{port}/metadata", timeout=0.3)
        with pytest.raises(TransportError) as failure:
            RequestsTransport(timeout=None).send(request)
    assert isinstance(failure.value.__cause__, requests.exceptions.Timeout)


class KeywordRecorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def get(self, url: str, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return type("R", (), {"status_code": 200, "text": "", "headers": {}})()

    post = get


def test_a_users_http_client_always_gets_a_deadline_and_no_redirects() -> None:
    client = KeywordRecorder()
    transport = HttpClientTransport(client)
    transport.send(HttpRequest("GET", "https://127.0.0.1:1/x"))
    transport.send(HttpRequest("GET", "https://127.0.0.1:1/x", timeout=2.0))
    transport.send(HttpRequest("POST", "https://127.0.0.1:1/x", form=(), timeout=1.5))
    assert [call["timeout"] for call in client.calls] == [DEFAULT_TIMEOUT, (2.0, 2.0), (1.5, 1.5)]
    assert all(call["allow_redirects"] is False for call in client.calls)
