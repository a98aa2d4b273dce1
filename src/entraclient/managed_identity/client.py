"""``ManagedIdentityClient``: tokens for an Azure host's managed identity, MSAL Python's API."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from entraclient.cache import TokenCache
from entraclient.errors import FlowError
from entraclient.http.driver import SyncDriver
from entraclient.http.policies import PolicyTransport
from entraclient.http.transport import HttpClientTransport, SyncTransport
from entraclient.managed_identity.core import ManagedIdentityCore
from entraclient.managed_identity.sources import HostEnvironment
from entraclient.managed_identity.throttling import IdentityHostThrottling

__all__ = ["ManagedIdentityClient"]


class ManagedIdentityClient:
    """Acquires tokens for a managed identity from the host it runs on, cache first.

    ``managed_identity`` is :class:`SystemAssignedManagedIdentity`,
    :class:`UserAssignedManagedIdentity` or their dict form. ``http_client`` is a
    ``requests.Session``-like object. The backend (VM, App Service, Functions, Machine
    Learning, Service Fabric, Azure Arc) is detected from the environment on each call.
    ``http_cache`` is accepted for MSAL compatibility; throttling state stays in memory.
    ``arc_key_directory`` replaces the Azure Arc agent's key directory (for tests).
    """

    def __init__(
        self,
        managed_identity: object,
        *,
        http_client: Any,
        token_cache: TokenCache | None = None,
        http_cache: Any = None,
        client_capabilities: Sequence[str] | None = None,
        arc_key_directory: str | os.PathLike[str] | None = None,
    ) -> None:
        self._core = ManagedIdentityCore(
            managed_identity,
            token_cache=token_cache,
            client_capabilities=client_capabilities,
            arc_key_directory=arc_key_directory,
        )
        self._driver = self._driver_over(HttpClientTransport(http_client))
        self._pinned: dict[str, SyncDriver] = {}
        self._lock = threading.Lock()

    def acquire_token_for_client(
        self, *, resource: str, claims_challenge: str | None = None
    ) -> dict[str, Any]:
        """A token for ``resource``, from the cache when it holds a good one.

        Returns MSAL's result dict: ``access_token``, ``expires_in``, ``token_type``,
        ``token_source`` (and ``refresh_on``), or ``error`` and ``error_description``.
        A ``claims_challenge`` from a resource skips the cache.
        """
        host, flow = self._core.token_flow(resource, claims_challenge)
        try:
            return self._driver_for(host).run(flow)
        except FlowError as failure:
            return failure.result()

    def _driver_over(self, transport: SyncTransport) -> SyncDriver:
        return SyncDriver(PolicyTransport(transport, [IdentityHostThrottling(self._core.throttle)]))

    def _driver_for(self, host: HostEnvironment) -> SyncDriver:
        if host.server_thumbprint is None:
            return self._driver
        with self._lock:
            driver = self._pinned.get(host.server_thumbprint)
            if driver is None:
                from entraclient.managed_identity.pinning import pinned_transport  # requests

                transport = pinned_transport(host.server_thumbprint)
                driver = self._pinned[host.server_thumbprint] = self._driver_over(transport)
            return driver

    def __repr__(self) -> str:
        return f"ManagedIdentityClient({self._core.context.selector.kind})"
