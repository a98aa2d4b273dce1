"""``import entraclient`` stays light, and a missing ``async`` extra says what to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from entraclient.http import async_transport

HEAVY = ("requests", "httpx", "cryptography")


@pytest.mark.parametrize("module", ["entraclient", "entraclient.aio"])
def test_importing_loads_no_http_or_crypto_library(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_a_missing_async_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)
    with pytest.raises(ImportError, match=r"pip install 'entraclient\[async\]'"):
        async_transport.import_httpx()


def test_httpx_request_lines_stay_below_info() -> None:
    import logging

    async_transport.import_httpx()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
