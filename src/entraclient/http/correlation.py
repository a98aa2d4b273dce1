"""Remembering which ``client-request-id`` a public call used, for the errors it returns."""

from __future__ import annotations

from typing import TypeVar

from entraclient.errors import TransportError
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest

__all__ = ["CorrelationRecorder"]

T = TypeVar("T")


class CorrelationRecorder:
    """Watches one call's flow and notes the last ``client-request-id`` a request carried."""

    def __init__(self) -> None:
        self.correlation_id: str | None = None

    def note(self, request: HttpRequest) -> None:
        """Remember ``request``'s ``client-request-id``, if it has one."""
        self.correlation_id = request.header("client-request-id") or self.correlation_id

    def watch(self, flow: Flow[T]) -> Flow[T]:
        """``flow`` unchanged, with every request it yields noted on the way out."""
        try:
            request = next(flow)
            while True:
                self.note(request)
                try:
                    response = yield request
                except TransportError as failure:
                    request = flow.throw(failure)
                else:
                    request = flow.send(response)
        except StopIteration as done:
            result: T = done.value
            return result
        finally:
            flow.close()
