"""The emulator as a development server: ``entraclient emulator`` and
``python -m entraclient.emulator``.

It registers what a config file lists (so ids and secrets stay the same across restarts),
prints a banner (or, with ``--json``, one JSON object) saying how to point requests- and
httpx-based code at it, and serves until Ctrl-C or SIGTERM, after which the CA folder (and
the copy of the CA certificate made for ``ca_file``) is gone.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from entraclient.emulator.config_file import ConfigError, EmulatorConfig, Registered
from entraclient.emulator.emulator import Emulator
from entraclient.emulator.hosts import LOOPBACK_HOSTS
from entraclient.emulator_switch import EmulatorSwitch

__all__ = ["add_arguments", "describe", "describe_json", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The standalone emulator's options, on ``parser``."""
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="TOML or JSON: tenants, apps, APIs, users"
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument(
        "--port", type=int, default=None, help="TCP port (default: the config's, else any free)"
    )
    parser.add_argument(
        "--ca-file", type=Path, metavar="PATH", help="also write the CA certificate here"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the banner"
    )
    parser.add_argument(
        "--exit-after", type=float, default=None, metavar="SECONDS", help="stop after SECONDS"
    )


def run(arguments: argparse.Namespace) -> int:
    """Start, describe, serve until stopped; returns the exit status.

    Raises:
        ConfigError: the config file is unusable (the caller prints it in one line).
    """
    from entraclient.emulator.config_file import apply_config, load_config

    if arguments.host not in LOOPBACK_HOSTS:
        raise ConfigError(
            f"--host must be a loopback address ({', '.join(sorted(LOOPBACK_HOSTS))})"
        )
    config = load_config(arguments.config) if arguments.config else None
    port = arguments.port if arguments.port is not None else (config.port if config else None)
    ca_file = arguments.ca_file or (config.ca_file if config else None)
    emulator = Emulator(host=arguments.host, port=port or 0)
    try:
        emulator.start()
    except OSError as exc:
        where = f"{arguments.host}:{port or 0}"
        raise ConfigError(
            f"cannot listen on {where}: {exc.strerror}; choose another --port"
        ) from exc
    with _stop_on_signals() as stop, closing(emulator):
        registered = apply_config(emulator, config) if config else Registered()
        with _ca_copy(emulator, ca_file) as ca_path:
            if arguments.json:
                print(json.dumps(describe_json(emulator, registered, ca_path)))  # one line
            else:
                print(describe(emulator, registered, ca_path, config))
            sys.stdout.flush()
            stop.wait(arguments.exit_after)
    print("entraclient emulator stopped", file=sys.stderr)
    return 0


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (the previous handlers after)."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@contextmanager
def _ca_copy(emulator: Emulator, ca_file: Path | None) -> Iterator[Path]:
    """The CA path to advertise: a copy at ``ca_file`` (removed afterwards) if one is asked."""
    if ca_file is None:
        yield emulator.ca_path
        return
    ca_file.parent.mkdir(parents=True, exist_ok=True)
    ca_file.write_bytes(emulator.ca_path.read_bytes())  # a public certificate, no key
    try:
        yield ca_file.resolve()
    finally:
        ca_file.unlink(missing_ok=True)


def _switch(emulator: Emulator, ca_path: Path, registered: Registered) -> EmulatorSwitch:
    return EmulatorSwitch((emulator.host, emulator.port), ca_path, tuple(registered.hosts))


def describe(
    emulator: Emulator,
    registered: Registered,
    ca_path: Path,
    config: EmulatorConfig | None = None,
) -> str:
    """The banner: address, CA, sample and configured apps, and how to point clients at it."""
    sample = emulator.sample
    switch = _switch(emulator, ca_path, registered).environment()
    lines = [
        f"entraclient emulator listening on {emulator.base_url}",
        f"CA certificate: {ca_path}",
        f"Sample tenant: {sample.tenant.id} ({sample.tenant.domain})",
        f"Sample client id: {sample.app.client_id}",
        f"Sample client secret: {sample.app.secret}",
        f"Sample scope: {sample.scope}",
    ]
    if config is not None:
        lines.append(f"Config: {config.source}")
        lines.extend(
            f"  app {app.client_id} ({app.display_name}) in {app.tenant_id}"
            for app in registered.apps.values()
        )
    lines += [
        "",
        "Unmodified entraclient apps, sync (requests) and async (httpx), reach it with real",
        "authority URLs (https://login.microsoftonline.com/<tenant>); other hosts are refused:",
        *(f"  export {name}={value}" for name, value in switch.items()),
        "",
        f"Other clients: use {emulator.base_url}/<tenant> as the authority,",
        "instance_discovery=False, and trust the CA:",
        f"  requests: export REQUESTS_CA_BUNDLE={ca_path}",
        f"  httpx:    export SSL_CERT_FILE={ca_path}",
        "",
        "Press Ctrl-C (or send SIGTERM) to stop.",
    ]
    return "\n".join(lines)


def describe_json(emulator: Emulator, registered: Registered, ca_path: Path) -> dict[str, Any]:
    """What ``--json`` prints: address, CA, the switch's variables and what is registered."""
    sample = emulator.sample
    return {
        "base_url": emulator.base_url,
        "host": emulator.host,
        "port": emulator.port,
        "ca_path": str(ca_path),
        "environment": _switch(emulator, ca_path, registered).environment(),
        "hosts": list(registered.hosts),
        "sample": {
            "tenant_id": sample.tenant.id,
            "domain": sample.tenant.domain,
            "client_id": sample.app.client_id,
            "client_secret": sample.app.secret,
            "scope": sample.scope,
            "authority": sample.authority,
        },
        "tenants": [{"id": t.id, "domains": list(t.domains)} for t in registered.tenants.values()],
        "apis": [
            {"app_id": a.app_id, "app_id_uri": a.app_id_uri, "roles": list(a.roles)}
            for a in registered.apis.values()
        ],
        "apps": [
            {
                "client_id": a.client_id,
                "tenant_id": a.tenant_id,
                "name": a.display_name,
                "secret": a.secret,
            }
            for a in registered.apps.values()
        ],
        "users": [
            {"username": u.username, "object_id": u.object_id, "tenant_id": u.tenant_id}
            for u in registered.users.values()
        ],
    }
