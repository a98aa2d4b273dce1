"""Request coalescing through the sync façade, against the emulator over HTTPS."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator


class SlowTokenEndpoint:
    """An http_client that holds every token POST for a while and records the overlap."""

    def __init__(self, emu: Emulator, delay: float) -> None:
        self._session = emu.http_client()
        self._delay = delay
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0

    def get(
        self, url: str, params: Any = None, headers: Any = None, **kw: Any
    ) -> requests.Response:
        return self._session.get(url, params=params, headers=headers, **kw)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kw: Any
    ) -> requests.Response:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(self._delay)
            return self._session.post(url, params=params, data=data, headers=headers, **kw)
        finally:
            with self._lock:
                self.active -= 1


def _app(emu: Emulator, client: SlowTokenEndpoint) -> ConfidentialClientApplication:
    sample = emu.sample
    return ConfidentialClientApplication(
        sample.app.client_id, client_credential=sample.app.secret, authority=sample.authority,
        http_client=client,
    )  # fmt: skip


def test_200_threads_missing_one_token_send_one_request(entra_emulator: Emulator) -> None:
    client = SlowTokenEndpoint(entra_emulator, delay=0.3)
    app = _app(entra_emulator, client)
    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(
            pool.map(
                lambda _: app.acquire_token_for_client([entra_emulator.sample.scope]), range(200)
            )
        )
    assert len(entra_emulator.token_requests()) == 1
    assert len({r["access_token"] for r in results}) == 1
    assert len([r for r in entra_emulator.requests if r.method == "GET"]) == 1  # discovery too


def test_200_threads_for_200_tokens_send_200_overlapping_requests(entra_emulator: Emulator) -> None:
    client = SlowTokenEndpoint(entra_emulator, delay=0.3)
    app = _app(entra_emulator, client)
    scope = entra_emulator.sample.scope
    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(
            pool.map(
                lambda i: app.acquire_token_for_client([scope], fmi_path=f"tenant/{i}"), range(200)
            )
        )
    assert all("access_token" in r for r in results)
    assert len(entra_emulator.token_requests()) == 200
    assert client.peak > 50  # they overlapped in time instead of queueing behind one another
