"""http_cache end to end: shared between applications, pickled by the seed's CLI recipe,
never holding a token, and never trusting what it did not write."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator
from tests.emulator.support import Daemon


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


@pytest.fixture
def instance(entra_emulator: Emulator) -> str:
    """A host that needs validation, so a first application makes two discovery GETs."""
    host = f"login.{uuid.uuid4().hex[:8]}.test"
    entra_emulator.add_instance(host)
    return host


def _app(
    emu: Emulator, daemon: Daemon, host: str, http_cache: Any
) -> ConfidentialClientApplication:
    return ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential=daemon.app.secret,
        authority=f"https://{host}/{daemon.tenant.domain}",
        http_client=emu.http_client(),
        http_cache=http_cache,
    )


def _acquire(app: ConfidentialClientApplication, daemon: Daemon) -> dict[str, Any]:
    result = app.acquire_token_for_client([daemon.api.default_scope])
    assert result.get("token_source") == "identity_provider", result
    return result


def test_a_second_application_makes_no_discovery_request(
    entra_emulator: Emulator, daemon: Daemon, instance: str
) -> None:
    http_cache: dict[str, Any] = {}
    _acquire(_app(entra_emulator, daemon, instance, http_cache), daemon)
    assert [r.method for r in entra_emulator.requests] == ["GET", "GET", "POST"]
    entra_emulator.clear_log()
    _acquire(_app(entra_emulator, daemon, instance, http_cache), daemon)
    assert [(r.method, r.host) for r in entra_emulator.requests] == [("POST", instance)]


def test_without_a_shared_http_cache_each_application_discovers(
    entra_emulator: Emulator, daemon: Daemon, instance: str
) -> None:
    _acquire(_app(entra_emulator, daemon, instance, None), daemon)
    _acquire(_app(entra_emulator, daemon, instance, None), daemon)
    assert [r.method for r in entra_emulator.requests] == ["GET", "GET", "POST"] * 2


def test_it_holds_no_token_and_no_secret_and_survives_pickle(
    entra_emulator: Emulator, daemon: Daemon, instance: str
) -> None:
    http_cache: dict[str, Any] = {}
    result = _acquire(_app(entra_emulator, daemon, instance, http_cache), daemon)
    dumped = pickle.dumps(http_cache)
    assert result["access_token"].encode() not in dumped
    assert str(daemon.app.secret).encode() not in dumped
    assert b"entraclient." not in dumped.replace(
        b"entraclient.http_cache.v1", b""
    )  # no class of ours
    entra_emulator.clear_log()
    _acquire(_app(entra_emulator, daemon, instance, pickle.loads(dumped)), daemon)
    assert [r.method for r in entra_emulator.requests] == ["POST"]


def test_error_answers_are_not_kept(entra_emulator: Emulator, daemon: Daemon) -> None:
    http_cache: dict[str, Any] = {}
    for _ in range(2):
        app = ConfidentialClientApplication(
            daemon.app.client_id, client_credential="s",
            authority="https://login.microsoftonline.com/no-such-tenant.example",
            http_client=entra_emulator.http_client(), http_cache=http_cache,
        )  # fmt: skip
        assert app.acquire_token_for_client([daemon.api.default_scope])["error"] == "invalid_tenant"
    assert len(entra_emulator.requests) == 2
    assert http_cache == {}


def test_tampered_values_are_ignored_and_rewritten(
    entra_emulator: Emulator, daemon: Daemon, instance: str
) -> None:
    http_cache: dict[str, Any] = {}
    _acquire(_app(entra_emulator, daemon, instance, http_cache), daemon)
    keys = list(http_cache)
    http_cache[keys[0]] = "garbage"
    tag, expires_at, status, text, headers = http_cache[keys[1]]
    forged = text.replace(daemon.tenant.id, "attacker-tenant")
    http_cache[keys[1]] = (tag, expires_at + 10 * 86400, status, forged, headers)
    entra_emulator.clear_log()
    _acquire(_app(entra_emulator, daemon, instance, http_cache), daemon)
    assert [r.method for r in entra_emulator.requests] == ["GET", "GET", "POST"]
    assert "attacker-tenant" not in json.dumps([v[3] for v in http_cache.values()])


def test_a_dict_like_that_is_not_a_dict_works(
    entra_emulator: Emulator, daemon: Daemon, instance: str
) -> None:
    import shelve

    with shelve.open(
        str(Path(os.environ.get("TMPDIR", "/tmp")) / f"shelf-{uuid.uuid4().hex}")
    ) as shelf:
        _acquire(_app(entra_emulator, daemon, instance, shelf), daemon)
        entra_emulator.clear_log()
        _acquire(_app(entra_emulator, daemon, instance, shelf), daemon)
    assert [r.method for r in entra_emulator.requests] == ["POST"]


# The CLI recipe from the seed, verbatim. (The seed's recipe writes to `http_cache_file`
# while defining `http_cache_filename`; the script below defines that one missing name
# after the recipe rather than editing it.)
SEED_RECIPE = """
import sys, atexit, pickle
http_cache_filename = sys.argv[0] + ".http_cache"
try:
    with open(http_cache_filename, "rb") as f:
        persisted_http_cache = pickle.load(f)  # Take a snapshot
except (
        FileNotFoundError,  # Or IOError in Python 2
        pickle.UnpicklingError,  # A corrupted http cache file
        ):
    persisted_http_cache = {}  # Recover by starting afresh
atexit.register(lambda: pickle.dump(
    # When exit, flush it back to the file.
    # It may occasionally overwrite another process's concurrent write,
    # but that is fine. Subsequent runs will reach eventual consistency.
    persisted_http_cache, open(http_cache_file, "wb")))
"""

CLI_BODY = textwrap.dedent(
    """
    http_cache_file = http_cache_filename

    import json, os
    from entraclient import ConfidentialClientApplication
    from entraclient.emulator.hosts import HostSet
    from entraclient.emulator.routing import HostRouter, RoutingAdapter, routed_session

    settings = json.loads(os.environ["CLI_SETTINGS"])
    hosts = HostSet()
    hosts.add(settings["instance"])
    router = HostRouter(("127.0.0.1", settings["port"]), hosts)
    app = ConfidentialClientApplication(
        settings["client_id"],
        client_credential=settings["secret"],
        authority=settings["authority"],
        http_client=routed_session(RoutingAdapter(router, settings["ca"])),
        http_cache=persisted_http_cache,
    )
    result = app.acquire_token_for_client([settings["scope"]])
    print(json.dumps({"token": "access_token" in result, "error": result.get("error")}))
    """
)


def test_the_seed_recipe_persists_it_across_cli_runs(
    entra_emulator: Emulator, daemon: Daemon, instance: str, tmp_path: Path
) -> None:
    script = tmp_path / "cli.py"
    script.write_text(SEED_RECIPE + CLI_BODY)
    settings = {
        "instance": instance,
        "port": entra_emulator.port,
        "ca": str(entra_emulator.ca_path),
        "client_id": daemon.app.client_id,
        "secret": daemon.app.secret,
        "authority": f"https://{instance}/{daemon.tenant.domain}",
        "scope": daemon.api.default_scope,
    }
    environment = {**os.environ, "CLI_SETTINGS": json.dumps(settings)}

    def run() -> list[str]:
        entra_emulator.clear_log()
        done = subprocess.run(
            [sys.executable, str(script)], env=environment, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert json.loads(done.stdout) == {"token": True, "error": None}
        return [r.method for r in entra_emulator.requests]

    assert run() == ["GET", "GET", "POST"]
    assert (tmp_path / "cli.py.http_cache").exists()
    assert run() == ["POST"]  # discovery came from the pickled http_cache
    (tmp_path / "cli.py.http_cache").write_bytes(b"not a pickle")
    assert run() == ["GET", "GET", "POST"]  # a corrupt file: the recipe starts afresh
