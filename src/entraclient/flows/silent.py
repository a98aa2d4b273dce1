"""Silent acquisition for a signed-in account (PROTOCOL.md §8.6, §8.10).

Order of work, under the configured host and then under each alias host that holds refresh
tokens of the account:

1. discover the authority (the realm tokens are cached under);
2. unless ``force_refresh`` or a claims challenge, look up an access token of the account
   for the (undecorated) scopes; a valid one not past its ``refresh_on`` is the answer;
3. otherwise refresh with the account's refresh tokens (:mod:`.refresh`), asking for the
   decorated scopes; on failure fall back to the aging token found in step 2, if any.

The result is the token dict, an error dict (``classification`` added when the error has a
``suberror``), or ``None`` when nothing usable was cached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from entraclient.cache.token_cache import AccessTokenQuery, ReadOnlyEntry, RefreshTokenQuery
from entraclient.errors import FlowError, TransportError
from entraclient.flows.aliases import AliasHosts
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver
from entraclient.flows.refresh import RefreshOutcome, RefreshRequest, refresh_for_account
from entraclient.flows.results import from_cache, is_aging
from entraclient.http.driver import Flow
from entraclient.scopes import decorate

__all__ = ["SilentRequest", "acquire_token_silent"]

SilentResult = dict[str, Any] | None
ResolverFor = Callable[[str], EndpointResolver]

# Suberrors that say nothing the caller can act on are reported with an empty classification.
_QUIET_SUBERRORS = frozenset(
    {
        "bad_token",
        "token_expired",
        "protection_policy_required",
        "client_mismatch",
        "device_authentication_failed",
    }
)


@dataclass(frozen=True, slots=True)
class SilentRequest:
    """One call of ``acquire_token_silent(_with_error)``."""

    scopes: tuple[str, ...]
    home_account_id: str
    correlation_id: str
    force_refresh: bool = False
    claims_challenge: str | None = None
    ext_cache_key: str | None = None
    claims: str | None = None
    """What a refresh sends as ``claims``: the challenge, capabilities and forwarded claims
    merged (:func:`entraclient.request_records.request_claims`)."""


def acquire_token_silent(
    app: AppContext,
    resolver: EndpointResolver,
    aliases: AliasHosts,
    resolver_for: ResolverFor,
    request: SilentRequest,
) -> Flow[SilentResult]:
    """Answer ``request`` from the cache, refreshing when needed; see the module docstring."""
    environment = app.authority.environment
    outcome = yield from _silent_under(app, resolver, environment, request)
    if isinstance(outcome, dict):
        return outcome
    final = outcome
    for alias in (yield from aliases.aliases(environment)):
        if not app.cache.find_refresh_tokens(RefreshTokenQuery(request.home_account_id, alias)):
            continue
        outcome = yield from _silent_under(app, resolver_for(alias), alias, request)
        if isinstance(outcome, dict):
            return outcome
        final = outcome if outcome is not None else final
    return _error_result(final) if final is not None else None


def _silent_under(
    app: AppContext, resolver: EndpointResolver, environment: str, request: SilentRequest
) -> Flow[RefreshOutcome]:
    endpoints = yield from resolver.resolve()
    cached: ReadOnlyEntry | None = None
    if not (request.force_refresh or request.claims_challenge):
        query = AccessTokenQuery(
            client_id=app.client_id,
            environment=environment,
            realm=endpoints.realm,
            scopes=request.scopes,
            home_account_id=request.home_account_id,
            ext_cache_key=request.ext_cache_key,
        )
        now = app.clock()
        cached = app.cache.find_access_token(query, now) or app.cache.find_obo_access_token(
            query, now
        )
        if cached is not None and not is_aging(cached, now):
            return from_cache(cached, now)
    refresh = RefreshRequest(
        home_account_id=request.home_account_id,
        scopes=tuple(decorate(request.scopes, app.exclude_scopes)),
        correlation_id=request.correlation_id,
        claims=request.claims,
        ext_cache_key=request.ext_cache_key,
    )
    try:
        outcome = yield from refresh_for_account(app, endpoints, environment, refresh)
    except TransportError:
        if cached is None:
            raise
        return from_cache(cached, app.clock())
    if isinstance(outcome, dict) or cached is None:
        return outcome
    return from_cache(cached, app.clock())


def _error_result(failure: FlowError) -> dict[str, Any]:
    result = failure.result()
    suberror = result.get("suberror")
    if suberror:
        result["classification"] = "" if suberror in _QUIET_SUBERRORS else suberror
    return result
