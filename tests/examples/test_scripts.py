"""Each example runs as a person runs it: ``python examples/.../script.py`` from any
directory, against the local emulator the script starts."""

from __future__ import annotations

import re
from pathlib import Path

from tests.examples.running import run_example


def test_the_daemon_gets_a_token_then_the_cache_answers(tmp_path: Path) -> None:
    out = run_example("daemon/daemon.py", tmp_path)
    assert "call 1: token from identity_provider, aud=api://contoso-sample-api" in out
    assert "roles=['Data.Read']" in out
    assert "call 2: token from cache" in out


def test_the_asyncio_service_coalesces_fifty_callers_into_one_request(tmp_path: Path) -> None:
    out = run_example("asyncio_service/service.py", tmp_path)
    assert "50 concurrent requests at start-up: {'identity_provider': 50}" in out
    assert "50 concurrent requests later: {'cache': 50}" in out
    assert "token requests the identity provider received: 1" in out


def test_the_web_api_does_on_behalf_of_then_answers_from_its_cache(tmp_path: Path) -> None:
    out = run_example("web_api/api.py", tmp_path)
    calls = re.findall(r"call (\d) as (\S+): 2 orders; downstream token from (\w+)", out)
    assert [(n, source) for n, _, source in calls] == [
        ("1", "identity_provider"),
        ("2", "cache"),
    ]
    assert calls[0][1].startswith("alice@")
    assert "without a bearer token: HTTP 401" in out
