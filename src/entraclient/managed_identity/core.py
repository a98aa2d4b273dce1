"""What the sync and async managed identity clients share: arguments checked once, the host
detected per call (as MSAL Python reads the environment per call), and the flow built."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from entraclient.cache import TokenCache
from entraclient.http.driver import Flow
from entraclient.http.throttling import ThrottleState
from entraclient.managed_identity.arc import ArcKeyFiles, arc_agent_installed
from entraclient.managed_identity.flow import (
    IdentityContext,
    ManagedIdentityRequest,
    acquire_managed_identity_token,
)
from entraclient.managed_identity.identities import ManagedIdentityError, identity_selector
from entraclient.managed_identity.sources import HostEnvironment, detect_host

__all__ = ["ManagedIdentityCore"]


class ManagedIdentityCore:
    """The checked configuration of one managed identity client, and its flows."""

    def __init__(
        self,
        managed_identity: object,
        *,
        token_cache: TokenCache | None = None,
        client_capabilities: Sequence[str] | None = None,
        arc_key_directory: str | os.PathLike[str] | None = None,
        environ: Callable[[], Mapping[str, str]] = lambda: os.environ,
        clock: Callable[[], float] = time.time,
    ) -> None:
        selector = identity_selector(managed_identity)
        if token_cache is not None and not isinstance(token_cache, TokenCache):
            raise TypeError("token_cache must be an entraclient TokenCache")
        if isinstance(client_capabilities, str):
            raise TypeError('client_capabilities must be a list of strings, such as ["CP1"]')
        self._environ = environ
        self.token_cache = token_cache if token_cache is not None else TokenCache()
        directory = Path(arc_key_directory) if arc_key_directory is not None else None
        self.context = IdentityContext(
            selector=selector,
            cache=self.token_cache,
            clock=clock,
            arc_keys=ArcKeyFiles(directory),
            client_capabilities=tuple(client_capabilities or ()),
        )
        self.throttle = ThrottleState(clock)

    def host(self) -> HostEnvironment:
        """The backend the environment describes right now."""
        host = detect_host(self._environ(), arc_agent_installed=arc_agent_installed())
        if host.source == "service_fabric" and urlsplit(host.endpoint).scheme != "https":
            raise ManagedIdentityError("the Service Fabric identity endpoint must use https")
        return host

    def token_flow(
        self, resource: str, claims_challenge: str | None
    ) -> tuple[HostEnvironment, Flow[dict[str, Any]]]:
        """The backend to reach and the flow that asks it for a token for ``resource``."""
        if not isinstance(resource, str) or not resource.strip():
            raise ValueError(
                "resource must be a non-empty string, such as 'https://vault.azure.net'"
            )
        if claims_challenge is not None and not isinstance(claims_challenge, str):
            raise TypeError("claims_challenge must be a JSON string or None")
        host = self.host()
        request = ManagedIdentityRequest(resource, host, str(uuid.uuid4()), claims_challenge)
        return host, acquire_managed_identity_token(self.context, request)
