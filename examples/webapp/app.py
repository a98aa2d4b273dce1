"""The web app, served for a person to open in a browser::

    python examples/webapp/app.py              # from any directory; Ctrl-C stops it
    python examples/webapp/app.py --port 0     # any free port

It starts a local emulator, registers the web app, the Orders API, a downstream API and a
user (Alice), and serves the web app and the API on loopback. Open the address it prints,
press *Sign in*: the browser goes to the emulator's authorize page (over HTTPS, with a
certificate from the emulator's own CA, which your browser asks you to accept once), comes
back signed in, and *My orders* shows what the Orders API answered after calling the
inventory API on Alice's behalf.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from any directory

from entraclient.emulator import Emulator
from examples.webapp.deployment import deploy


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # leave through the same clean-up as Ctrl-C


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The sample web app, against an emulator.")
    parser.add_argument("--port", type=int, default=8400, help="the web app's port (0: any)")
    arguments = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with Emulator(host="localhost") as emu:
        sample = deploy(
            emu,
            authority_host=f"localhost:{emu.port}",
            web_port=arguments.port,
            response_mode="query",  # served over plain http: see WebAppSettings
        )
        try:
            print(f"web app: {sample.web_url}/", flush=True)
            print(f"sign in as {sample.user.username}; the sign-in page is the emulator's at")
            print(f"https://localhost:{emu.port}/ (its CA certificate: {emu.ca_path})")
            print("Ctrl-C to stop", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
        finally:
            sample.stop()


if __name__ == "__main__":
    main()
