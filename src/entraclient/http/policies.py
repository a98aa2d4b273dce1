"""Request policies: the HTTP cache and throttling, written once for both transports.

A policy sees requests and responses, never grants (DESIGN.md): before a request is sent it
may answer it itself (:meth:`Policy.before` returns a response), and after a response came
back it may remember something about it (:meth:`Policy.after`). :class:`PolicyTransport` and
:class:`AsyncPolicyTransport` apply a list of policies around a sync or an async transport,
so the policies themselves never know whether they run under threads or asyncio.

Order: ``before`` runs first to last and stops at the first answer; ``after`` runs last to
first over the policies whose ``before`` ran, like nested wrappers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.transport import SyncTransport

if TYPE_CHECKING:  # httpx is an optional extra: the sync path must not import it
    from entraclient.http.async_transport import AsyncTransport

__all__ = ["AsyncPolicyTransport", "Policy", "PolicyTransport"]


class Policy(Protocol):
    """Something that may answer a request itself, and learns from the answers that come back."""

    def before(self, request: HttpRequest) -> HttpResponse | None:
        """An answer to give instead of sending ``request``, or ``None`` to go on."""
        ...

    def after(self, request: HttpRequest, response: HttpResponse) -> None:
        """Note ``response``, the answer ``request`` got from further down."""
        ...


def _answer_locally(
    policies: Sequence[Policy], request: HttpRequest
) -> tuple[HttpResponse | None, int]:
    for depth, policy in enumerate(policies):
        answer = policy.before(request)
        if answer is not None:
            return answer, depth
    return None, len(policies)


def _learn(
    policies: Sequence[Policy], depth: int, request: HttpRequest, response: HttpResponse
) -> None:
    for policy in reversed(policies[:depth]):
        policy.after(request, response)


class PolicyTransport:
    """A sync transport with policies around it."""

    def __init__(self, inner: SyncTransport, policies: Sequence[Policy]) -> None:
        self.inner = inner
        self.policies = tuple(policies)

    def send(self, request: HttpRequest) -> HttpResponse:
        """Answer from a policy, or send ``request`` down and let the policies learn."""
        answer, depth = _answer_locally(self.policies, request)
        response = answer if answer is not None else self.inner.send(request)
        _learn(self.policies, depth, request, response)
        return response


class AsyncPolicyTransport:
    """An async transport with the same policies around it."""

    def __init__(self, inner: AsyncTransport, policies: Sequence[Policy]) -> None:
        self.inner = inner
        self.policies = tuple(policies)

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Answer from a policy, or send ``request`` down and let the policies learn."""
        answer, depth = _answer_locally(self.policies, request)
        response = answer if answer is not None else await self.inner.send(request)
        _learn(self.policies, depth, request, response)
        return response

    async def aclose(self) -> None:
        """Close the transport underneath."""
        await self.inner.aclose()
