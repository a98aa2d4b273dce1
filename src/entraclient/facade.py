"""The constructor both façades share: MSAL Python's arguments in, an :class:`AppCore` out.

:class:`ApplicationFacade` checks nothing itself: it hands the arguments to
:class:`~entraclient.core.AppCore`, asks the concrete façade (sync or async) for its driver,
and exposes the configuration as the attributes MSAL Python applications have. The public
methods live in :mod:`entraclient.application` and :mod:`entraclient.aio`, one statement each
over :mod:`entraclient.operations`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping
from typing import Any

from entraclient.authority import Authority
from entraclient.cache.token_cache import TokenCache
from entraclient.core import AppCore
from entraclient.credential_shapes import ClientCredential
from entraclient.region import ATTEMPT_REGION_DISCOVERY, DISABLE_MSAL_FORCE_REGION

__all__ = ["ApplicationFacade"]


class ApplicationFacade:
    """What every façade has: its :class:`AppCore`, a driver and MSAL's attributes."""

    ATTEMPT_REGION_DISCOVERY = ATTEMPT_REGION_DISCOVERY
    DISABLE_MSAL_FORCE_REGION = DISABLE_MSAL_FORCE_REGION

    _confidential = False

    client_id: str
    authority: Authority
    client_claims: dict[str, Any] | None
    token_cache: TokenCache
    app_name: str | None
    app_version: str | None
    client_capabilities: tuple[str, ...]
    azure_region: str | bool | None
    exclude_scopes: tuple[str, ...]
    http_cache: MutableMapping[str, Any] | None
    enable_pii_log: bool
    http_client: Any
    """The HTTP client in use: the one you passed, or the one this application built."""

    def __init__(
        self,
        client_id: str,
        client_credential: ClientCredential | None = None,
        authority: str | None = None,
        validate_authority: bool = True,
        token_cache: TokenCache | None = None,
        http_client: Any = None,
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] | None = None,
        client_claims: Mapping[str, Any] | None = None,
        app_name: str | None = None,
        app_version: str | None = None,
        client_capabilities: list[str] | None = None,
        azure_region: str | bool | None = None,
        exclude_scopes: list[str] | None = None,
        http_cache: MutableMapping[str, Any] | None = None,
        instance_discovery: bool | str | None = None,
        allow_broker: bool | None = None,
        enable_pii_log: bool | None = None,
        oidc_authority: str | None = None,
    ) -> None:
        core = self._core = AppCore(
            confidential=self._confidential,
            clock=self._now,
            client_id=client_id,
            client_credential=client_credential,
            authority=authority,
            validate_authority=validate_authority,
            token_cache=token_cache,
            verify=verify,
            proxies=proxies,
            timeout=timeout,
            client_claims=client_claims,
            app_name=app_name,
            app_version=app_version,
            client_capabilities=client_capabilities,
            azure_region=azure_region,
            exclude_scopes=exclude_scopes,
            http_cache=http_cache,
            instance_discovery=instance_discovery,
            allow_broker=allow_broker,
            enable_pii_log=enable_pii_log,
            oidc_authority=oidc_authority,
        )
        self.client_id = core.client_id
        self.authority = core.authority
        self.client_claims = core.client_claims
        self.token_cache = core.token_cache
        self.app_name = core.app_name
        self.app_version = core.app_version
        self.client_capabilities = core.client_capabilities
        self.azure_region = core.azure_region
        self.exclude_scopes = core.exclude_scopes
        self.http_cache = core.http_cache
        self.enable_pii_log = core.enable_pii_log
        self._build_driver(http_client)

    def _build_driver(self, http_client: Any) -> None:
        """Set ``_driver`` and ``http_client``: the one place this façade's transport is made."""
        raise NotImplementedError

    def _now(self) -> float:
        """The clock every flow and policy of this application reads (epoch seconds)."""
        return time.time()
