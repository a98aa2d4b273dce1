"""``entraclient decode``: a token's header and claims, explained; ``--verify`` checks it.

``--verify`` fetches the issuer's OpenID configuration and JWKS over the default transport
(so ``ENTRACLIENT_EMULATOR`` routes it to the emulator), checks the signature and the
lifetime, and the audience when ``--audience`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from typing import Any

from entraclient.cli.claim_notes import CLAIM_NOTES, HEADER_NOTES, TIME_CLAIMS
from entraclient.cli.errors import CommandError, ExitCode
from entraclient.cli.jwt_parts import JwtParts, split_jwt

__all__ = ["DESCRIPTION", "NAME", "SUMMARY", "add_arguments", "explain", "in_words", "run"]

NAME = "decode"
SUMMARY = "show a token's header and claims, explained; --verify checks its signature"
DESCRIPTION = (
    "Decode a JWT (an argument, or - for stdin) and explain its claims; times are also given "
    "in words. --verify checks the signature against the issuer's JWKS and the lifetime."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``entraclient decode``."""
    parser.add_argument("token", metavar="TOKEN", help="the token, or - to read it from stdin")
    parser.add_argument(
        "--verify", action="store_true", help="check the signature (issuer's JWKS) and lifetime"
    )
    parser.add_argument("--audience", help="with --verify: the audience the token must have")
    parser.add_argument("--json", action="store_true", help="print header and claims as JSON")


def run(arguments: argparse.Namespace) -> int:
    """Decode, print, and verify if asked."""
    token = (sys.stdin.read() if arguments.token == "-" else arguments.token).strip()
    try:
        parts = split_jwt(token)
    except ValueError as problem:
        raise CommandError(f"not a token: {problem}", ExitCode.NOT_A_TOKEN) from problem
    if arguments.json:
        print(json.dumps({"header": parts.header, "claims": parts.claims}, indent=2))
    else:
        print(explain(parts))
    if arguments.verify:
        from entraclient.cli.verification import verify_token

        verify_token(token, parts, audience=arguments.audience)
        print("signature: valid; lifetime: valid", file=sys.stderr)
    return int(ExitCode.OK)


def explain(parts: JwtParts, now: float | None = None) -> str:
    """The header and claims, one per line, each with a short note."""
    moment = time.time() if now is None else now
    lines = ["Header"]
    lines += [_line(k, v, HEADER_NOTES.get(k, ""), moment) for k, v in parts.header.items()]
    lines += ["", "Claims"]
    lines += [_line(k, v, CLAIM_NOTES.get(k, ""), moment) for k, v in parts.claims.items()]
    return "\n".join(lines)


def _line(name: str, value: Any, note: str, now: float) -> str:
    shown = value if isinstance(value, str) else json.dumps(value)
    if name in TIME_CLAIMS and isinstance(value, int | float):
        note = f"{note}: {in_words(float(value), now)}"
    return f"  {name:<20} {shown}" + (f"    # {note}" if note else "")


def in_words(moment: float, now: float) -> str:
    """``2026-01-01 10:00:00 UTC (in 59 minutes)`` or ``(3 minutes ago)``."""
    stamp = datetime.datetime.fromtimestamp(moment, datetime.timezone.utc)
    delta = moment - now
    span = abs(int(delta))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if span >= size or size == 1:
            count = span // size
            amount = f"{count} {unit}{'' if count == 1 else 's'}"
            break
    relative = f"in {amount}" if delta >= 0 else f"{amount} ago"
    return f"{stamp:%Y-%m-%d %H:%M:%S} UTC ({relative})"
