"""``python -m entraclient.emulator``: run the emulator until Ctrl-C.

Prints where it listens, the CA file to trust, the sample app, and how to point a client
at it.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from entraclient.emulator.emulator import Emulator
from entraclient.emulator.hosts import LOOPBACK_HOSTS

__all__ = ["main"]


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m entraclient.emulator",
        description="Run a local, HTTPS, Entra-compatible token service on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free one)")
    parser.add_argument(
        "--exit-after", type=float, default=None, metavar="SECONDS", help="stop after SECONDS"
    )
    arguments = parser.parse_args(argv)
    if arguments.host not in LOOPBACK_HOSTS:
        parser.error(f"--host must be a loopback address ({', '.join(sorted(LOOPBACK_HOSTS))})")
    return arguments


def describe(emulator: Emulator) -> str:
    """The banner: address, CA file, sample app and a usage example."""
    sample = emulator.sample
    authority = f"{emulator.base_url}/{sample.tenant.id}"
    return "\n".join(
        [
            f"entraclient emulator listening on {emulator.base_url}",
            f"CA certificate: {emulator.ca_path}",
            f"Sample tenant: {sample.tenant.id} ({sample.tenant.domain})",
            f"Sample client id: {sample.app.client_id}",
            f"Sample client secret: {sample.app.secret}",
            f"Sample scope: {sample.scope}",
            "",
            "Point a client at it (trust the CA, skip instance discovery):",
            f"  export REQUESTS_CA_BUNDLE={emulator.ca_path}",
            "  app = entraclient.ConfidentialClientApplication(",
            f'      "{sample.app.client_id}", client_credential="<the secret above>",',
            f'      authority="{authority}", instance_discovery=False)',
            f'  app.acquire_token_for_client(["{sample.scope}"])',
            "",
            "Press Ctrl-C to stop.",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator; returns the process exit status."""
    arguments = _arguments(argv)
    with Emulator(host=arguments.host, port=arguments.port) as emulator:
        print(describe(emulator), flush=True)
        try:
            threading.Event().wait(arguments.exit_after)
        except KeyboardInterrupt:
            print("stopping", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
