"""The exceptions entraclient raises, and the internal ones its flows raise.

Results from the identity provider, including its errors, come back as MSAL-style dicts;
exceptions are kept for the caller's own mistakes and for a network that failed::

    EntraClientError              base of everything raised on purpose
    ├── TransportError            public: a request got no HTTP answer (after retries);
    │                             the original exception is chained as ``__cause__``
    └── FlowError                 internal: a flow ended in an error result; the façade
        │                         turns it into an ``{"error": ...}`` dict in one place
        ├── ServiceError          the identity provider answered with an error
        └── ProtocolError         an answer that breaks the protocol (HTML instead of JSON,
                                  a missing field, a wrong type)

Misuse found when an application is built or a method is called raises the built-in
``ValueError`` or ``TypeError``, as MSAL Python does, with a message that says what to change.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "EntraClientError",
    "FlowError",
    "ProtocolError",
    "ServiceError",
    "TransportError",
]


_TOKEN_FIELDS = frozenset({"access_token", "refresh_token", "id_token", "client_info"})


class EntraClientError(Exception):
    """Base class of the exceptions entraclient raises on purpose."""


class TransportError(EntraClientError):
    """A request got no HTTP answer: connection refused or reset, timeout, TLS failure.

    Raised after the transport's retry policy; ``__cause__`` is the underlying exception.
    ``correlation_id`` is the ``client-request-id`` the request carried, if it had one.
    ``shared`` is true for a caller that joined a request another caller sent (coalescing):
    the failure is logged once, by the caller that sent it.
    """

    def __init__(
        self, message: str, *, correlation_id: str | None = None, shared: bool = False
    ) -> None:
        super().__init__(message)
        self.correlation_id = correlation_id
        self.shared = shared


class FlowError(EntraClientError):
    """A flow ended in an error; :meth:`result` is the dict the caller receives."""

    def result(self) -> dict[str, Any]:
        """The MSAL-style error dict for this failure."""
        raise NotImplementedError


class ServiceError(FlowError):
    """The identity provider answered with an error body (``error`` and friends)."""

    def __init__(self, body: dict[str, Any], *, status_code: int) -> None:
        super().__init__(f"{body.get('error')} (HTTP {status_code})")
        # An error answer that also carries tokens is an error: its tokens are never handed on.
        self.body = {k: v for k, v in body.items() if k not in _TOKEN_FIELDS}
        self.status_code = status_code

    def result(self) -> dict[str, Any]:
        return dict(self.body)


class ProtocolError(FlowError):
    """An answer that breaks the protocol; reported as ``error="invalid_response"``."""

    def __init__(self, description: str, *, status_code: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.status_code = status_code

    def result(self) -> dict[str, Any]:
        outcome: dict[str, Any] = {
            "error": "invalid_response",
            "error_description": self.description,
        }
        if self.status_code is not None:
            outcome["status_code"] = self.status_code
        return outcome
