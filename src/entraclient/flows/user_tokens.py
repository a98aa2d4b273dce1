"""Filing a user token response in the cache (PROTOCOL.md §8.2, §8.4) and answering with it.

Every grant that acquires tokens for a user (authorization code, refresh token, on-behalf-of,
user federated identity credential) ends here, so their cache entries have one shape: the
access token (``target`` = the sorted response scopes, or the requested ones when the
response names none), the refresh token as a new entry, the id token, the Account (from
``client_info``) and the AppMetadata. On-behalf-of tokens also carry ``user_assertion_hash``.
A response whose identity fields are malformed is a :class:`ProtocolError`; nothing of it is
cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from entraclient.cache.ingest import GrantContext, cache_write_for
from entraclient.cache.records import CacheWrite
from entraclient.errors import ProtocolError
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import AuthorityEndpoints
from entraclient.flows.results import from_identity_provider
from entraclient.flows.token_request import TokenResponse, cache_target
from entraclient.scopes import wire_scope

__all__ = ["UserTokenFiling", "file_user_tokens"]


@dataclass(frozen=True, slots=True)
class UserTokenFiling:
    """How to file one user token response."""

    grant_type: str
    requested_scopes: Sequence[str]
    user_assertion_hash: str | None = None
    ext_cache_key: str | None = None
    keep_refresh_token_out: bool = False
    """A refresh that rotates the used refresh token in place adds no new one."""
    account_required_for_access_token: bool = False
    """Keep the access token out of the cache when the response names no account (an
    on-behalf-of token without an account would share the key of an app token)."""


def file_user_tokens(
    app: AppContext, endpoints: AuthorityEndpoints, token: TokenResponse, filing: UserTokenFiling
) -> dict[str, Any]:
    """Store ``token`` under this app's host and realm; return the caller's result dict."""
    now = app.clock()
    target = cache_target(token, filing.requested_scopes)
    grant = GrantContext(
        client_id=app.client_id,
        environment=app.authority.environment,
        realm=endpoints.realm,
        target=wire_scope(target),
        grant_type=filing.grant_type,
        now=int(now),
        ext_cache_key=filing.ext_cache_key,
        user_assertion_hash=filing.user_assertion_hash,
        keep_refresh_token_out=filing.keep_refresh_token_out,
    )
    try:
        write = cache_write_for(token, grant)
    except ValueError as bad:
        raise ProtocolError(f"the token response's {bad}", status_code=200) from None
    app.cache.save(_without_anonymous_access_token(write, filing), now)
    return from_identity_provider(token, now)


def _without_anonymous_access_token(write: CacheWrite, filing: UserTokenFiling) -> CacheWrite:
    access_token = write.access_token
    anonymous = access_token is not None and not access_token.home_account_id
    if filing.account_required_for_access_token and anonymous:
        return replace(write, access_token=None)
    return write
