"""What a package index shows: metadata, extras a user may install, a README whose links
work off the repository, and a site whose navigation covers every page."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
USER_EXTRAS = {"async", "emulator"}
TEST_TOOLS = {"pytest", "mypy", "ruff", "hypothesis", "msal", "mkdocs", "selenium", "twine"}


def test_the_license_file_is_mit_and_shipped() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_classifiers_urls_authors_and_keywords_are_set() -> None:
    assert "Typing :: Typed" in PROJECT["classifiers"]
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(PROJECT["urls"])
    assert PROJECT["authors"] and "entra" in PROJECT["keywords"]


def test_no_extra_a_user_sees_brings_test_tools() -> None:
    extras = PROJECT["optional-dependencies"]
    assert set(extras) >= USER_EXTRAS and "dev" not in extras and "test" not in extras
    for requirements in extras.values():
        for requirement in requirements:
            name = re.split(r"[<>=\[; ]", requirement, maxsplit=1)[0].lower()
            assert name not in TEST_TOOLS, f"{requirement} belongs in a dependency group"
    assert "dev" in PYPROJECT["dependency-groups"]


def test_the_readme_installs_first_and_links_absolutely() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.index("pip install entraclient") < readme.index("make test")
    targets = re.findall(r"\]\(([^)]+)\)", readme)
    assert targets
    assert all(t.startswith("https://") for t in targets), targets
    assert "make demo" in readme


def test_every_docs_page_is_in_the_site_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    docs = ROOT / "docs"
    missing = [
        str(page.relative_to(docs))
        for page in docs.rglob("*.md")
        if f": {page.relative_to(docs).as_posix()}\n" not in config
    ]
    # A page left out of the nav is also a warning, so `mkdocs build --strict` fails on it.
    assert missing == [], missing
