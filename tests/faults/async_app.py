"""The fault suite's app over the async façade: the same stages, awaited on a private loop.

:func:`new_async_app` builds an :class:`AsyncConfidentialClientApplication` whose transport
is the default :class:`HttpxTransport` over the emulator's routed ``httpx`` client, with the
suite's timeout, and hands it back behind :class:`SyncOverAsync`, so every stage and check of
the sync suite runs unchanged against the async façade.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, cast

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.cache.serializable import SerializableTokenCache
from entraclient.http.async_transport import AsyncTransport, HttpxTransport
from tests.faults.flows import SUITE_TIMEOUT, SuiteApp, SuiteWorld
from tests.flows.scripted import FakeClock


class AsyncSuiteApp(AsyncConfidentialClientApplication):
    """The async application over the suite's emulator, reading the test clock."""

    pending_sign_in: tuple[dict[str, Any], dict[str, str]] | None = None

    def __init__(self, *args: Any, clock: FakeClock, world: SuiteWorld, **kwargs: Any) -> None:
        self.test_clock = clock
        self.suite_world = world
        super().__init__(*args, **kwargs)

    def _now(self) -> float:
        return self.test_clock()

    def _base_transport(self, http_client: Any) -> AsyncTransport:
        self.suite_client = client = self.suite_world.emu.async_http_client()
        self._owns_http_client = False
        self.http_client = client
        return HttpxTransport(client=client, timeout=SUITE_TIMEOUT)


class SyncOverAsync:
    """Calls an async application's coroutine methods to completion on its own loop."""

    def __init__(self, app: AsyncSuiteApp) -> None:
        object.__setattr__(self, "_app", app)
        object.__setattr__(self, "_loop", asyncio.new_event_loop())

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._app, name)
        if not inspect.iscoroutinefunction(value):
            return value

        def run(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(value(*args, **kwargs))

        return run

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._app, name, value)

    def close(self) -> None:
        """Close the application and its routed client (the app does not own it), then the loop."""
        self._loop.run_until_complete(self._app.aclose())
        self._loop.run_until_complete(self._app.suite_client.aclose())
        self._loop.close()


OPEN: list[SyncOverAsync] = []


def new_async_app(world: SuiteWorld, authority: str, clock: FakeClock) -> SuiteApp:
    """The async façade behind a sync face, as :func:`tests.faults.flows.new_app` builds."""
    app = AsyncSuiteApp(
        world.app.client_id,
        client_credential=world.app.secret,
        authority=authority,
        clock=clock,
        world=world,
        token_cache=SerializableTokenCache(),
        http_cache={},
        enable_pii_log=True,
    )
    facade = SyncOverAsync(app)
    OPEN.append(facade)
    return cast(SuiteApp, facade)
