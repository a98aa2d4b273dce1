"""Acquiring a managed identity token, cache first: one flow for every backend.

Order of work:

1. look in the cache under MSAL's keys for managed identity tokens (client id: the identity's
   id or ``SYSTEM_ASSIGNED_MANAGED_IDENTITY``; environment ``localhost``; realm
   ``managed_identity``; target: the resource). A token valid for more than five minutes and
   not past its ``refresh_on`` is the answer, unless a claims challenge asks for a new one;
2. otherwise GET a token from the backend (Azure Arc: answer its 401 challenge with the key
   file it names, then ask again); Service Fabric is told which token to replace;
3. a valid answer is cached (with ``refresh_on`` at half its life when it lives two hours or
   more and the host sent no ``refresh_in``) and returned as MSAL's result dict.

A failed refresh of a token past its ``refresh_on`` returns that cached token instead.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from entraclient.cache.records import AppMetadataRecord, CacheWrite
from entraclient.cache.schema import AccessTokenRecord
from entraclient.cache.token_cache import AccessTokenQuery, TokenCache
from entraclient.errors import FlowError, ServiceError, TransportError
from entraclient.flows.results import from_cache, is_aging
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest
from entraclient.managed_identity.backends import IssuedToken, read_token, token_request
from entraclient.managed_identity.identities import IdentitySelector, ManagedIdentityError
from entraclient.managed_identity.sources import HostEnvironment

__all__ = [
    "CACHE_ENVIRONMENT",
    "CACHE_REALM",
    "IdentityContext",
    "KeyFileReader",
    "ManagedIdentityRequest",
    "acquire_managed_identity_token",
]

logger = logging.getLogger(__name__)

CACHE_ENVIRONMENT = "localhost"
CACHE_REALM = "managed_identity"
REFRESH_AFTER_HALF_LIFE = 7200  # seconds of lifetime from which refresh_on is set at half


class KeyFileReader(Protocol):
    """Reads the key file an Azure Arc challenge names (see :mod:`.arc`)."""

    def read(self, www_authenticate: str | None) -> str:
        """The file's content, or raise :class:`ManagedIdentityError`."""
        ...


@dataclass(frozen=True, slots=True)
class IdentityContext:
    """What every request of one client shares."""

    selector: IdentitySelector
    cache: TokenCache
    clock: Callable[[], float]
    arc_keys: KeyFileReader
    client_capabilities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ManagedIdentityRequest:
    """One call of ``acquire_token_for_client``."""

    resource: str
    host: HostEnvironment
    correlation_id: str
    claims_challenge: str | None = None


def acquire_managed_identity_token(
    context: IdentityContext, request: ManagedIdentityRequest
) -> Flow[dict[str, Any]]:
    """Answer ``request`` from the cache, or from the host's managed identity endpoint."""
    now = context.clock()
    query = AccessTokenQuery(
        client_id=context.selector.cache_client_id,
        environment=CACHE_ENVIRONMENT,
        realm=CACHE_REALM,
        scopes=(request.resource,),
    )
    cached = context.cache.find_access_token(query, now)
    if cached is not None and request.claims_challenge is None:
        if not is_aging(cached, now):
            logger.debug("managed identity token: cache hit")
            return from_cache(cached, now)
        logger.debug("managed identity token: aging, refreshing")
    to_replace = _sha256(cached["secret"]) if cached and request.claims_challenge else None
    try:
        token = yield from _obtain(context, request, to_replace)
    except (FlowError, TransportError) as failure:
        if cached is not None and request.claims_challenge is None:
            logger.info("refresh failed (%s); returning the cached token", type(failure).__name__)
            return from_cache(cached, context.clock())
        raise
    return _store(context, request, token, context.clock())


def _obtain(
    context: IdentityContext, request: ManagedIdentityRequest, to_replace: str | None
) -> Flow[IssuedToken]:
    def build(authorization: str | None = None) -> HttpRequest:
        return token_request(
            request.host,
            context.selector,
            request.resource,
            correlation_id=request.correlation_id,
            token_sha256_to_refresh=to_replace,
            client_capabilities=context.client_capabilities,
            authorization=authorization,
        )

    response = yield build()
    if request.host.source == "azure_arc":
        if response.status_code >= 400 and response.status_code != 401:
            read_token("azure_arc", response, context.clock())  # raises the error it carries
        if response.status_code != 401:
            description = f"Azure Arc answered HTTP {response.status_code} instead of a challenge"
            raise ServiceError(
                {"error": "invalid_request", "error_description": description},
                status_code=response.status_code,
            )
        secret = context.arc_keys.read(response.header("www-authenticate"))
        response = yield build(f"Basic {secret}")
        token = read_token("azure_arc", response, context.clock())
        _confirm_arc_identity(context.selector, token)
        return token
    return read_token(request.host.source, response, context.clock())


def _confirm_arc_identity(selector: IdentitySelector, token: IssuedToken) -> None:
    """An old Arc agent ignores the user-assigned selector and answers for the machine's own
    identity: accept a user-assigned token only if the agent echoes the identity asked for."""
    if not selector.user_assigned:
        return
    echo_fields = {"client_id": ("client_id",), "object_id": ("object_id",),
                   "resource_id": ("msi_res_id", "mi_res_id")}  # fmt: skip
    echoed = [str(token.body.get(name, "")) for name in echo_fields[selector.kind]]
    if not any(e and e.lower() == str(selector.value).lower() for e in echoed):
        raise ManagedIdentityError(
            "Azure Arc did not confirm the user-assigned managed identity asked for; "
            "its agent may not support user-assigned identities"
        )


def _store(
    context: IdentityContext, request: ManagedIdentityRequest, token: IssuedToken, now: float
) -> dict[str, Any]:
    refresh_in = token.refresh_in
    if refresh_in is None and token.expires_in >= REFRESH_AFTER_HALF_LIFE:
        refresh_in = token.expires_in // 2
    client_id = context.selector.cache_client_id
    expires_on = int(now) + token.expires_in
    record = AccessTokenRecord(
        secret=token.access_token,
        home_account_id=None,
        environment=CACHE_ENVIRONMENT,
        client_id=client_id,
        realm=CACHE_REALM,
        target=request.resource,
        token_type=token.token_type,
        cached_at=int(now),
        expires_on=expires_on,
        extended_expires_on=expires_on,
        refresh_on=int(now + refresh_in) if refresh_in is not None else None,
    )
    metadata = AppMetadataRecord(client_id, CACHE_ENVIRONMENT, None)
    context.cache.save(CacheWrite(access_token=record, app_metadata=metadata), now)
    result: dict[str, Any] = {
        "access_token": token.access_token,
        "expires_in": token.expires_in,
        "resource": token.resource,
        "token_type": token.token_type,
    }
    if refresh_in is not None:
        result["refresh_in"] = refresh_in
        result["refresh_on"] = int(now + refresh_in)
    result["token_source"] = "identity_provider"
    return result


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
