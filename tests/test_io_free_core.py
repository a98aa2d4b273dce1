"""The protocol core stays free of I/O (STYLE.md habit 3): flows and cache never import a
network or event-loop library and never read the clock themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "entraclient"
FORBIDDEN_IMPORTS = {"requests", "httpx", "socket", "asyncio", "urllib3", "ssl"}
CORE_PACKAGES = ("flows", "cache")


IO_ADAPTERS = SRC / "cache" / "stores"  # second-level stores: files and Redis, I/O by design


def _core_modules() -> list[Path]:
    return sorted(
        p
        for pkg in CORE_PACKAGES
        for p in (SRC / pkg).rglob("*.py")
        if not p.is_relative_to(IO_ADAPTERS)
    )


@pytest.mark.parametrize("module", _core_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_module_does_no_io(module: Path) -> None:
    tree = ast.parse(module.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            names = []
        assert not FORBIDDEN_IMPORTS.intersection(names), f"{module.name} imports {names}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func
            if isinstance(target.value, ast.Name) and target.value.id == "time":
                assert target.attr not in {"time", "sleep", "monotonic"}, (
                    f"{module.name} calls time.{target.attr}(); take a clock instead"
                )


def test_there_are_core_modules_to_check() -> None:
    assert len(_core_modules()) >= 5
