"""Grant handlers of the token endpoint: one module per ``grant_type``.

A handler takes the emulator context and an authenticated :class:`TokenRequest` and returns
the JSON body of a successful answer, or raises :class:`~entraclient.emulator.errors.EntraError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from entraclient.emulator.client_auth import AuthenticatedClient
from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.directory import Tenant

__all__ = ["MAX_NOT_BEFORE_AHEAD", "GrantHandler", "TokenRequest"]

MAX_NOT_BEFORE_AHEAD = 60


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """A token request whose client is authenticated: what every grant handler receives."""

    host: str
    tenant: Tenant | None
    tenant_label: str
    form: Mapping[str, str] = field(repr=False)
    client: AuthenticatedClient
    now: float
    capabilities: tuple[str, ...] = ()
    not_before: int | None = None

    @property
    def issue_time(self) -> float:
        """When the token is issued: ``now``, or the ``nbf`` a claims challenge asked for when
        that is later (by at most :data:`MAX_NOT_BEFORE_AHEAD` seconds)."""
        wanted = self.not_before
        if wanted is None or wanted <= self.now or wanted > self.now + MAX_NOT_BEFORE_AHEAD:
            return self.now
        return float(wanted)


GrantHandler = Callable[[EmulatorContext, TokenRequest], dict[str, object]]
