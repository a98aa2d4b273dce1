"""The managed identity core (identities, detection, wire shapes, the flow) does no I/O: it
imports no network or event-loop library and never reads the clock itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "entraclient" / "managed_identity"
CORE = ("identities.py", "sources.py", "backends.py", "flow.py")
FORBIDDEN = {"requests", "httpx", "socket", "asyncio", "urllib3", "ssl", "os"}


@pytest.mark.parametrize("name", CORE)
def test_core_module_does_no_io(name: str) -> None:
    tree = ast.parse((PACKAGE / name).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {(node.module or "").split(".")[0]}
        else:
            continue
        assert not FORBIDDEN & names, f"{name} imports {names}"
        assert "time" not in names, f"{name} imports time: take a clock instead"
