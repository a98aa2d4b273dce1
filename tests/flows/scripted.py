"""Drive a flow by hand: each request it yields is answered by a function of the test."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from entraclient.errors import TransportError
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest, HttpResponse

T = TypeVar("T")


def drive(
    flow: Flow[T], answer: Callable[[HttpRequest], HttpResponse]
) -> tuple[T, list[HttpRequest]]:
    """Run ``flow`` to its end; return its result and every request it sent.

    A :class:`TransportError` raised by ``answer`` is thrown into the flow, as the driver does.
    """
    sent: list[HttpRequest] = []
    try:
        request = next(flow)
        while True:
            sent.append(request)
            try:
                response = answer(request)
            except TransportError as failure:
                request = flow.throw(failure)
            else:
                request = flow.send(response)
    except StopIteration as done:
        return done.value, sent


def json_response(body: Any, status: int = 200, **headers: str) -> HttpResponse:
    return HttpResponse.build(
        status, json.dumps(body), {"content-type": "application/json", **headers}
    )


class FakeClock:
    """A clock a test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
