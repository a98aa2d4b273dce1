"""The ``entraclient`` entry point: parse, dispatch to a subcommand, map failures to exit codes.

Every failure is printed as one line on stderr; tracebacks only with ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence

from entraclient.cli import decode_command, emulator_command, token_command
from entraclient.cli.errors import CommandError, ExitCode

__all__ = ["build_parser", "main"]

EXIT_CODES = """exit codes:
  0   success
  1   the identity provider refused (AADSTS error), or decode --verify rejected the token
  2   usage: bad arguments, missing or unreadable secret, certificate or config file
  3   no answer: network, TLS or the identity provider unreachable
  4   decode: the input is not a JWT
  70  unexpected error (rerun with --debug for the traceback)
"""

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``entraclient`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="entraclient",
        description="Tokens from Microsoft Entra ID (or the local emulator), and what is in them.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="print tracebacks of failures")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (token_command, decode_command, emulator_command):
        sub = commands.add_parser(
            module.NAME,
            help=module.SUMMARY,
            description=module.DESCRIPTION,
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument(  # SUPPRESS: `entraclient --debug token` keeps the parent's value
            "--debug", action="store_true", default=argparse.SUPPRESS, help="print tracebacks"
        )
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``entraclient`` with ``argv`` (default: the process's); returns the exit status."""
    arguments = build_parser().parse_args(argv)
    handler: Handler = arguments.handler
    try:
        return handler(arguments)
    except CommandError as failure:
        _report(arguments, str(failure))
        return int(failure.code)
    except KeyboardInterrupt:
        return 130
    except Exception as unexpected:  # the last resort: one line, the traceback on request
        _report(arguments, f"unexpected {type(unexpected).__name__}: {unexpected}")
        return int(ExitCode.INTERNAL)


def _report(arguments: argparse.Namespace, message: str) -> None:
    if arguments.debug:
        traceback.print_exc()
    print(f"error: {message}", file=sys.stderr)
