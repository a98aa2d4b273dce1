"""The user federated identity credential grant (``grant_type=user_fic``, MSAL Python 1.39):
an agent exchanges a federated credential (its instance token) for a token of one user,
named by object id or username.

Form fields (PROTOCOL.md §5.2): ``user_federated_identity_credential``, ``user_id`` or
``username``, the decorated ``scope``, ``claims`` when any; a routing hint
``X-AnchorMailbox`` (``upn:{username}`` or ``Oid:{oid}@{tenant}``). The answer is filed
like any user token, with ``account_source="user_fic"``.
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

__all__ = ["GRANT_TYPE", "UserFicRequest", "acquire_token_by_user_fic"]

GRANT_TYPE = "user_fic"


@dataclass(frozen=True, slots=True)
class UserFicRequest:
    """One call of ``acquire_token_by_user_federated_identity_credential``."""

    assertion: str = field(repr=False)
    decorated_scopes: tuple[str, ...]
    correlation_id: str
    username: str | None = None
    user_object_id: str | None = None
    claims: str | None = None
    ext_cache_key: str | None = None


def acquire_token_by_user_fic(
    app: AppContext, resolver: EndpointResolver, request: UserFicRequest
) -> Flow[dict[str, Any]]:
    """Exchange the credential for the user's tokens, file them, return them."""
    endpoints = yield from resolver.resolve(pii_logging=app.pii_logging)
    fields = pairs(  # MSAL Python's order, so both send the same body
        [
            ("claims", request.claims),
            ("scope", wire_scope(request.decorated_scopes)),
            ("user_federated_identity_credential", request.assertion),
            ("user_id", request.user_object_id),
            ("username", None if request.user_object_id else request.username),
        ]
    )
    if request.username:
        anchor = f"upn:{request.username}"
    else:
        anchor = f"Oid:{request.user_object_id}@{endpoints.realm}"
    response = yield build_token_request(
        app,
        endpoints.token_endpoint,
        grant_type=GRANT_TYPE,
        grant_fields=fields,
        correlation_id=request.correlation_id,
        extra_headers=(("X-AnchorMailbox", anchor),),
    )
    token = parse_token_response(response)
    filing = UserTokenFiling(
        grant_type=GRANT_TYPE,
        requested_scopes=request.decorated_scopes,
        ext_cache_key=request.ext_cache_key,
    )
    return file_user_tokens(app, endpoints, token, filing)
