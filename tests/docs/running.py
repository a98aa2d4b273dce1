"""Run a page's code blocks one after another in one namespace, as a reader would.

A block may use ``await`` at the top level (as in an asyncio REPL); such a block runs in
its own event loop. A failure names the page and line of the block.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
from typing import Any

from tests.docs.markdown_blocks import CodeBlock


class DocsBlockError(AssertionError):
    """A documentation block raised; the message says where it is."""


def run_block(block: CodeBlock, namespace: dict[str, Any]) -> None:
    """Execute ``block`` in ``namespace``; raise :class:`DocsBlockError` if it fails."""
    source = "\n" * (block.line - 1) + block.code  # tracebacks show the page's line numbers
    try:
        code = compile(
            source, str(block.page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
        if code.co_flags & inspect.CO_COROUTINE:
            asyncio.run(eval(code, namespace))
        else:
            exec(code, namespace)
    except Exception as exc:
        raise DocsBlockError(f"the block at {block.where} failed: {exc!r}") from exc


def run_page(blocks: list[CodeBlock], fixtures: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run every block of one page in order, sharing one namespace; return it.

    A page that shows a pytest test (a ``test_*`` function it defines) gets that test
    called too, with ``fixtures`` passed by parameter name (``entra_emulator``).
    """
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for block in blocks:
        run_block(block, namespace)
    pages = {str(block.page) for block in blocks}
    for name, value in list(namespace.items()):
        shown_here = inspect.isfunction(value) and value.__code__.co_filename in pages
        if name.startswith("test_") and shown_here:
            _run_shown_test(name, value, fixtures or {})
    return namespace


def _run_shown_test(name: str, test: Any, fixtures: dict[str, Any]) -> None:
    wanted = list(inspect.signature(test).parameters)
    missing = [p for p in wanted if p not in fixtures]
    if missing:
        raise DocsBlockError(f"{name} asks for fixtures the runner lacks: {missing}")
    try:
        test(**{p: fixtures[p] for p in wanted})
    except Exception as exc:
        raise DocsBlockError(f"the test {name} shown in the docs failed: {exc!r}") from exc
