"""The constructor both façades share: MSAL Python's arguments in, an :class:`AppCore` out.

:class:`ApplicationFacade` checks nothing itself: it hands the arguments to
:class:`~entraclient.core.AppCore`, asks the concrete façade (sync or async) for its driver,
and exposes the configuration as the attributes MSAL Python applications have. The public
methods live in :mod:`entraclient.application` and :mod:`entraclient.aio`, one statement each
over :mod:`entraclient.operations`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from entraclient.authority import Authority
from entraclient.cache.token_cache import TokenCache
from entraclient.clock import system_clock
from entraclient.core import AppCore
from entraclient.credential_shapes import ClientCredential
from entraclient.region import ATTEMPT_REGION_DISCOVERY, DISABLE_MSAL_FORCE_REGION

__all__ = ["ApplicationFacade"]


class ApplicationFacade:
    """What every façade has: its :class:`AppCore`, a driver and MSAL's attributes."""

    _now: Callable[[], float] = staticmethod(system_clock)
    """The clock every flow and policy of this application reads (epoch seconds): the system
    clock itself (no call of ours on a hit); a subclass may override it with a method."""

    ATTEMPT_REGION_DISCOVERY = ATTEMPT_REGION_DISCOVERY
    DISABLE_MSAL_FORCE_REGION = DISABLE_MSAL_FORCE_REGION

    _confidential = False

    client_id: str
    authority: Authority
    client_claims: dict[str, Any] | None
    token_cache: Any
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
        token_cache: TokenCache | Any = None,
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
        """Check the configuration; no I/O happens here (discovery waits for the first call).

        Args:
            client_id: the application (client) id of your app registration.
            client_credential: how a confidential client proves itself (required there):
                a client secret string; a certificate dict ``{"private_key": PEM,
                "thumbprint": hex}`` (``"public_certificate": PEM`` instead of, or beside,
                the thumbprint sends the chain for subject name / issuer authentication;
                ``"passphrase"`` for an encrypted key); a PFX file
                ``{"private_key_pfx_path": path, "passphrase": ..., "public_certificate":
                True}``; or ``{"client_assertion": jwt_or_callable}``, an assertion signed
                elsewhere. See :mod:`entraclient.credential_shapes`.
            authority: the token authority URL, e.g.
                ``https://login.microsoftonline.com/<tenant>`` (default: ``.../common``);
                B2C, CIAM and ADFS URLs work too.
            validate_authority: ``False`` skips checking an unknown Entra host against
                instance discovery.
            token_cache: the :class:`~entraclient.TokenCache` (or
                :class:`~entraclient.SerializableTokenCache`) to keep tokens in; a new
                in-memory one by default. A cache object written for MSAL Python (such as
                msal-extensions' ``PersistedTokenCache``) works too: it is then used through
                its ``search``, ``add`` and ``modify`` methods only.
            http_client: your HTTP client: an object with ``get``/``post`` like a
                ``requests.Session`` (an ``httpx.AsyncClient`` for the async façade). Then
                ``verify``, ``proxies`` and ``timeout`` are yours to set on it.
            verify: ``True`` (system CAs), ``False`` (no TLS check: tests only), or a CA
                bundle path.
            proxies: proxy URLs by scheme, e.g. ``{"https": "http://proxy:3128"}``.
            timeout: seconds per request, or a ``(connect, read)`` pair.
            client_claims: extra claims to sign into the client assertion of a certificate
                credential (they may override ``aud``, ``iss``, ``sub``, ``exp``...).
            app_name: your app's name, sent in telemetry headers.
            app_version: your app's version, sent in telemetry headers.
            client_capabilities: capabilities to declare, e.g. ``["CP1"]`` for continuous
                access evaluation (claims challenges).
            azure_region: an Azure region name for regional token endpoints,
                :attr:`ATTEMPT_REGION_DISCOVERY` to detect it, or ``None`` (central).
            exclude_scopes: scopes never to add to user requests, e.g.
                ``["offline_access"]``.
            http_cache: a dict-like store for discovery answers and throttling state, kept
                across runs if you persist it.
            instance_discovery: ``False`` to skip instance discovery, or the https URL of
                another instance discovery endpoint.
            allow_broker: must stay ``None`` for a confidential client (no broker here).
            enable_pii_log: ``True`` lets debug logs include personal data (never secrets).
            oidc_authority: the issuer URL of a generic OpenID Connect provider, instead of
                ``authority``.

        Raises:
            ValueError, TypeError: an argument is missing or malformed; the message says
                what to pass instead.
        """
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
