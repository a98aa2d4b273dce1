"""What every integration shares: token results read, tenants checked, apps kept apart.

Invariants:

* An MSAL-style result dict becomes an :class:`IssuedToken` or a :class:`TokenRequestError`
  carrying only ``error``, ``error_description`` and ``correlation_id`` (never the token).
* CAE tokens (``client_capabilities=["CP1"]``) and plain tokens come from two apps with two
  caches that share nothing, so a CAE token is never handed to a caller that did not ask for
  one, nor the other way round. Apps for other tenants share their flavour's cache.
* A tenant other than the configured one is refused unless allowed (``"*"``: any), as
  azure-identity's ``additionally_allowed_tenants``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from entraclient.cache import TokenCache
from entraclient.errors import EntraClientError

__all__ = [
    "CAE_CAPABILITY",
    "AppPool",
    "IssuedToken",
    "TenantPolicy",
    "TokenRequestError",
    "issued_token_of",
    "renewal_time",
]

CAE_CAPABILITY = "CP1"
"""The client capability that announces Continuous Access Evaluation support."""

AppT = TypeVar("AppT")


class TokenRequestError(EntraClientError):
    """The identity provider refused a token, or could not be reached.

    ``error`` and ``error_description`` are the provider's; ``correlation_id`` identifies the
    request in the provider's logs. The message never contains a token or secret.
    """

    def __init__(self, error: str, description: str, *, correlation_id: str | None = None) -> None:
        message = f"{error}: {description}" if description else error
        if correlation_id and correlation_id not in message:
            message = f"{message} (correlation id {correlation_id})"
        super().__init__(message)
        self.error = error
        self.description = description
        self.correlation_id = correlation_id


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token with its expiry and, when the provider set one, its refresh time."""

    token: str = field(repr=False)
    expires_on: int
    refresh_on: int | None = None
    token_type: str = "Bearer"


RENEWAL_WINDOW = 300
"""Seconds before expiry a token counts as due for renewal (as the app's cache counts it)."""


def renewal_time(issued: IssuedToken) -> float:
    """When ``issued`` is due for renewal: its ``refresh_on``, else 5 minutes before expiry."""
    if issued.refresh_on is not None:
        return min(issued.refresh_on, issued.expires_on - RENEWAL_WINDOW)
    return issued.expires_on - RENEWAL_WINDOW


def issued_token_of(result: Mapping[str, Any], *, now: float) -> IssuedToken:
    """The token of a façade result, or :class:`TokenRequestError` for an error result."""
    token = result.get("access_token")
    if not isinstance(token, str) or not token:
        error = str(result.get("error") or "invalid_response")
        description = str(result.get("error_description") or "no access token in the answer")
        correlation = result.get("correlation_id")
        raise TokenRequestError(
            error, description, correlation_id=correlation if isinstance(correlation, str) else None
        )
    expires_in = result.get("expires_in")
    expires_on = int(now + (expires_in if isinstance(expires_in, int | float) else 0))
    refresh_on = result.get("refresh_on")
    return IssuedToken(
        token,
        expires_on,
        int(refresh_on) if isinstance(refresh_on, int | float) else None,
        str(result.get("token_type") or "Bearer"),
    )


@dataclass(frozen=True, slots=True)
class TenantPolicy:
    """Which tenants a credential may ask for besides the one its authority names."""

    default_tenant: str
    additionally_allowed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, authority: str, allowed: Iterable[str] = ()) -> TenantPolicy:
        """The policy of a credential whose authority is ``authority``."""
        segments = [s for s in urlsplit(authority).path.split("/") if s]
        default = segments[0] if segments else "organizations"
        return cls(default, frozenset(t.lower() for t in allowed))

    def resolve(self, tenant_id: str | None) -> str:
        """The tenant to ask, or :class:`TokenRequestError` when ``tenant_id`` is not allowed."""
        if not tenant_id or tenant_id.lower() == self.default_tenant.lower():
            return self.default_tenant
        if "*" in self.additionally_allowed or tenant_id.lower() in self.additionally_allowed:
            return tenant_id
        raise TokenRequestError(
            "tenant_not_allowed",
            f"The credential may not acquire tokens from tenant {tenant_id!r}: add it to "
            "additionally_allowed_tenants, or add '*' to allow any tenant.",
        )


def authority_for_tenant(authority: str, tenant: str) -> str:
    """``authority`` with its tenant segment replaced by ``tenant``."""
    parts = urlsplit(authority)
    return f"{parts.scheme}://{parts.netloc}/{tenant}"


class AppPool(Generic[AppT]):
    """One app per (tenant, CAE or not), built on first use; one cache per CAE flavour."""

    def __init__(
        self,
        build: Callable[[str, bool, TokenCache], AppT],
        *,
        caches: tuple[TokenCache, TokenCache] | None = None,
        prebuilt: Mapping[tuple[str, bool], AppT] | None = None,
    ) -> None:
        self._build = build
        self._caches = caches or (TokenCache(), TokenCache())
        self._apps: dict[tuple[str, bool], AppT] = dict(prebuilt or {})
        self._lock = threading.Lock()

    def app(self, tenant: str, cae: bool) -> AppT:
        """The app for ``tenant`` with (``cae``) or without CAE."""
        key = (tenant.lower(), cae)
        with self._lock:
            app = self._apps.get(key)
            if app is None:
                app = self._apps[key] = self._build(tenant, cae, self._caches[int(cae)])
            return app

    def apps(self) -> list[AppT]:
        """Every app built so far."""
        with self._lock:
            return list(self._apps.values())


def app_options_for(
    authority: str, tenant: str, cae: bool, cache: TokenCache, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Constructor arguments of the app for ``tenant`` and CAE flavour ``cae``."""
    capabilities = [c for c in options.get("client_capabilities") or () if c != CAE_CAPABILITY]
    return {
        **options,
        "authority": authority_for_tenant(authority, tenant),
        "token_cache": cache,
        "client_capabilities": [*capabilities, CAE_CAPABILITY] if cae else capabilities or None,
    }


def now() -> float:
    """Epoch seconds (the one clock the integrations read)."""
    return time.time()
