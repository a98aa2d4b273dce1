"""aio.py: the asyncio façade against the emulator over HTTPS, mirroring the sync tests."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

import entraclient
from entraclient import ConfidentialClientApplication
from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.emulator import Emulator
from entraclient.emulator.async_routing import AsyncRoutingTransport
from entraclient.emulator.faults import TOKEN_ENDPOINT, DelayHeaders

T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run ``scenario`` with warnings (unclosed sockets, unawaited coroutines) as errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        return asyncio.run(scenario())  # type: ignore[arg-type]


def _app(
    emu: Emulator, client: httpx.AsyncClient, **extra: Any
) -> AsyncConfidentialClientApplication:
    sample = emu.sample
    arguments: dict[str, Any] = {
        "client_credential": sample.app.secret,
        "authority": sample.authority,
    }
    arguments.update(extra)
    return AsyncConfidentialClientApplication(sample.app.client_id, http_client=client, **arguments)


@contextlib.asynccontextmanager
async def routed_app(
    emu: Emulator, **extra: Any
) -> AsyncIterator[AsyncConfidentialClientApplication]:
    """An app over a routed httpx client that the test owns (and closes)."""
    async with emu.async_http_client() as client, _app(emu, client, **extra) as app:
        yield app


def test_every_public_method_has_an_async_twin_with_the_same_signature() -> None:
    sync_methods = {
        name: member
        for name, member in inspect.getmembers(ConfidentialClientApplication, inspect.isfunction)
        if not name.startswith("_")
    }
    assert {"acquire_token_for_client", "remove_tokens_for_client"} <= set(sync_methods)
    for name, sync_method in sync_methods.items():
        twin = getattr(AsyncConfidentialClientApplication, name)
        assert inspect.iscoroutinefunction(twin), name
        assert inspect.signature(twin).parameters == inspect.signature(sync_method).parameters, name
    assert inspect.signature(AsyncConfidentialClientApplication.__init__) == inspect.signature(
        ConfidentialClientApplication.__init__
    )


def test_acquire_then_cache_hit(entra_emulator: Emulator) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with routed_app(entra_emulator) as app:
            first = await app.acquire_token_for_client([entra_emulator.sample.scope])
            second = await app.acquire_token_for_client([entra_emulator.sample.scope])
            return [first, second]

    first, second = run(scenario)
    assert first["token_source"] == "identity_provider"
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    assert len(entra_emulator.token_requests()) == 1


def test_errors_come_back_as_dicts_and_bad_arguments_raise(entra_emulator: Emulator) -> None:
    async def scenario() -> dict[str, Any]:
        async with routed_app(entra_emulator, client_credential="wrong") as app:
            with pytest.raises(ValueError, match="single string"):
                await app.acquire_token_for_client("api://x/.default")  # type: ignore[arg-type]
            return await app.acquire_token_for_client([entra_emulator.sample.scope])

    sample = entra_emulator.sample
    result = run(scenario)
    assert result["error"] == "invalid_client"
    assert str(sample.app.secret) not in repr(result)


def test_remove_tokens_for_client(entra_emulator: Emulator) -> None:
    async def scenario() -> str:
        async with routed_app(entra_emulator) as app:
            await app.acquire_token_for_client([entra_emulator.sample.scope])
            await app.remove_tokens_for_client()
            again = await app.acquire_token_for_client([entra_emulator.sample.scope])
            return str(again["token_source"])

    assert run(scenario) == "identity_provider"


def test_the_event_loop_keeps_running_during_a_slow_token_request(entra_emulator: Emulator) -> None:
    entra_emulator.inject(DelayHeaders(0.5), path=TOKEN_ENDPOINT)

    async def scenario() -> tuple[int, dict[str, Any]]:
        ticks = 0
        done = asyncio.Event()

        async def heartbeat() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        beating = asyncio.ensure_future(heartbeat())
        async with routed_app(entra_emulator) as app:
            result = await app.acquire_token_for_client([entra_emulator.sample.scope])
        done.set()
        await beating
        return ticks, result

    ticks, result = run(scenario)
    assert "access_token" in result
    assert ticks >= 10  # the loop ran other tasks throughout the 0.5 s wait


class OverlapCounter(httpx.AsyncBaseTransport):
    """Wraps the routing transport and records how many token POSTs were in flight at once."""

    def __init__(self, inner: AsyncRoutingTransport) -> None:
        self.inner = inner
        self.active = 0
        self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        counted = request.method == "POST"
        self.active += counted
        self.peak = max(self.peak, self.active)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.active -= counted

    async def aclose(self) -> None:
        await self.inner.aclose()


def _counting_client(emu: Emulator) -> tuple[httpx.AsyncClient, OverlapCounter]:
    counter = OverlapCounter(AsyncRoutingTransport(emu.router(), emu.ca_path))
    return httpx.AsyncClient(transport=counter, trust_env=False), counter


def test_200_concurrent_callers_for_one_missing_token_send_one_request(
    entra_emulator: Emulator,
) -> None:
    entra_emulator.inject(DelayHeaders(0.3), path=TOKEN_ENDPOINT)

    async def scenario() -> list[dict[str, Any]]:
        client, _ = _counting_client(entra_emulator)
        async with client, _app(entra_emulator, client) as app:
            calls = [
                app.acquire_token_for_client([entra_emulator.sample.scope]) for _ in range(200)
            ]
            return list(await asyncio.gather(*calls))

    results = run(scenario)
    assert len(entra_emulator.token_requests()) == 1
    assert len({r["access_token"] for r in results}) == 1


def test_200_callers_for_200_tokens_send_200_overlapping_requests(entra_emulator: Emulator) -> None:
    entra_emulator.inject(DelayHeaders(0.3), path=TOKEN_ENDPOINT, times=None)
    scope = entra_emulator.sample.scope

    async def scenario() -> tuple[list[dict[str, Any]], int]:
        client, counter = _counting_client(entra_emulator)
        async with client, _app(entra_emulator, client) as app:
            calls = [app.acquire_token_for_client([scope], fmi_path=f"t/{i}") for i in range(200)]
            return list(await asyncio.gather(*calls)), counter.peak

    results, peak = run(scenario)
    assert all("access_token" in r for r in results)
    assert len(entra_emulator.token_requests()) == 200
    assert peak > 100  # in flight together, not one after another


def test_a_cancelled_caller_does_not_cancel_the_shared_request(entra_emulator: Emulator) -> None:
    entra_emulator.inject(DelayHeaders(0.3), path=TOKEN_ENDPOINT)

    async def scenario() -> list[dict[str, Any]]:
        async with routed_app(entra_emulator) as app:
            scope = [entra_emulator.sample.scope]
            first = asyncio.ensure_future(app.acquire_token_for_client(scope))
            await asyncio.sleep(0.1)  # the first caller's request is in flight
            others = [asyncio.ensure_future(app.acquire_token_for_client(scope)) for _ in range(5)]
            await asyncio.sleep(0.05)
            first.cancel()
            results = list(await asyncio.gather(*others))
            with pytest.raises(asyncio.CancelledError):
                await first
            return results

    results = run(scenario)
    assert all(r["token_source"] == "identity_provider" for r in results)
    assert len(entra_emulator.token_requests()) == 1


def test_a_timeout_around_a_call_works_and_the_next_call_succeeds(entra_emulator: Emulator) -> None:
    entra_emulator.inject(DelayHeaders(1.0), path=TOKEN_ENDPOINT)

    async def scenario() -> dict[str, Any]:
        async with routed_app(entra_emulator) as app:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(
                    app.acquire_token_for_client([entra_emulator.sample.scope]), 0.2
                )
            await asyncio.sleep(1.0)  # the abandoned request lands in the meantime
            return await app.acquire_token_for_client([entra_emulator.sample.scope])

    result = run(scenario)
    assert "access_token" in result


def test_the_context_manager_closes_its_own_client_but_not_yours(entra_emulator: Emulator) -> None:
    async def scenario() -> tuple[bool, bool]:
        mine = entra_emulator.async_http_client()
        async with _app(entra_emulator, mine) as app:
            await app.acquire_token_for_client([entra_emulator.sample.scope])
        yours_open = not mine.is_closed
        await mine.aclose()
        owned = AsyncConfidentialClientApplication(
            "cid", client_credential="s", authority="https://login.microsoftonline.com/t"
        )
        async with owned:
            pass
        owned_client = owned.http_client
        assert isinstance(owned_client, httpx.AsyncClient)
        return yours_open, owned_client.is_closed

    yours_open, owned_closed = run(scenario)
    assert yours_open
    assert owned_closed


def test_a_sync_http_client_is_refused() -> None:
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        AsyncConfidentialClientApplication(
            "cid", client_credential="s", authority="https://login.microsoftonline.com/t",
            http_client=object(),
        )  # fmt: skip


def test_importing_the_sync_api_does_not_need_httpx() -> None:
    import subprocess
    import sys

    code = "import sys, entraclient; assert 'httpx' not in sys.modules, 'httpx imported'"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert entraclient.__name__ == "entraclient"
