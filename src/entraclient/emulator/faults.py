"""Fault injection: the emulator misbehaving on purpose, request by request.

A fault is data: what to do instead of answering (:class:`Respond` with any status, headers
and bytes; :class:`DropMidBody`; :class:`DelayHeaders`; :class:`SlowBody`;
:class:`RefuseConnection`). ``Emulator.inject(fault, path=..., times=1)`` arms it for the next
``times`` requests matching ``path`` (an ``fnmatch`` pattern on the path, such as
:data:`TOKEN_ENDPOINT`), ``method`` and ``host``; ``times=None`` keeps it until
``Emulator.clear_faults()``.

Invariants:

* Injections are consumed in the order they were armed; each matching request consumes one
  use of the first live injection that matches it, so two ``times=1`` injections on one path
  hit two successive requests.
* Server faults are carried out by :mod:`.fault_middleware`, inside the request log: a
  faulted request is logged with the status it was given (0 when it got no answer at all).
* This module needs no web framework, so ``import entraclient.emulator`` stays light.
* :class:`RefuseConnection` never reaches the server: the emulator's routing transport takes
  it before connecting and sends the connection to a closed loopback port, so the client
  sees a real ``ECONNREFUSED`` (and its retry policy runs). It needs ``emu.http_client()``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase

__all__ = [
    "INSTANCE_DISCOVERY",
    "OPENID_CONFIGURATION",
    "TOKEN_ENDPOINT",
    "DelayHeaders",
    "DropMidBody",
    "Fault",
    "FaultPlan",
    "Injection",
    "RefuseConnection",
    "Respond",
    "ServerFault",
    "SlowBody",
]

TOKEN_ENDPOINT = "/*/oauth2/v2.0/token"
OPENID_CONFIGURATION = "/*/.well-known/openid-configuration"
INSTANCE_DISCOVERY = "/common/discovery/instance"

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Respond:
    """Answer with exactly this status, these headers (repeats allowed) and these bytes."""

    status: int
    body: bytes = b""
    headers: Headers = ()

    @classmethod
    def json(cls, body: object, status: int = 200, headers: Headers = ()) -> Respond:
        """A JSON answer (``Content-Type: application/json; charset=utf-8``)."""
        content_type = (("content-type", "application/json; charset=utf-8"),)
        return cls(status, json.dumps(body).encode("utf-8"), content_type + headers)

    @classmethod
    def html(cls, page: str, status: int = 200, headers: Headers = ()) -> Respond:
        """An HTML page, such as a proxy's or a load balancer's error page."""
        content_type = (("content-type", "text/html; charset=utf-8"),)
        return cls(status, page.encode("utf-8"), content_type + headers)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Respond:
        """A redirect to ``location``."""
        return cls(status, b"", (("location", location),))


@dataclass(frozen=True, slots=True)
class DropMidBody:
    """Send the headers (announcing all of ``body``) and ``sent`` bytes, then close."""

    body: bytes
    sent: int
    status: int = 200
    headers: Headers = (("content-type", "application/json; charset=utf-8"),)


@dataclass(frozen=True, slots=True)
class DelayHeaders:
    """Wait ``seconds`` before answering (normally, or with ``then``); give up if the client
    does."""

    seconds: float
    then: Respond | None = None


@dataclass(frozen=True, slots=True)
class SlowBody:
    """Send the headers at once, then ``body`` in ``chunk``-byte pieces every ``interval`` s."""

    body: bytes
    chunk: int = 8
    interval: float = 0.1
    status: int = 200
    headers: Headers = (("content-type", "application/json; charset=utf-8"),)


@dataclass(frozen=True, slots=True)
class RefuseConnection:
    """Refuse the connection the request would use: ``attempts`` connects (``None``: all)."""

    attempts: int | None = None


ServerFault = Respond | DropMidBody | DelayHeaders | SlowBody
Fault = ServerFault | RefuseConnection


@dataclass(slots=True)
class Injection:
    """An armed fault: where it applies and how many more requests it will hit."""

    fault: Fault
    path: str | None
    method: str | None
    host: str | None
    remaining: int | None
    hits: int = 0

    def matches(self, method: str, host: str, path: str) -> bool:
        """Whether a request to ``host`` ``method`` ``path`` is one this injection targets."""
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.host is None or fnmatchcase(host.lower(), self.host.lower()))
            and (self.path is None or fnmatchcase(path, self.path))
        )


class FaultPlan:
    """The armed injections of one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._injections: list[Injection] = []

    def inject(
        self,
        fault: Fault,
        *,
        path: str | None = None,
        method: str | None = None,
        host: str | None = None,
        times: int | None = 1,
    ) -> Injection:
        """Arm ``fault`` for the next ``times`` matching requests (``None``: until cleared)."""
        if times is not None and times < 1:
            raise ValueError("times must be a positive number of requests, or None")
        injection = Injection(fault, path, method, host, times)
        with self._lock:
            self._injections.append(injection)
        return injection

    def clear(self) -> None:
        """Disarm every injection."""
        with self._lock:
            self._injections.clear()

    def take_server_fault(self, method: str, host: str, path: str) -> ServerFault | None:
        """Consume one use of the first server fault matching this request, if any."""
        fault = self._take(method, host, path, client_side=False)
        return None if isinstance(fault, RefuseConnection) else fault

    def take_refusal(self, method: str, host: str, path: str) -> RefuseConnection | None:
        """Consume one use of the first :class:`RefuseConnection` matching, if any."""
        fault = self._take(method, host, path, client_side=True)
        return fault if isinstance(fault, RefuseConnection) else None

    def _take(self, method: str, host: str, path: str, *, client_side: bool) -> Fault | None:
        with self._lock:
            for injection in self._injections:
                if isinstance(injection.fault, RefuseConnection) != client_side:
                    continue
                if not injection.matches(method, host, path):
                    continue
                injection.hits += 1
                if injection.remaining is not None:
                    injection.remaining -= 1
                    if injection.remaining == 0:
                        self._injections.remove(injection)
                return injection.fault
        return None
