"""MSAL's cache contract: a cache object written for MSAL Python keeps working after the
one-import switch, through its public methods (search, add, modify) only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msal
import pytest
from msal_extensions import FilePersistence, PersistedTokenCache

from entraclient import ConfidentialClientApplication, SerializableTokenCache, TokenCache
from entraclient.cache.foreign import ForeignTokenCache, cache_for_flows, uses_msal_contract
from entraclient.emulator import Emulator
from tests.emulator.support import Daemon
from tests.user_flows import DOWNSTREAM_SCOPE, World, new_world


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


def _daemon_app(emu: Emulator, daemon: Daemon, cache: Any) -> ConfidentialClientApplication:
    return ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential=daemon.app.secret,
        authority=f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        http_client=emu.http_client(),
        token_cache=cache,
    )


class CountingCache(SerializableTokenCache):
    """A subclass of ours overriding MSAL's contract methods, as a persistence layer would."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def search(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.calls.append("search")
        return super().search(*args, **kwargs)

    def add(self, event: Mapping[str, Any], now: float | None = None) -> None:
        self.calls.append("add")
        super().add(event, now=now)

    def modify(
        self,
        credential_type: str,
        old_entry: Mapping[str, Any],
        new_key_value_pairs: Mapping[str, Any] | None = None,
    ) -> None:
        self.calls.append("modify")
        super().modify(credential_type, old_entry, new_key_value_pairs)


def test_only_overriding_or_foreign_caches_take_the_contract_path() -> None:
    assert not uses_msal_contract(TokenCache())
    assert not uses_msal_contract(SerializableTokenCache())
    assert uses_msal_contract(CountingCache())
    assert uses_msal_contract(msal.SerializableTokenCache())
    assert isinstance(cache_for_flows(msal.TokenCache()), ForeignTokenCache)
    ours = TokenCache()
    assert cache_for_flows(ours) is ours


def test_an_object_without_the_contract_is_refused() -> None:
    with pytest.raises(TypeError, match="search or find, add, modify"):
        ConfidentialClientApplication("client", client_credential="s", token_cache=object())


def test_a_subclass_overriding_the_contract_sees_every_read_and_write(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    cache = CountingCache()
    app = _daemon_app(entra_emulator, daemon, cache)
    first = app.acquire_token_for_client([daemon.api.default_scope])
    assert first["token_source"] == "identity_provider"
    assert "add" in cache.calls and "search" in cache.calls
    cache.calls.clear()
    second = app.acquire_token_for_client([daemon.api.default_scope])
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    assert cache.calls and set(cache.calls) == {"search"}
    (entry,) = cache.search("AccessToken")
    assert entry["client_id"] == daemon.app.client_id


def test_msals_own_cache_object_is_filled_as_msal_fills_it(
    entra_emulator: Emulator, daemon: Daemon
) -> None:
    cache = msal.SerializableTokenCache()
    app = _daemon_app(entra_emulator, daemon, cache)
    ours = app.acquire_token_for_client([daemon.api.default_scope])
    assert ours["token_source"] == "identity_provider"
    assert cache.has_state_changed
    theirs = msal.ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential=daemon.app.secret,
        authority=f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        http_client=entra_emulator.http_client(),
        token_cache=cache,
    )
    entra_emulator.clear_log()
    again = theirs.acquire_token_for_client([daemon.api.default_scope])
    assert again["token_source"] == "cache"
    assert again["access_token"] == ours["access_token"]
    assert entra_emulator.token_requests() == []


def test_removing_app_tokens_goes_through_modify(entra_emulator: Emulator, daemon: Daemon) -> None:
    cache = msal.TokenCache()
    app = _daemon_app(entra_emulator, daemon, cache)
    app.acquire_token_for_client([daemon.api.default_scope])
    assert len(list(cache.search("AccessToken"))) == 1
    app.remove_tokens_for_client()
    assert list(cache.search("AccessToken")) == []


CHILD = textwrap.dedent(
    """
    import json, os, sys
    from msal_extensions import FilePersistence, PersistedTokenCache
    from entraclient import ConfidentialClientApplication
    from entraclient.emulator.hosts import HostSet
    from entraclient.emulator.routing import HostRouter, RoutingAdapter, routed_session

    settings = json.loads(os.environ["CHILD_SETTINGS"])
    hosts = HostSet()
    router = HostRouter(("127.0.0.1", settings["port"]), hosts)
    app = ConfidentialClientApplication(
        settings["client_id"],
        client_credential=settings["secret"],
        authority=settings["authority"],
        http_client=routed_session(RoutingAdapter(router, settings["ca"])),
        token_cache=PersistedTokenCache(FilePersistence(settings["path"])),
    )
    result = app.acquire_token_for_client([settings["scope"]])
    print(json.dumps({"source": result.get("token_source"), "error": result.get("error")}))
    """
)


def test_msal_extensions_persisted_cache_persists_across_processes(
    entra_emulator: Emulator, daemon: Daemon, tmp_path: Path
) -> None:
    path = tmp_path / "token_cache.json"
    settings = {
        "port": entra_emulator.port,
        "ca": str(entra_emulator.ca_path),
        "client_id": daemon.app.client_id,
        "secret": daemon.app.secret,
        "authority": f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        "scope": daemon.api.default_scope,
        "path": str(path),
    }
    script = tmp_path / "child.py"
    script.write_text(CHILD)

    def run() -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, str(script)],
            env={**os.environ, "CHILD_SETTINGS": json.dumps(settings)},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    entra_emulator.clear_log()
    assert run() == {"source": "identity_provider", "error": None}
    on_disk = json.loads(path.read_text())
    (entry,) = on_disk["AccessToken"].values()
    assert entry["client_id"] == daemon.app.client_id
    assert run() == {"source": "cache", "error": None}
    assert len(entra_emulator.token_requests()) == 1
    # The same file, read by this process through msal-extensions directly.
    reread = PersistedTokenCache(FilePersistence(str(path)))
    assert [e["secret"] for e in reread.search("AccessToken")] == [entry["secret"]]


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


@pytest.mark.parametrize("cache_kind", ["ours", "msal"])
def test_on_behalf_of_tokens_are_found_by_a_later_silent_call(
    world: World, cache_kind: str
) -> None:
    cache = SerializableTokenCache() if cache_kind == "ours" else msal.SerializableTokenCache()
    middle = world.application(world.middle, token_cache=cache)
    first = middle.acquire_token_on_behalf_of(world.user_assertion(), [DOWNSTREAM_SCOPE])
    assert first["token_source"] == "identity_provider", first
    (account,) = middle.get_accounts()
    world.emu.clear_log()
    silent = middle.acquire_token_silent([DOWNSTREAM_SCOPE], account)
    assert silent is not None and silent["token_source"] == "cache"
    assert silent["access_token"] == first["access_token"]
    assert world.emu.token_requests() == []  # no refresh request (azure-identity's pattern)
