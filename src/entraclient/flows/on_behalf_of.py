"""On-behalf-of: a middle-tier API acting for the user who called it (the Entra OBO protocol,
a JWT bearer grant, RFC 7523 §2.1, with ``requested_token_use=on_behalf_of``).

Unlike MSAL Python, which always asks the identity provider, this flow looks in the cache
first, as MSAL .NET does. Tokens obtained with one incoming assertion are filed under the
hash of that assertion (``user_assertion_hash`` = base64url(SHA-256(assertion))), so a
service called again by the same user with the same token gets a cache hit. Order of work:

1. discover the authority (once per application);
2. unless a claims challenge asks for a fresh token: an access token of this assertion that
   is valid and not past its ``refresh_on`` is the answer;
3. otherwise redeem the refresh token obtained with this assertion, if any (no need for the
   assertion to still be valid);
4. otherwise (or if that fails) exchange the assertion itself at the token endpoint.

If steps 3-4 fail and step 2 found an aging token, that token is returned instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from entraclient.cache.token_cache import AccessTokenQuery, ReadOnlyEntry, RefreshTokenQuery
from entraclient.errors import FlowError, TransportError
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import AuthorityEndpoints, EndpointResolver
from entraclient.flows.results import from_cache, is_aging
from entraclient.flows.token_request import TokenResponse, build_token_request, parse_token_response
from entraclient.flows.user_tokens import UserTokenFiling, file_user_tokens
from entraclient.http.driver import Flow
from entraclient.http.messages import pairs
from entraclient.scopes import wire_scope

__all__ = [
    "GRANT_TYPE",
    "OnBehalfOfRequest",
    "acquire_token_on_behalf_of",
    "check_user_assertion",
    "fresh_obo_result",
    "peek_obo_token",
]

logger = logging.getLogger(__name__)

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_GRANT_TYPE = "refresh_token"
_PART = r"[A-Za-z0-9_-]*={0,2}"
_JWS = re.compile(rf"[A-Za-z0-9_-]+={{0,2}}\.[A-Za-z0-9_-]+={{0,2}}\.{_PART}")
_JWE = re.compile(rf"[A-Za-z0-9_-]+={{0,2}}(?:\.{_PART}){{4}}")


def check_user_assertion(user_assertion: object) -> str:
    """``user_assertion`` if it has the shape of a JWT; ``TypeError``/``ValueError`` otherwise.

    The message never shows the value: it is a user's token.
    """
    if not isinstance(user_assertion, str):
        raise TypeError(
            "user_assertion must be the incoming access token (a str), "
            f"not {type(user_assertion).__name__}"
        )
    token = user_assertion.strip()
    if not token:
        raise ValueError("user_assertion is empty: pass the bearer token your API received")
    # A signed JWT has three parts (JWS compact form), an encrypted one five (JWE).
    if not (_JWS.fullmatch(token) or _JWE.fullmatch(token)):
        raise ValueError(
            "user_assertion is not a JWT: pass the bearer token from the request's "
            "Authorization header, without the 'Bearer ' prefix"
        )
    return token


@dataclass(frozen=True, slots=True)
class OnBehalfOfRequest:
    """One call of ``acquire_token_on_behalf_of``."""

    user_assertion: str = field(repr=False)
    assertion_hash: str
    scopes: tuple[str, ...]
    decorated_scopes: tuple[str, ...]
    correlation_id: str
    claims: str | None = None
    claims_challenge: str | None = None
    ext_cache_key: str | None = None


def acquire_token_on_behalf_of(
    app: AppContext, resolver: EndpointResolver, request: OnBehalfOfRequest
) -> Flow[dict[str, Any]]:
    """Answer ``request`` from the cache, the assertion's refresh token, or the assertion."""
    endpoints = yield from resolver.resolve(pii_logging=app.pii_logging)
    cached: ReadOnlyEntry | None = None
    if request.claims_challenge is None:
        now = app.clock()
        cached = peek_obo_token(
            app, endpoints.realm, request.assertion_hash, request.scopes, now,
            ext_cache_key=request.ext_cache_key,
        )  # fmt: skip
        if cached is not None and not is_aging(cached, now):
            return from_cache(cached, now)
    try:
        if request.claims_challenge is None:
            refreshed = yield from _redeem_refresh_token(app, endpoints, request)
            if refreshed is not None:
                return refreshed
        token = yield from _exchange_assertion(app, endpoints, request)
    except (FlowError, TransportError) as failure:
        if cached is None:
            raise
        logger.info("on-behalf-of refresh failed (%s); the cached token", type(failure).__name__)
        return from_cache(cached, app.clock())
    return file_user_tokens(app, endpoints, token, _filing(request, GRANT_TYPE))


def fresh_obo_result(
    app: AppContext, endpoints: AuthorityEndpoints | None, assertion_hash: str,
    scopes: tuple[str, ...],
) -> dict[str, Any] | None:  # fmt: skip
    """The answer to a plain call when the cache holds a token not due for refresh and the
    authority is already discovered; ``None`` when the flow must run."""
    if endpoints is None:
        return None
    now = app.clock()
    cached = peek_obo_token(app, endpoints.realm, assertion_hash, scopes, now)
    if cached is None or is_aging(cached, now):
        return None
    return from_cache(cached, now)


def peek_obo_token(
    app: AppContext,
    realm: str,
    assertion_hash: str,
    scopes: tuple[str, ...],
    now: float,
    *,
    ext_cache_key: str | None = None,
) -> ReadOnlyEntry | None:
    """A valid access token obtained with this assertion (by its hash) for ``scopes``: the
    look-up of both the quick path and the flow."""
    for home_account_id in app.cache.accounts_of_assertion(assertion_hash):
        query = AccessTokenQuery(
            client_id=app.client_id,
            environment=app.authority.environment,
            realm=realm,
            scopes=scopes,
            home_account_id=home_account_id,
            ext_cache_key=ext_cache_key,
            user_assertion_hash=assertion_hash,
        )
        found = app.cache.find_access_token(query, now)
        if found is not None:
            return found
    return None


def _redeem_refresh_token(
    app: AppContext, endpoints: AuthorityEndpoints, request: OnBehalfOfRequest
) -> Flow[dict[str, Any] | None]:
    """New tokens from the refresh token bound to the assertion; ``None`` if none worked."""
    query = RefreshTokenQuery(
        home_account_id="",
        environment=app.authority.environment,
        client_id=app.client_id,
        user_assertion_hash=request.assertion_hash,
    )
    for entry in app.cache.find_refresh_tokens(query):
        fields = pairs(
            [
                ("refresh_token", entry["secret"]),
                ("scope", wire_scope(request.decorated_scopes)),
                ("claims", request.claims),
            ]
        )
        http_request = build_token_request(
            app,
            endpoints.token_endpoint,
            grant_type=REFRESH_GRANT_TYPE,
            grant_fields=fields,
            correlation_id=request.correlation_id,
        )
        try:
            token = parse_token_response((yield http_request))
        except FlowError as failure:
            logger.info("on-behalf-of refresh token refused (%s)", type(failure).__name__)
            continue
        filing = _filing(request, REFRESH_GRANT_TYPE, keep_refresh_token_out=True)
        result = file_user_tokens(app, endpoints, token, filing)
        if token.refresh_token:
            app.cache.update_refresh_token(entry, token.refresh_token, app.clock())
        return result
    return None


def _exchange_assertion(
    app: AppContext, endpoints: AuthorityEndpoints, request: OnBehalfOfRequest
) -> Flow[TokenResponse]:
    fields = pairs(  # MSAL Python's order, so both send the same body
        [
            ("requested_token_use", "on_behalf_of"),
            ("claims", request.claims),
            ("scope", wire_scope(request.decorated_scopes)),
            ("assertion", request.user_assertion),
        ]
    )
    http_request = build_token_request(
        app,
        endpoints.token_endpoint,
        grant_type=GRANT_TYPE,
        grant_fields=fields,
        correlation_id=request.correlation_id,
    )
    response = yield http_request
    return parse_token_response(response)


def _filing(
    request: OnBehalfOfRequest, grant_type: str, *, keep_refresh_token_out: bool = False
) -> UserTokenFiling:
    return UserTokenFiling(
        grant_type=grant_type,
        keep_refresh_token_out=keep_refresh_token_out,
        requested_scopes=request.decorated_scopes,
        user_assertion_hash=request.assertion_hash,
        ext_cache_key=request.ext_cache_key,
        account_required_for_access_token=True,
    )
