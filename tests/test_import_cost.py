"""``import entraclient`` loads only what is used (issue 14): the public names on first use,
heavy libraries only when a transport, a certificate or a store is built."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("requests", "httpx", "cryptography", "msgspec", "redis", "filelock", "azure")


def _loaded_after(statement: str) -> dict[str, list[str]]:
    probe = (
        f"import sys\n{statement}\n"
        "import json\n"
        "names = sorted(sys.modules)\n"
        "print(json.dumps({'ours': [m for m in names if m.startswith('entraclient')],"
        " 'heavy': sorted({m.split('.')[0] for m in names} & set(%r))}))" % (HEAVY,)
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_import_entraclient_loads_almost_nothing() -> None:
    loaded = _loaded_after("import entraclient")
    assert loaded["heavy"] == []
    assert loaded["ours"] == ["entraclient", "entraclient._version"]


@pytest.mark.parametrize(
    "statement",
    [
        "from entraclient import ConfidentialClientApplication",
        "from entraclient.aio import AsyncConfidentialClientApplication",
        "from entraclient import TokenCache, SerializableTokenCache",
    ],
)
def test_the_public_names_load_no_heavy_library(statement: str) -> None:
    assert _loaded_after(statement)["heavy"] == []


def test_names_resolve_lazily_and_unknown_names_fail() -> None:
    import entraclient

    assert entraclient.ConfidentialClientApplication.__name__ == "ConfidentialClientApplication"
    assert "TokenCache" in dir(entraclient)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        entraclient.Nope  # noqa: B018
