"""The client credentials grant (RFC 6749 §4.4): an app token, cache first.

Order of work:

1. discover the authority (once per application);
2. unless a claims challenge asks for a fresh token, look in the app-token partition of
   the cache; a token past its ``refresh_on`` is *aging*: refresh it, but fall back to it if
   the refresh fails;
3. otherwise POST ``grant_type=client_credentials``, validate the answer, cache it, return it.

With a region (:mod:`entraclient.flows.regions`) the POST goes to the regional token
endpoint; everything else stays central: the assertion's ``aud`` and the callable's
``token_endpoint`` are the central endpoint, and the token is cached under the central host.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from entraclient.cache.records import AppMetadataRecord, CacheWrite
from entraclient.cache.schema import AccessTokenRecord
from entraclient.cache.token_cache import EXPIRY_MARGIN_SECONDS, AccessTokenProbes, ReadOnlyEntry
from entraclient.errors import FlowError, TransportError
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import AuthorityEndpoints, EndpointResolver
from entraclient.flows.regions import RegionalEndpoints
from entraclient.flows.results import from_cache, from_identity_provider, is_aging
from entraclient.flows.token_request import (
    TokenResponse,
    build_token_request,
    cache_target,
    parse_token_response,
)
from entraclient.http.driver import Flow
from entraclient.http.messages import pairs
from entraclient.scopes import RESERVED_SCOPES, are_plain_scopes, wire_scope

__all__ = [
    "AppTokenLookup",
    "ClientCredentialsRequest",
    "acquire_token_for_client",
]

logger = logging.getLogger(__name__)

GRANT_TYPE = "client_credentials"


@dataclass(frozen=True, slots=True)
class ClientCredentialsRequest:
    """One call of ``acquire_token_for_client``; ``claims`` is what the request sends (the
    claims challenge merged with the app's capabilities and forwarded claims)."""

    scopes: tuple[str, ...]
    correlation_id: str
    claims_challenge: str | None = None
    fmi_path: str | None = None
    ext_cache_key: str | None = None
    claims: str | None = None


class AppTokenLookup:
    """Looks up one application's app tokens: the quick path before any flow, and the flow's
    own look-up, are this one :meth:`peek`.

    The probes of a (tenant, cache key) are built on first use and reused, so a repeated
    look-up costs a string join and a dictionary read.
    """

    __slots__ = ("_app", "_clock", "_hot_tokens", "_last", "_probes")

    def __init__(self, app: AppContext) -> None:
        self._app = app
        self._clock = app.clock
        self._hot_tokens = app.cache.hot_tokens
        self._probes: dict[tuple[str, str | None], AccessTokenProbes] = {}
        self._last: tuple[AuthorityEndpoints, AccessTokenProbes] | None = None

    def peek(
        self, endpoints: AuthorityEndpoints, scopes: Sequence[str], now: float,
        ext_cache_key: str | None = None,
    ) -> ReadOnlyEntry | None:  # fmt: skip
        """A cached app token for ``scopes`` that is still valid (maybe aging), or ``None``."""
        last = self._last
        if last is not None and last[0] is endpoints and ext_cache_key is None:
            return self._app.cache.find_access_token_for(last[1], scopes, now)
        probes = self._probes.get((endpoints.realm, ext_cache_key))
        if probes is None:
            probes = self._probes[endpoints.realm, ext_cache_key] = AccessTokenProbes(
                client_id=self._app.client_id,
                environment=self._app.authority.environment,
                realm=endpoints.realm,
                ext_cache_key=ext_cache_key,
            )
        if ext_cache_key is None:
            self._last = (endpoints, probes)
        return self._app.cache.find_access_token_for(probes, scopes, now)

    def fresh_result(
        self, endpoints: AuthorityEndpoints | None, scopes: object
    ) -> dict[str, Any] | None:
        """The answer to a plain call (``scopes`` a list of valid scopes, none reserved) when
        the cache holds a token not due for refresh and the authority is already discovered;
        ``None`` when the flow must run (it also checks ``scopes``).

        A repeated hit of one scope is this function alone: one probe of the cache's compact
        records (:mod:`entraclient.cache.hot_tokens`), a few comparisons, the answer.
        Anything else — the first hit of a key, several scopes, a record of another owner,
        a token near expiry or due for refresh — takes the full look-up below.
        """
        if endpoints is None:
            return None
        last = self._last
        if last is not None and last[0] is endpoints and type(scopes) is list and len(scopes) == 1:
            scope, probes = scopes[0], last[1]
            hot = (
                self._hot_tokens.get(probes.key_prefix + scope.lower())
                if type(scope) is str
                else None
            )
            if hot is not None:
                expires_on, refresh_on, secret, token_type, owner = hot
                now = self._clock()
                if (
                    expires_on - now >= EXPIRY_MARGIN_SECONDS
                    and (refresh_on is None or refresh_on >= now)
                    and (owner is probes.owner or owner == probes.owner)
                    and scope not in RESERVED_SCOPES  # are_plain_scopes, for one scope
                    and " " not in scope
                    and scope.isprintable()
                    and scope != ""
                ):
                    if logger.isEnabledFor(logging.DEBUG):
                        logger.debug("app token for %s: cache hit", scopes)
                    answer = {
                        "access_token": secret,
                        "token_type": token_type,
                        "expires_in": int(expires_on - now),
                        "token_source": "cache",
                    }
                    if refresh_on is not None:  # the same answer as from_cache gives
                        answer["refresh_on"] = refresh_on
                    return answer
        if not are_plain_scopes(scopes):
            return None
        assert isinstance(scopes, list)
        now = self._app.clock()
        cached = self.peek(endpoints, scopes, now)
        if cached is None or ("refresh_on" in cached and is_aging(cached, now)):
            return None
        logger.debug("app token for %s: cache hit", scopes)
        return from_cache(cached, now)


def acquire_token_for_client(
    app: AppContext,
    resolver: EndpointResolver,
    request: ClientCredentialsRequest,
    regional: RegionalEndpoints | None = None,
    lookup: AppTokenLookup | None = None,
) -> Flow[dict[str, Any]]:
    """Answer ``request`` from the cache, or from the (regional, if any) token endpoint."""
    endpoints = yield from resolver.resolve(pii_logging=app.pii_logging)
    cached: ReadOnlyEntry | None = None
    if request.claims_challenge is None:
        now = app.clock()
        lookup = lookup or AppTokenLookup(app)
        cached = lookup.peek(endpoints, request.scopes, now, request.ext_cache_key)
        if cached is not None and not is_aging(cached, now):
            logger.debug("app token for %s: cache hit", request.scopes)
            return from_cache(cached, now)
        logger.debug(
            "app token for %s: %s", request.scopes, "aging, refreshing" if cached else "cache miss"
        )
    else:
        logger.debug("app token for %s: claims challenge, cache skipped", request.scopes)
    try:
        post_to = (yield from regional.token_endpoint(endpoints)) if regional else None
        token = yield from _request_token(app, endpoints, request, post_to)
    except (FlowError, TransportError) as failure:
        if cached is not None:
            logger.info("refresh failed (%s); returning the cached token", type(failure).__name__)
            return from_cache(cached, app.clock())
        raise
    now = app.clock()
    metadata = AppMetadataRecord(app.client_id, app.authority.environment, token.foci)
    record = _record(app, endpoints, request, token, now)
    app.cache.save(CacheWrite(access_token=record, app_metadata=metadata), now)
    logger.debug("app token for %s: cached, expires in %d s", request.scopes, token.expires_in)
    return from_identity_provider(token, now)


def _request_token(
    app: AppContext,
    endpoints: AuthorityEndpoints,
    request: ClientCredentialsRequest,
    post_to: str | None = None,
) -> Flow[TokenResponse]:
    grant_fields = pairs(  # in MSAL Python's order, so the two send identical bodies
        [
            ("fmi_path", request.fmi_path),
            ("claims", request.claims),
            ("scope", wire_scope(request.scopes)),
        ]
    )
    extra = {"fmi_path": request.fmi_path} if request.fmi_path else None
    http_request = build_token_request(
        app,
        endpoints.token_endpoint,
        grant_type=GRANT_TYPE,
        grant_fields=grant_fields,
        correlation_id=request.correlation_id,
        assertion_context=extra,
    )
    if post_to is not None:
        # Built for the central endpoint (the assertion's audience), sent to the regional one.
        http_request = replace(http_request, url=post_to)
    response = yield http_request
    return parse_token_response(response)


def _record(
    app: AppContext,
    endpoints: AuthorityEndpoints,
    request: ClientCredentialsRequest,
    token: TokenResponse,
    now: float,
) -> AccessTokenRecord:
    target = wire_scope(cache_target(token, request.scopes))
    return AccessTokenRecord(
        secret=token.access_token,
        home_account_id=None,
        environment=app.authority.environment,
        client_id=app.client_id,
        realm=endpoints.realm,
        target=target,
        token_type=token.token_type,
        cached_at=int(now),
        expires_on=int(now + token.expires_in),
        extended_expires_on=int(now + token.ext_expires_in),
        refresh_on=int(now + token.refresh_in) if token.refresh_in is not None else None,
        ext_cache_key=request.ext_cache_key,
    )
