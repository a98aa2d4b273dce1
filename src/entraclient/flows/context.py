"""What every flow of one application shares: identity, credential, cache, clock, headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from entraclient.authority import Authority
from entraclient.cache.foreign import ForeignTokenCache
from entraclient.cache.token_cache import TokenCache
from entraclient.credentials import ClientAuthentication
from entraclient.telemetry import Telemetry

__all__ = ["AppContext", "Clock"]

Clock = Callable[[], float]
"""Seconds since the epoch; flows read time only through one of these."""


@dataclass(frozen=True, slots=True)
class AppContext:
    """The constant part of an application, handed to each flow it runs."""

    client_id: str
    authority: Authority
    credential: ClientAuthentication | None
    cache: TokenCache | ForeignTokenCache
    telemetry: Telemetry
    clock: Clock
    client_capabilities: tuple[str, ...] = ()
    exclude_scopes: tuple[str, ...] = ()
    pii_logging: bool = False
