"""Refreshing an access token with a cached refresh token (RFC 6749 §6; PROTOCOL.md §8.5, §8.7).

Order of the refresh tokens tried for an account (FOCI, "family of client ids"):

1. the app has no AppMetadata yet (never got a token here): family ``"1"`` tokens of any
   client, stopping at the first ``client_mismatch`` (the app is not in the family);
2. the AppMetadata names a family: that family's tokens;
3. the app's own tokens.

Within each step the most recently written token goes first. A success stores the new
access and id tokens (no Account: a concurrent ``remove_account`` stays removed), rotates
the used refresh token in place and rewrites the AppMetadata. A failed token is kept: an
``invalid_grant`` may only mean a new policy for this resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from entraclient.cache.ingest import GrantContext, cache_write_for
from entraclient.cache.token_cache import RefreshTokenQuery
from entraclient.errors import FlowError, ProtocolError, ServiceError
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import AuthorityEndpoints
from entraclient.flows.results import from_identity_provider
from entraclient.flows.token_request import TokenResponse, build_token_request, parse_token_response
from entraclient.http.driver import Flow
from entraclient.http.messages import pairs
from entraclient.scopes import wire_scope

__all__ = ["GRANT_TYPE", "RefreshRequest", "refresh_for_account"]

GRANT_TYPE = "refresh_token"
FIRST_FAMILY = "1"

RefreshOutcome = dict[str, Any] | FlowError | None
"""A result dict on success, the last failure, or ``None`` when no refresh token was found."""


@dataclass(frozen=True, slots=True)
class RefreshRequest:
    """What to ask for with an account's refresh tokens."""

    home_account_id: str
    scopes: tuple[str, ...]
    correlation_id: str
    claims: str | None = None
    ext_cache_key: str | None = None


def refresh_for_account(
    app: AppContext, endpoints: AuthorityEndpoints, environment: str, request: RefreshRequest
) -> Flow[RefreshOutcome]:
    """Try the account's refresh tokens in FOCI order; see the module docstring."""
    home = request.home_account_id
    metadata = app.cache.app_metadata(environment, app.client_id)
    if metadata is None:
        family = RefreshTokenQuery(home, environment, family_id=FIRST_FAMILY)
        outcome = yield from _try_each(app, endpoints, environment, request, family, probing=True)
        if isinstance(outcome, dict):
            return outcome
    last: RefreshOutcome = None
    family_id = metadata.get("family_id") if metadata is not None else None
    if family_id:
        family = RefreshTokenQuery(home, environment, family_id=family_id)
        last = yield from _try_each(app, endpoints, environment, request, family, probing=False)
        if isinstance(last, dict):
            return last
    own = RefreshTokenQuery(home, environment, client_id=app.client_id)
    outcome = yield from _try_each(app, endpoints, environment, request, own, probing=False)
    return outcome if outcome is not None else last


def _try_each(
    app: AppContext,
    endpoints: AuthorityEndpoints,
    environment: str,
    request: RefreshRequest,
    query: RefreshTokenQuery,
    *,
    probing: bool,
) -> Flow[RefreshOutcome]:
    outcome: RefreshOutcome = None
    for entry in app.cache.find_refresh_tokens(query):
        try:
            token = yield from _redeem(app, endpoints, entry["secret"], request)
        except FlowError as failure:
            outcome = failure
            if probing and _is_client_mismatch(failure):
                break
            continue
        return _store(app, endpoints, environment, request, entry, token)
    return outcome


def _redeem(
    app: AppContext, endpoints: AuthorityEndpoints, refresh_token: str, request: RefreshRequest
) -> Flow[TokenResponse]:
    fields = pairs(
        [
            ("refresh_token", refresh_token),
            ("scope", wire_scope(request.scopes)),
            ("claims", request.claims),
        ]
    )
    anchor = ("X-AnchorMailbox", "Oid:" + request.home_account_id.replace(".", "@"))
    http_request = build_token_request(
        app,
        endpoints.token_endpoint,
        grant_type=GRANT_TYPE,
        grant_fields=fields,
        correlation_id=request.correlation_id,
        extra_headers=(anchor,),
    )
    response = yield http_request
    return parse_token_response(response)


def _store(
    app: AppContext,
    endpoints: AuthorityEndpoints,
    environment: str,
    request: RefreshRequest,
    used: Mapping[str, Any],
    token: TokenResponse,
) -> dict[str, Any]:
    now = app.clock()
    target = token.scope if token.scope else wire_scope(request.scopes)
    grant = GrantContext(
        client_id=app.client_id,
        environment=environment,
        realm=endpoints.realm,
        target=wire_scope(target.split()),
        grant_type=GRANT_TYPE,
        now=int(now),
        ext_cache_key=request.ext_cache_key,
        skip_account_creation=True,
        keep_refresh_token_out=True,
    )
    try:
        write = cache_write_for(token, grant)
    except ValueError as bad:
        raise ProtocolError(f"the token response's {bad}", status_code=200) from None
    app.cache.save(write, now)
    if token.refresh_token:
        app.cache.update_refresh_token(used, token.refresh_token, now)
    return from_identity_provider(token, now)


def _is_client_mismatch(failure: FlowError) -> bool:
    if not isinstance(failure, ServiceError):
        return False
    info = failure.body.get("error_additional_info")
    listed = isinstance(info, list) and "client_mismatch" in info
    return listed or failure.body.get("suberror") == "client_mismatch"
