"""``python -m entraclient.emulator``: the standalone emulator (as ``entraclient emulator``).

Prints where it listens, the CA file to trust, the sample app and how to point requests- and
httpx-based code at it; serves until Ctrl-C or SIGTERM. ``--config FILE`` registers stable
tenants, apps, secrets, certificates, APIs and users; ``--json`` prints all that as JSON.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from entraclient.emulator.config_file import ConfigError
from entraclient.emulator.standalone import add_arguments, describe, run

__all__ = ["describe", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator; returns the process exit status (2: bad arguments or config)."""
    parser = argparse.ArgumentParser(
        prog="python -m entraclient.emulator",
        description="Run a local, HTTPS, Entra-compatible token service on loopback.",
    )
    add_arguments(parser)
    arguments = parser.parse_args(argv)
    try:
        return run(arguments)
    except ConfigError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
