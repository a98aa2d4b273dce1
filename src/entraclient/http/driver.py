"""The synchronous driver: runs a flow by sending each request it yields.

A flow is a generator that yields :class:`HttpRequest` values, is sent back the matching
:class:`HttpResponse`, and returns its result. When the transport raises
:class:`~entraclient.errors.TransportError`, the driver throws it into the flow at its
``yield``, so a flow may fall back (to a cached token, say) or let it propagate. The driver
closes the flow whatever happens, so a flow's ``finally`` blocks always run.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

from entraclient.errors import TransportError
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.transport import SyncTransport

__all__ = ["Flow", "run_sync"]

T = TypeVar("T")
Flow = Generator[HttpRequest, HttpResponse, T]


def run_sync(flow: Flow[T], transport: SyncTransport) -> T:
    """Drive ``flow`` to completion over ``transport`` and return its result."""
    try:
        request = next(flow)
        while True:
            try:
                response = transport.send(request)
            except TransportError as failure:
                request = flow.throw(failure)
            else:
                request = flow.send(response)
    except StopIteration as done:
        result: T = done.value
        return result
    finally:
        flow.close()
