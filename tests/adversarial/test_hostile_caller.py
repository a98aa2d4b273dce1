"""Hostile caller input and corrupted caches, through the sync and the async façade alike.

Misuse raises ``ValueError``/``TypeError`` before anything is sent; a corrupted cache state
raises ``ValueError`` on load and leaves the cache as it was.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.aio import AsyncConfidentialClientApplication

AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com"
BAD_SCOPES: list[tuple[str, Any, type[Exception]]] = [
    ("a string", "api://x/.default", ValueError),
    ("None", None, TypeError),
    ("an int inside", [1], TypeError),
    ("None inside", [None], TypeError),
    ("an empty scope", [""], ValueError),
    ("whitespace inside", ["api://x/.default other"], ValueError),
    ("a reserved scope only", ["openid"], ValueError),
]
BAD_AUTHORITIES = [
    "https://login.microsoftonline.com/../common",
    "https://login.microsoftonline.com/./t",
    "https://login.microsoftonline.com/t\r\nX-Injected: 1",
    "https://login.microsoftonline.com/t\x00",
    "https://user:pw@login.microsoftonline.com/t",
    "http://login.microsoftonline.com/t",
    "https://login.microsoftonline.com:0/t",
]
CORRUPTED_STATES = [
    "{",
    "[]",
    "\x00" * 16,
    '{"AccessToken": 5}',
    '{"AccessToken": {"k": []}}',
    "[" * 100_000 + "]" * 100_000,
]

# Well-formed JSON whose entries lack or mistype fields: kept opaque (another MSAL may have
# written them), written back as they came, never used (issue 14).
UNUSABLE_ENTRIES = [
    '{"AccessToken": {"k": {"secret": 1}}}',
    '{"AccessToken": {"k": {"secret": "x", "expires_on": "soon"}}}',
    '{"AccessToken": {"k": {"secret": "x", "expires_on": "' + "9" * 400 + '"}}}',
]


def _acquire(facade: str, scopes: Any) -> object:
    options: dict[str, Any] = {"client_credential": "s", "authority": AUTHORITY}
    if facade == "sync":
        app = ConfidentialClientApplication("cid", **options)
        return app.acquire_token_for_client(scopes)

    async def over_asyncio() -> object:
        async with AsyncConfidentialClientApplication("cid", **options) as app:
            return await app.acquire_token_for_client(scopes)

    return asyncio.run(over_asyncio())


@pytest.mark.parametrize("facade", ["sync", "async"])
@pytest.mark.parametrize(("name", "scopes", "error"), BAD_SCOPES, ids=[b[0] for b in BAD_SCOPES])
def test_hostile_scopes_are_refused_before_sending(
    facade: str, name: str, scopes: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        _acquire(facade, scopes)  # no emulator is routed: a request would be a TransportError


@pytest.mark.parametrize("facade", ["sync", "async"])
@pytest.mark.parametrize("authority", BAD_AUTHORITIES)
def test_hostile_authorities_are_refused_at_construction(facade: str, authority: str) -> None:
    factory = (
        ConfidentialClientApplication if facade == "sync" else AsyncConfidentialClientApplication
    )
    with pytest.raises(ValueError, match="authority"):
        factory("cid", client_credential="s", authority=authority)


@pytest.mark.parametrize("state", CORRUPTED_STATES, ids=range(len(CORRUPTED_STATES)))
def test_a_corrupted_cache_state_is_refused_and_changes_nothing(state: str) -> None:
    cache = SerializableTokenCache()
    before = cache.serialize()
    with pytest.raises(ValueError):
        cache.deserialize(state)
    assert json.loads(cache.serialize()) == json.loads(before)


@pytest.mark.parametrize("state", UNUSABLE_ENTRIES, ids=range(len(UNUSABLE_ENTRIES)))
def test_an_unusable_entry_is_kept_but_never_used(state: str) -> None:
    cache = SerializableTokenCache()
    cache.deserialize(state)
    assert json.loads(cache.serialize()) == json.loads(state)
    assert list(cache.search("AccessToken")) == []
