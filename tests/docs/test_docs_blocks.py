"""Every ```python block of docs/*.md runs against the emulator: the blocks of one page in
order, in one namespace, with the settings of tests/docs/environment.py in the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.environment import DocsRegistrations
from tests.docs.markdown_blocks import DOCS, CodeBlock, pages_with_python, python_blocks
from tests.docs.running import DocsBlockError, run_block, run_page

PAGES = pages_with_python()


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_block_of_the_page_runs(page: Path, docs_environment: DocsRegistrations) -> None:
    emulator = docs_environment.emulator  # the switch is on: both fixtures are the same
    run_page(python_blocks(page), {"entra_emulator": emulator, "entra_emulator_switch": emulator})


def test_the_quickstarts_and_migration_pages_have_code_that_runs() -> None:
    covered = {str(p.relative_to(DOCS)) for p in PAGES}
    for expected in (
        "quickstart/daemon-secret.md",
        "quickstart/daemon-certificate.md",
        "quickstart/web-api-obo.md",
        "quickstart/web-app.md",
        "quickstart/asyncio-service.md",
        "migrating/msal-python.md",
    ):
        assert expected in covered


def test_a_failing_block_names_its_page_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```python\nx = 1\n```\n\n```python\nassert x == 2\n```\n")
    blocks = python_blocks(page)
    assert [b.line for b in blocks] == [4, 8]
    namespace: dict[str, object] = {}
    run_block(blocks[0], namespace)
    with pytest.raises(DocsBlockError, match=r"page\.md:8"):
        run_block(CodeBlock(blocks[1].page, blocks[1].line, blocks[1].code), namespace)


def test_a_test_shown_in_a_page_is_run_with_its_fixtures(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\ndef test_shown(entra_emulator):\n    entra_emulator.append(1)\n```\n"
    )
    calls: list[int] = []
    run_page(python_blocks(page), {"entra_emulator": calls})
    assert calls == [1]
    page.write_text("```python\ndef test_shown(entra_emulator):\n    assert False\n```\n")
    with pytest.raises(DocsBlockError, match="test_shown"):
        run_page(python_blocks(page), {"entra_emulator": calls})


def test_only_python_fences_run_and_top_level_await_works(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```text\nnot python\n```\n```sh\nmake test\n```\n"
        "- in a list:\n\n    ```python\n    import asyncio\n    await asyncio.sleep(0)\n"
        "    done = True\n    ```\n"
    )
    blocks = python_blocks(page)
    assert len(blocks) == 1
    assert run_page(blocks)["done"] is True
