"""``entraclient token``: an app token (client credentials), printed for scripts.

The output formats follow ``az account get-access-token`` (``accessToken``, ``expiresOn``,
``expires_on``, ``tokenType``, ``tenant``) so scripts can switch; ``raw`` prints the token
alone, ``header`` an ``Authorization`` header line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path
from typing import Any

from entraclient.cli import credentials_input
from entraclient.cli.cache_file import open_cache
from entraclient.cli.errors import CommandError, ExitCode
from entraclient.cli.failures import describe_error_result, describe_transport_failure
from entraclient.errors import TransportError

__all__ = ["DESCRIPTION", "NAME", "SUMMARY", "add_arguments", "format_token", "run"]

NAME = "token"
SUMMARY = "acquire an app token (client credentials) and print it"
DESCRIPTION = (
    "Acquire an app token with a client secret or certificate. The secret is read from an "
    "environment variable, a file or stdin, never from an argument. Set ENTRACLIENT_EMULATOR "
    "and ENTRACLIENT_EMULATOR_CA to get it from the local emulator instead of Entra."
)

PUBLIC_CLOUD = "https://login.microsoftonline.com"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``entraclient token``."""
    parser.add_argument("--client-id", required=True, help="the app's client (application) id")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--tenant", help=f"tenant id or domain (authority {PUBLIC_CLOUD}/TENANT)")
    where.add_argument("--authority", help="the full authority URL")
    parser.add_argument(
        "--scope",
        action="append",
        required=True,
        help="a scope, such as api://my-api/.default (repeat for several)",
    )
    credentials_input.add_arguments(parser)
    parser.add_argument(
        "--output",
        choices=("json", "raw", "header"),
        default="json",
        help="json (the fields az account get-access-token prints), raw token, or header line",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="keep tokens in this directory between runs (the file store; files of mode 0600)",
    )
    parser.add_argument(
        "--cache-key-env",
        metavar="VAR",
        help="encrypt the --cache files with the base64 key in this environment variable",
    )
    parser.add_argument(
        "--no-instance-discovery",
        action="store_true",
        help="skip instance discovery (for authorities that are not Entra hosts)",
    )


def run(arguments: argparse.Namespace) -> int:
    """Acquire the token and print it."""
    from entraclient import ConfidentialClientApplication

    authority = arguments.authority or f"{PUBLIC_CLOUD}/{arguments.tenant}"
    cache = open_cache(arguments.cache, arguments.cache_key_env) if arguments.cache else None
    try:
        app = ConfidentialClientApplication(
            arguments.client_id,
            client_credential=credentials_input.client_credential(arguments),
            authority=authority,
            token_cache=cache,
            instance_discovery=False if arguments.no_instance_discovery else None,
        )
    except (ValueError, TypeError) as misuse:
        raise CommandError(str(misuse), ExitCode.USAGE) from misuse
    try:
        result = app.acquire_token_for_client(arguments.scope)
    except TransportError as failure:
        raise CommandError(describe_transport_failure(failure), ExitCode.UNREACHABLE) from failure
    if "access_token" not in result:
        raise CommandError(describe_error_result(result), ExitCode.REFUSED)
    print(format_token(result, arguments.output, _tenant_of(authority)))
    _note_emulator()
    return int(ExitCode.OK)


def _note_emulator() -> None:
    """Say on stderr when the token came from the emulator, so nobody mistakes it."""
    from entraclient.emulator_switch import ADDRESS_VARIABLE, switch_from_environment

    switch = switch_from_environment()
    if switch is not None:
        host, port = switch.address
        print(
            f"note: {ADDRESS_VARIABLE} is set: a token from the emulator at {host}:{port}",
            file=sys.stderr,
        )


def format_token(result: dict[str, Any], output: str, tenant: str, now: float | None = None) -> str:
    """``result`` (an MSAL token result) as ``output``: ``json``, ``raw`` or ``header``."""
    token = str(result["access_token"])
    if output == "raw":
        return token
    token_type = str(result.get("token_type") or "Bearer")
    if output == "header":
        return f"Authorization: {token_type} {token}"
    expires_on = int((time.time() if now is None else now) + int(result.get("expires_in", 0)))
    local = datetime.datetime.fromtimestamp(expires_on)
    document = {
        "accessToken": token,
        "expiresOn": local.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "expires_on": expires_on,
        "tokenType": token_type,
        "tenant": _claim(token, "tid") or tenant,
    }
    return json.dumps(document, indent=2)


def _tenant_of(authority: str) -> str:
    path = authority.split("://", 1)[-1].split("/")
    return path[1] if len(path) > 1 else ""


def _claim(token: str, name: str) -> str | None:
    from entraclient.cli.jwt_parts import split_jwt

    try:
        value = split_jwt(token).claims.get(name)
    except ValueError:
        return None
    return value if isinstance(value, str) else None
