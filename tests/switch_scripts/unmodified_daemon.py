"""A daemon written for production: no http_client, no emulator in sight.

Run by tests/test_emulator_switch.py with ENTRACLIENT_EMULATOR set; it prints what it got.
"""

from __future__ import annotations

import asyncio
import os

from entraclient import ConfidentialClientApplication, TransportError
from entraclient.aio import AsyncConfidentialClientApplication

CLIENT_ID = os.environ["APP_CLIENT_ID"]
SECRET = os.environ["APP_CLIENT_SECRET"]
AUTHORITY = os.environ["APP_AUTHORITY"]
SCOPES = [os.environ["APP_SCOPE"]]


def sync_token_type() -> str:
    app = ConfidentialClientApplication(CLIENT_ID, client_credential=SECRET, authority=AUTHORITY)
    return str(app.acquire_token_for_client(SCOPES).get("token_type"))


async def async_token_type() -> str:
    app = AsyncConfidentialClientApplication(
        CLIENT_ID, client_credential=SECRET, authority=AUTHORITY
    )
    try:
        return str((await app.acquire_token_for_client(SCOPES)).get("token_type"))
    finally:
        await app.aclose()


def elsewhere() -> str:
    app = ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=SECRET,
        authority="https://login.example.org/tenant",
        instance_discovery=False,
    )
    try:
        app.acquire_token_for_client(SCOPES)
    except TransportError:
        return "refused"
    return "reached"


print(f"sync:{sync_token_type()}")
print(f"async:{asyncio.run(async_token_type())}")
print(f"elsewhere:{elsewhere()}")
