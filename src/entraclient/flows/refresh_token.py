"""Redeeming a refresh token obtained elsewhere (RFC 6749 §6), to migrate it into the cache.

``acquire_token_by_refresh_token`` is for refresh tokens another library acquired: the
answer is filed like any other acquisition (access token, the new refresh token as a new
entry, id token, Account), so ``get_accounts`` and ``acquire_token_silent`` work afterwards.
The cache is not read: the caller asked for this very token to be redeemed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver
from entraclient.flows.token_request import build_token_request, parse_token_response
from entraclient.flows.user_tokens import UserTokenFiling, file_user_tokens
from entraclient.http.driver import Flow
from entraclient.http.messages import pairs
from entraclient.scopes import wire_scope

__all__ = ["GRANT_TYPE", "RefreshTokenRedemption", "acquire_token_by_refresh_token"]

GRANT_TYPE = "refresh_token"


@dataclass(frozen=True, slots=True)
class RefreshTokenRedemption:
    """One call of ``acquire_token_by_refresh_token``."""

    refresh_token: str = field(repr=False)
    decorated_scopes: tuple[str, ...]
    correlation_id: str
    claims: str | None = None


def acquire_token_by_refresh_token(
    app: AppContext, resolver: EndpointResolver, request: RefreshTokenRedemption
) -> Flow[dict[str, Any]]:
    """Redeem the refresh token, file the answer, return it."""
    endpoints = yield from resolver.resolve(pii_logging=app.pii_logging)
    fields = pairs(
        [
            ("refresh_token", request.refresh_token),
            ("scope", wire_scope(request.decorated_scopes)),
            ("claims", request.claims),
        ]
    )
    response = yield build_token_request(
        app,
        endpoints.token_endpoint,
        grant_type=GRANT_TYPE,
        grant_fields=fields,
        correlation_id=request.correlation_id,
    )
    token = parse_token_response(response)
    filing = UserTokenFiling(grant_type=GRANT_TYPE, requested_scopes=request.decorated_scopes)
    return file_user_tokens(app, endpoints, token, filing)
