"""Every ```python block of docs/managed-identity.md runs, as written, against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "managed-identity.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_example_runs(number: int) -> None:
    code = compile(BLOCKS[number], f"{DOC.name}[python block {number + 1}]", "exec")
    exec(code, {"__name__": f"doc_example_{number}"})
