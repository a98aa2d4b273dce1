"""A daemon: an app-only token with a client secret, then the same token from the cache.

Run it from anywhere::

    python examples/daemon/daemon.py              # against a local emulator it starts
    ENTRA_AUTHORITY=https://login.microsoftonline.com/<tenant> ENTRA_CLIENT_ID=... \\
    ENTRA_CLIENT_SECRET=... ENTRA_SCOPE=api://<api>/.default python examples/daemon/daemon.py

The application code (:func:`run`) is what you would deploy: it reads its settings from the
environment and has no test hooks. Without settings, :func:`main` starts the emulator and
points the library at it with the environment switch (``ENTRACLIENT_EMULATOR``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import jwt

from entraclient import ConfidentialClientApplication


def run() -> None:
    """Acquire a token twice and say where each came from and what it grants."""
    app = ConfidentialClientApplication(
        os.environ["ENTRA_CLIENT_ID"],
        client_credential=os.environ["ENTRA_CLIENT_SECRET"],
        authority=os.environ["ENTRA_AUTHORITY"],
    )
    scope = os.environ["ENTRA_SCOPE"]
    for attempt in (1, 2):
        result = app.acquire_token_for_client(scopes=[scope])
        if "error" in result:
            raise SystemExit(f"{result['error']}: {result.get('error_description')}")
        claims = jwt.decode(result["access_token"], options={"verify_signature": False})
        print(
            f"call {attempt}: token from {result['token_source']}, "
            f"aud={claims.get('aud')} roles={claims.get('roles')} expires_in={result['expires_in']}"
        )


@contextmanager
def local_emulator() -> Iterator[None]:
    """Start an emulator, expose its sample daemon's settings, and switch the library to it."""
    from entraclient.emulator import Emulator
    from entraclient.emulator_switch import EmulatorSwitch

    with Emulator() as emu:
        sample = emu.sample
        os.environ.update(
            EmulatorSwitch((emu.host, emu.port), emu.ca_path).environment(),
            ENTRA_AUTHORITY=sample.authority,
            ENTRA_CLIENT_ID=sample.app.client_id,
            ENTRA_CLIENT_SECRET=sample.app.secret or "",
            ENTRA_SCOPE=sample.scope,
        )
        print(f"local emulator at {emu.base_url} (tenant {sample.tenant.domain})")
        yield


def main() -> None:
    if "ENTRA_CLIENT_ID" in os.environ:
        run()
    else:
        with local_emulator():
            run()


if __name__ == "__main__":
    main()
