"""An asyncio service whose concurrent requests all need the same token.

Fifty requests arrive at once before any token is cached; the application coalesces their
cache misses into one token request, then answers later requests from its cache::

    python examples/asyncio_service/service.py    # against a local emulator it starts

With ``ENTRA_AUTHORITY``, ``ENTRA_CLIENT_ID``, ``ENTRA_CLIENT_SECRET`` and ``ENTRA_SCOPE``
set, it runs against your tenant instead.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from entraclient.aio import AsyncConfidentialClientApplication

CALLERS = 50


async def handle_request(app: AsyncConfidentialClientApplication, number: int) -> str:
    """One request of the service: it needs a token to call the downstream API."""
    result = await app.acquire_token_for_client([os.environ["ENTRA_SCOPE"]])
    if "error" in result:
        raise RuntimeError(f"request {number}: {result['error']}")
    return str(result["token_source"])


async def serve(callers: int = CALLERS) -> Counter[str]:
    """Run ``callers`` concurrent requests twice; count where their tokens came from."""
    sources: Counter[str] = Counter()
    async with AsyncConfidentialClientApplication(
        os.environ["ENTRA_CLIENT_ID"],
        client_credential=os.environ["ENTRA_CLIENT_SECRET"],
        authority=os.environ["ENTRA_AUTHORITY"],
    ) as app:
        for wave in ("at start-up", "later"):
            answers = await asyncio.gather(*(handle_request(app, n) for n in range(callers)))
            sources.update(answers)
            print(f"{callers} concurrent requests {wave}: {dict(Counter(answers))}")
    return sources


@contextmanager
def local_emulator() -> Iterator[Callable[[], int]]:
    """Start an emulator, expose its sample app's settings, switch the library to it; yield
    a function counting the token requests it received."""
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
        yield lambda: len(emu.token_requests())


def main() -> None:
    if "ENTRA_CLIENT_ID" in os.environ:
        asyncio.run(serve())
        return
    with local_emulator() as token_requests:
        asyncio.run(serve())
        print(f"token requests the identity provider received: {token_requests()}")


if __name__ == "__main__":
    main()
