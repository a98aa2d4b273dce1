"""demo.py: it explains what it shows and proves it stayed on the emulator."""

from __future__ import annotations

import pytest

from entraclient import demo


def test_the_demo_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main() == 0
    out = capsys.readouterr().out
    assert "authority: https://login.microsoftonline.com/contoso.onmicrosoft.com" in out
    assert "scope: api://contoso-sample-api/.default" in out
    assert "how the app authenticated" in out  # azpacr explained
    assert "unique token id" in out  # uti explained
    assert "token_source=cache" in out
    assert "AADSTS7000215" in out
    assert "No Microsoft server was contacted" in out
    received = [line for line in out.splitlines() if line.startswith("  POST https://")]
    assert len(received) == 2  # the first call and the wrong secret; the second was cached
