"""Parsing app-only scopes."""

from __future__ import annotations

import pytest

from entraclient.emulator.errors import EntraError
from entraclient.emulator.scopes import default_scope_resource


@pytest.mark.parametrize(
    ("scope", "resource"),
    [
        ("api://x/.default", "api://x"),
        ("https://graph.microsoft.com//.default", "https://graph.microsoft.com"),
        ("  api://x/.default  api://X/.default ", "api://x"),
        ("00000003-0000-0000-c000-000000000000/.default", "00000003-0000-0000-c000-000000000000"),
    ],
)
def test_resource_of_default_scope(scope: str, resource: str) -> None:
    assert default_scope_resource(scope) == resource


@pytest.mark.parametrize(
    ("scope", "code"),
    [
        (None, 900144),
        ("   ", 900144),
        ("User.Read", 1002012),
        ("api://x/.default offline_access", 1002012),
        ("//.default", 70011),
        ("api://x/.default api://y/.default", 28000),
    ],
)
def test_errors(scope: str | None, code: int) -> None:
    with pytest.raises(EntraError) as caught:
        default_scope_resource(scope)
    assert caught.value.kind.spec.code == code
