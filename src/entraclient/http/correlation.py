"""Remembering which ``client-request-id`` a public call used, for the errors it returns."""

from __future__ import annotations

from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.transport import SyncTransport

__all__ = ["CorrelationRecorder"]


class CorrelationRecorder:
    """A pass-through transport noting the last ``client-request-id`` a request carried."""

    def __init__(self, inner: SyncTransport) -> None:
        self.inner = inner
        self.correlation_id: str | None = None

    def send(self, request: HttpRequest) -> HttpResponse:
        """Note ``request``'s ``client-request-id`` (if any), then send it."""
        self.correlation_id = request.header("client-request-id") or self.correlation_id
        return self.inner.send(request)
