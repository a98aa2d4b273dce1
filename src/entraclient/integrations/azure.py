"""Credentials for Azure SDK clients (azure-core), backed by entraclient's applications.

:class:`ClientCredential` and :class:`OnBehalfOfCredential` satisfy azure-core's
``TokenCredential`` and ``SupportsTokenInfo``; :class:`AsyncClientCredential` and
:class:`AsyncOnBehalfOfCredential` satisfy ``AsyncTokenCredential`` and
``AsyncSupportsTokenInfo``. Install the ``azure`` extra (``pip install 'entraclient[azure]'``).

The consumer's arguments map onto the applications' calls and nothing else: ``claims`` is the
``claims_challenge``; ``enable_cae=True`` asks an app built with ``client_capabilities=["CP1"]``
(its own cache, apart from non-CAE tokens); ``tenant_id`` asks another tenant through the same
cache when allowed. Concurrent callers are coalesced by the applications' drivers, and the async
credentials only ever await.

A credential that built its own apps also remembers the last token it handed out per
(tenant, CAE, scopes) and hands it out again, without asking the app, until it is due for
renewal (``refresh_on``, else five minutes before expiry: the window the app's cache uses);
a ``claims`` challenge always goes to the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions
from azure.core.exceptions import ClientAuthenticationError

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.application import ConfidentialClientApplication
from entraclient.cache import TokenCache
from entraclient.errors import TransportError
from entraclient.integrations.tokens import (
    CAE_CAPABILITY,
    AppPool,
    IssuedToken,
    TenantPolicy,
    TokenRequestError,
    app_options_for,
    issued_token_of,
    now,
    renewal_time,
)

__all__ = [
    "AsyncClientCredential",
    "AsyncOnBehalfOfCredential",
    "ClientCredential",
    "OnBehalfOfCredential",
]

App = ConfidentialClientApplication | AsyncConfidentialClientApplication
TokenKey = tuple[str, bool, tuple[str, ...]]  # (tenant, CAE or not, scopes)


def _authentication_error(error: Exception) -> ClientAuthenticationError:
    return ClientAuthenticationError(message=f"Authentication failed: {error}")


def _is_cae_app(app: App) -> bool:
    return CAE_CAPABILITY in (app.client_capabilities or [])


class _CredentialCore:
    """The argument handling the four credentials share (no I/O)."""

    _app_class: type[ConfidentialClientApplication] | type[AsyncConfidentialClientApplication]

    def __init__(
        self,
        client_id: str | None = None,
        client_credential: Any = None,
        *,
        authority: str | None = None,
        additionally_allowed_tenants: Iterable[str] = (),
        application: App | None = None,
        **app_options: Any,
    ) -> None:
        self._recent: dict[TokenKey, IssuedToken] = {}
        if application is not None:
            self._owns_apps = False
            authority = application.authority.url
            key = (application.authority.tenant.lower(), _is_cae_app(application))
            self._policy = TenantPolicy.of(authority, additionally_allowed_tenants)
            self._pool: AppPool[Any] = AppPool(self._refuse_new_app, prebuilt={key: application})
            return
        if not client_id or not authority:
            raise ValueError("pass client_id, client_credential and authority, or application")
        self._owns_apps = True
        self._policy = TenantPolicy.of(authority, additionally_allowed_tenants)
        options = dict(app_options)
        given_cache = options.pop("token_cache", None)  # the non-CAE apps' cache, if given
        caches = (TokenCache() if given_cache is None else given_cache, TokenCache())
        app_class = self._app_class
        base_authority = authority

        def build(tenant: str, cae: bool, cache: TokenCache) -> Any:
            kwargs = app_options_for(base_authority, tenant, cae, cache, options)
            return app_class(client_id, client_credential, **kwargs)

        self._pool = AppPool(build, caches=caches)

    @staticmethod
    def _refuse_new_app(tenant: str, cae: bool, cache: TokenCache) -> Any:
        raise TokenRequestError(
            "unsupported_request",
            "A credential built from one application serves only that application's tenant "
            "and CAE setting; build it from client_id, client_credential and authority to "
            "use other tenants or enable_cae.",
        )

    def _app_for(self, tenant: str, enable_cae: bool) -> Any:
        return self._pool.app(tenant, enable_cae)

    def _recent_token(self, key: TokenKey, claims: str | None) -> IssuedToken | None:
        """The token this credential handed out last for ``key``, while it is not yet due
        for renewal (only for apps it owns, whose caches nobody else changes)."""
        if claims or not self._owns_apps:
            return None
        issued = self._recent.get(key)
        if issued is None or now() >= renewal_time(issued):
            return None
        return issued

    def _remember(self, key: TokenKey, issued: IssuedToken) -> None:
        if self._owns_apps:
            self._recent[key] = issued

    def _plan(
        self, scopes: tuple[str, ...], claims: str | None, tenant_id: str | None, cae: bool
    ) -> tuple[TokenKey, IssuedToken | None]:
        """Which token is wanted, and the remembered one if it can be handed out again."""
        try:
            key = (self._policy.resolve(tenant_id), cae, scopes)
        except TokenRequestError as error:
            raise _authentication_error(error) from error
        return key, self._recent_token(key, claims)

    @staticmethod
    def _scopes(scopes: tuple[str, ...]) -> list[str]:
        if not scopes:
            raise ValueError("get_token needs at least one scope")
        return list(scopes)


def _unpack(options: TokenRequestOptions | None) -> tuple[str | None, str | None, bool]:
    given = options or {}
    return given.get("claims"), given.get("tenant_id"), bool(given.get("enable_cae", False))


class _SyncCredential(_CredentialCore):
    _app_class = ConfidentialClientApplication

    def _acquire(
        self, app: ConfidentialClientApplication, scopes: list[str], claims: str | None
    ) -> Mapping[str, Any]:
        raise NotImplementedError

    def _fetch(self, key: TokenKey, claims: str | None) -> IssuedToken:
        tenant, cae, scopes = key
        try:
            result = self._acquire(self._app_for(tenant, cae), self._scopes(scopes), claims)
            issued = issued_token_of(result, now=now())
        except (TokenRequestError, TransportError) as error:
            raise _authentication_error(error) from error
        self._remember(key, issued)
        return issued

    def _issue(
        self, scopes: tuple[str, ...], claims: str | None, tenant_id: str | None, cae: bool
    ) -> IssuedToken:
        key, recent = self._plan(scopes, claims, tenant_id, cae)
        return recent or self._fetch(key, claims)

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """An access token for ``scopes`` (``azure.core.credentials.TokenCredential``)."""
        issued = self._issue(scopes, claims, tenant_id, enable_cae)
        return AccessToken(issued.token, issued.expires_on)

    def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        """An access token with ``refresh_on`` (``azure.core.credentials.SupportsTokenInfo``)."""
        issued = self._issue(scopes, *_unpack(options))
        return AccessTokenInfo(
            issued.token,
            issued.expires_on,
            token_type=issued.token_type,
            refresh_on=issued.refresh_on,
        )

    def close(self) -> None:
        """Release nothing the caller still owns; the apps' sessions close with the process."""

    def __enter__(self) -> _SyncCredential:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class _AsyncCredential(_CredentialCore):
    _app_class = AsyncConfidentialClientApplication

    async def _acquire(
        self, app: AsyncConfidentialClientApplication, scopes: list[str], claims: str | None
    ) -> Mapping[str, Any]:
        raise NotImplementedError

    async def _fetch(self, key: TokenKey, claims: str | None) -> IssuedToken:
        tenant, cae, scopes = key
        try:
            app = self._app_for(tenant, cae)
            result = await self._acquire(app, self._scopes(scopes), claims)
            issued = issued_token_of(result, now=now())
        except (TokenRequestError, TransportError) as error:
            raise _authentication_error(error) from error
        self._remember(key, issued)
        return issued

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """An access token for ``scopes`` (``AsyncTokenCredential``)."""
        key, recent = self._plan(scopes, claims, tenant_id, enable_cae)
        issued = recent or await self._fetch(key, claims)
        return AccessToken(issued.token, issued.expires_on)

    async def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        """An access token with ``refresh_on`` (``AsyncSupportsTokenInfo``)."""
        claims, tenant_id, enable_cae = _unpack(options)
        key, recent = self._plan(scopes, claims, tenant_id, enable_cae)
        issued = recent or await self._fetch(key, claims)
        return AccessTokenInfo(
            issued.token,
            issued.expires_on,
            token_type=issued.token_type,
            refresh_on=issued.refresh_on,
        )

    async def close(self) -> None:
        """Close the HTTP clients of the apps this credential built (not one it was given)."""
        if self._owns_apps:
            for app in self._pool.apps():
                await app.aclose()

    async def __aenter__(self) -> _AsyncCredential:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class ClientCredential(_SyncCredential):
    """App tokens (client credentials) for Azure SDK clients.

    Build it from the arguments of :class:`~entraclient.ConfidentialClientApplication`
    (``client_id``, ``client_credential``, ``authority`` and any other keyword), or from an
    existing app with ``application=``; such a credential serves only that app's tenant.
    """

    def _acquire(
        self, app: ConfidentialClientApplication, scopes: list[str], claims: str | None
    ) -> Mapping[str, Any]:
        return app.acquire_token_for_client(scopes, claims_challenge=claims)


class OnBehalfOfCredential(_SyncCredential):
    """Tokens for a downstream API on behalf of the user whose token (``user_assertion``)
    this API received; same construction as :class:`ClientCredential`."""

    def __init__(
        self,
        client_id: str | None = None,
        client_credential: Any = None,
        *,
        user_assertion: str,
        authority: str | None = None,
        additionally_allowed_tenants: Iterable[str] = (),
        application: ConfidentialClientApplication | None = None,
        **app_options: Any,
    ) -> None:
        if not user_assertion:
            raise ValueError("user_assertion must be the token the API received")
        self._user_assertion = user_assertion
        super().__init__(
            client_id,
            client_credential,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            application=application,
            **app_options,
        )

    def __repr__(self) -> str:
        return "OnBehalfOfCredential(user_assertion=***)"

    def _acquire(
        self, app: ConfidentialClientApplication, scopes: list[str], claims: str | None
    ) -> Mapping[str, Any]:
        return app.acquire_token_on_behalf_of(self._user_assertion, scopes, claims_challenge=claims)


class AsyncClientCredential(_AsyncCredential):
    """The asyncio twin of :class:`ClientCredential`, over
    :class:`~entraclient.aio.AsyncConfidentialClientApplication`."""

    async def _acquire(
        self, app: AsyncConfidentialClientApplication, scopes: list[str], claims: str | None
    ) -> Mapping[str, Any]:
        return await app.acquire_token_for_client(scopes, claims_challenge=claims)


class AsyncOnBehalfOfCredential(_AsyncCredential):
    """The asyncio twin of :class:`OnBehalfOfCredential`."""

    def __init__(
        self,
        client_id: str | None = None,
        client_credential: Any = None,
        *,
        user_assertion: str,
        authority: str | None = None,
        additionally_allowed_tenants: Iterable[str] = (),
        application: AsyncConfidentialClientApplication | None = None,
        **app_options: Any,
    ) -> None:
        if not user_assertion:
            raise ValueError("user_assertion must be the token the API received")
        self._user_assertion = user_assertion
        super().__init__(
            client_id,
            client_credential,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            application=application,
            **app_options,
        )

    def __repr__(self) -> str:
        return "AsyncOnBehalfOfCredential(user_assertion=***)"

    async def _acquire(
        self, app: AsyncConfidentialClientApplication, scopes: list[str], claims: str | None
    ) -> Mapping[str, Any]:
        return await app.acquire_token_on_behalf_of(
            self._user_assertion, scopes, claims_challenge=claims
        )
