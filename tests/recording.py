"""An ``http_client`` that records every request an application makes, wherever it goes.

The emulator's own log only shows what reached the emulator; this one shows everything that
left the application, so a test can prove that something (a credential, say) did *not*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    params: dict[str, str]
    data: dict[str, str]
    headers: dict[str, str] = field(repr=False)


class RecordingClient:
    """Wraps a ``requests.Session`` (say ``emu.http_client()``) and records each call."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self.sent: list[SentRequest] = []

    def _record(self, method: str, url: str, **kwargs: Any) -> None:
        self.sent.append(
            SentRequest(
                method,
                url,
                dict(kwargs.get("params") or {}),
                dict(kwargs.get("data") or {}),
                dict(kwargs.get("headers") or {}),
            )
        )

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        self._record("GET", url, **kwargs)
        return self.session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        self._record("POST", url, **kwargs)
        return self.session.post(url, **kwargs)

    def carried(self, value: str) -> list[SentRequest]:
        """The requests whose URL, query, form or headers contain ``value``."""
        return [
            sent
            for sent in self.sent
            if value in sent.url
            or any(
                value in v for part in (sent.params, sent.data, sent.headers) for v in part.values()
            )
        ]
