"""``entraclient emulator``: the standalone emulator (as ``python -m entraclient.emulator``)."""

from __future__ import annotations

import argparse

from entraclient.cli.errors import CommandError, ExitCode

__all__ = ["DESCRIPTION", "NAME", "SUMMARY", "add_arguments", "run"]

NAME = "emulator"
SUMMARY = "run the local Entra emulator (HTTPS on loopback) until Ctrl-C or SIGTERM"
DESCRIPTION = (
    "Run a local, HTTPS, Entra-compatible token service on loopback. --config registers "
    "stable tenants, apps, secrets, certificates, APIs and users from a TOML or JSON file; "
    "--json prints the address, CA path and all registrations as JSON. Needs the 'emulator' "
    "extra: pip install 'entraclient[emulator]'."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options."""
    from entraclient.emulator.standalone import add_arguments as emulator_arguments

    emulator_arguments(parser)


def run(arguments: argparse.Namespace) -> int:
    """Serve until stopped."""
    from entraclient.emulator.config_file import ConfigError
    from entraclient.emulator.standalone import run as serve

    try:
        return serve(arguments)
    except ConfigError as problem:
        raise CommandError(str(problem), ExitCode.USAGE) from problem
    except ImportError as missing:
        raise CommandError(str(missing), ExitCode.USAGE) from missing
