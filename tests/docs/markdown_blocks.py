"""Find the fenced ```python blocks of the documentation pages, in page order.

Only blocks fenced exactly as ```python run; pages fence illustrative fragments as ```text
and shell commands as ```sh. A block indented inside a list or an admonition still counts:
its indentation is removed.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                    re.MULTILINE | re.DOTALL)  # fmt: skip


@dataclass(frozen=True)
class CodeBlock:
    """One ```python block: its page, the line its code starts on, and its code."""

    page: Path
    line: int
    code: str

    @property
    def where(self) -> str:
        shown = self.page.relative_to(DOCS.parent) if self.page.is_relative_to(DOCS) else self.page
        return f"{shown}:{self.line}"


def python_blocks(page: Path) -> list[CodeBlock]:
    """The ```python blocks of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        if match.group("info").strip() != "python":
            continue
        line = text.count("\n", 0, match.start("body")) + 1
        blocks.append(CodeBlock(page, line, textwrap.dedent(match.group("body"))))
    return blocks


def pages_with_python() -> list[Path]:
    """Every page under docs/ that has at least one ```python block."""
    return [page for page in sorted(DOCS.rglob("*.md")) if python_blocks(page)]
