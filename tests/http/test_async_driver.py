"""http/async_driver.py: the same flows, awaited; coalescing; cancellation stays local."""

from __future__ import annotations

import asyncio

import pytest

from entraclient.errors import TransportError
from entraclient.http.async_driver import AsyncDriver
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest, HttpResponse


class GatedAsyncTransport:
    def __init__(self, *, fail: bool = False) -> None:
        self.gate = asyncio.Event()
        self.sent: list[HttpRequest] = []
        self.fail = fail

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        await self.gate.wait()
        if self.fail:
            raise TransportError("reset")
        return HttpResponse.build(200, f"answer to {request.form_value('n')}")

    async def aclose(self) -> None:
        return None


def _token_flow(n: str) -> Flow[str]:
    response = yield HttpRequest(
        "POST", "https://login.microsoftonline.com/t/token", form=(("n", n),)
    )
    return response.text


async def _gather(
    driver: AsyncDriver, transport: GatedAsyncTransport, names: list[str]
) -> list[object]:
    tasks = [asyncio.ensure_future(driver.run(_token_flow(n))) for n in names]
    await asyncio.sleep(0.01)
    transport.gate.set()
    return list(await asyncio.gather(*tasks, return_exceptions=True))


def test_200_callers_for_one_request_send_it_once() -> None:
    async def scenario() -> None:
        transport = GatedAsyncTransport()
        outcomes = await _gather(AsyncDriver(transport), transport, ["same"] * 200)
        assert len(transport.sent) == 1
        assert outcomes == ["answer to same"] * 200

    asyncio.run(scenario())


def test_different_requests_overlap() -> None:
    async def scenario() -> None:
        transport = GatedAsyncTransport()
        names = [str(i) for i in range(200)]
        outcomes = await _gather(AsyncDriver(transport), transport, names)
        assert len(transport.sent) == 200
        assert outcomes == [f"answer to {n}" for n in names]

    asyncio.run(scenario())


def test_a_cancelled_caller_does_not_cancel_the_shared_request() -> None:
    async def scenario() -> None:
        transport = GatedAsyncTransport()
        driver = AsyncDriver(transport)
        first = asyncio.ensure_future(driver.run(_token_flow("same")))
        others = [asyncio.ensure_future(driver.run(_token_flow("same"))) for _ in range(5)]
        await asyncio.sleep(0.01)
        first.cancel()
        await asyncio.sleep(0)
        transport.gate.set()
        assert await asyncio.gather(*others) == ["answer to same"] * 5
        with pytest.raises(asyncio.CancelledError):
            await first
        assert len(transport.sent) == 1

    asyncio.run(scenario())


def test_a_timeout_around_a_call_works_and_leaves_nothing_in_flight() -> None:
    async def scenario() -> None:
        transport = GatedAsyncTransport()
        driver = AsyncDriver(transport)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(driver.run(_token_flow("slow")), 0.05)
        transport.gate.set()
        await asyncio.sleep(0.01)
        assert driver.run is not None
        assert all(not table for table in driver._by_loop.values())

    asyncio.run(scenario())


def test_a_shared_failure_reaches_every_caller() -> None:
    async def scenario() -> None:
        transport = GatedAsyncTransport(fail=True)
        outcomes = await _gather(AsyncDriver(transport), transport, ["same"] * 10)
        assert len(transport.sent) == 1
        assert all(isinstance(o, TransportError) for o in outcomes)

    asyncio.run(scenario())
