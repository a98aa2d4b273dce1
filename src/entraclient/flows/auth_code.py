"""The second leg of the authorization code grant: redeeming the code the user came back with
(RFC 6749 §4.1.2-§4.1.3, PKCE per RFC 7636 §4.5, id token per OIDC Core §3.1.3.7).

Order of work for ``acquire_token_by_auth_code_flow(flow, auth_response)``
(:func:`check_auth_response` runs first, before anything is sent):

1. the response's ``state`` must equal the flow's (RFC 6749 §10.12, CSRF), else
   ``error="state_mismatch"``; an ``error`` in the response is returned as such (only
   ``error``, ``error_description`` and ``error_uri``: nothing else an attacker put in the
   query reaches the caller); a response with neither ``code`` nor ``error`` is refused;
2. the code is sent with the flow's PKCE ``code_verifier`` and redirect URI, and a routing
   hint from the response's ``client_info``;
3. the id token is validated (:mod:`.id_token`): nonce, audience, issuer, lifetime;
4. only then is the answer cached (account, id token, access and refresh tokens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from entraclient.cache.identity import decode_client_info
from entraclient.errors import FlowError
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver
from entraclient.flows.id_token import IdTokenExpectations, validate_id_token
from entraclient.flows.token_request import build_token_request, parse_token_response
from entraclient.flows.user_tokens import UserTokenFiling, file_user_tokens
from entraclient.http.driver import Flow
from entraclient.http.messages import pairs
from entraclient.scopes import wire_scope

__all__ = [
    "GRANT_TYPE",
    "AuthResponseRejectedError",
    "CodeRedemption",
    "acquire_token_by_auth_code_flow",
    "check_auth_response",
    "redeem_authorization_code",
]

GRANT_TYPE = "authorization_code"
_ERROR_MEMBERS = ("error", "error_description", "error_uri")


class AuthResponseRejectedError(FlowError):
    """The redirect's parameters cannot be redeemed (forged, stale or an error)."""

    def __init__(self, outcome: dict[str, Any]) -> None:
        super().__init__(str(outcome.get("error")))
        self.outcome = outcome

    def result(self) -> dict[str, Any]:
        return dict(self.outcome)


@dataclass(frozen=True, slots=True)
class CodeRedemption:
    """One code to redeem, and what its id token must say."""

    code: str = field(repr=False)
    decorated_scopes: tuple[str, ...]
    correlation_id: str
    redirect_uri: str | None = None
    code_verifier: str | None = field(default=None, repr=False)
    expected_nonce: str | None = field(default=None, repr=False)
    max_age: int | None = None
    claims: str | None = None
    anchor_mailbox: str | None = None
    ext_cache_key: str | None = None


def check_auth_response(flow_state: str, auth_response: Mapping[str, Any]) -> str:
    """The code of a redirect that belongs to this flow; :class:`AuthResponseRejectedError` else."""
    if auth_response.get("state") != flow_state:
        raise AuthResponseRejectedError(
            {
                "error": "state_mismatch",
                "error_description": "the auth response's state is not the one this sign-in "
                "sent: it may be forged (CSRF) or belong to another sign-in; start again",
            }
        )
    code = auth_response.get("code")
    if isinstance(code, str) and code:
        return code
    error = auth_response.get("error")
    if isinstance(error, str) and error:
        raise AuthResponseRejectedError(
            {k: str(auth_response[k]) for k in _ERROR_MEMBERS if auth_response.get(k)}
        )
    raise AuthResponseRejectedError(
        {
            "error": "invalid_auth_response",
            "error_description": "the auth response has neither a code nor an error",
        }
    )


def anchor_from_client_info(client_info: object) -> str | None:
    """The ``X-AnchorMailbox`` routing hint ``Oid:{uid}@{utid}``, if ``client_info`` says."""
    if not isinstance(client_info, str) or not client_info:
        return None
    try:
        info = decode_client_info(client_info)
    except ValueError:
        return None
    uid, utid = info.get("uid"), info.get("utid")
    if isinstance(uid, str) and isinstance(utid, str):
        return f"Oid:{uid}@{utid}"
    return None


def acquire_token_by_auth_code_flow(
    app: AppContext,
    resolver: EndpointResolver,
    flow_state: str,
    auth_response: Mapping[str, Any],
    redemption: CodeRedemption,
) -> Flow[dict[str, Any]]:
    """Check the redirect against its flow, then redeem its code (``redemption`` has the
    flow's verifier, nonce and redirect URI; its ``code`` is filled in here)."""
    code = check_auth_response(flow_state, auth_response)
    anchor = anchor_from_client_info(auth_response.get("client_info"))
    request = replace(redemption, code=code, anchor_mailbox=anchor)
    return (yield from redeem_authorization_code(app, resolver, request))


def redeem_authorization_code(
    app: AppContext, resolver: EndpointResolver, request: CodeRedemption
) -> Flow[dict[str, Any]]:
    """Exchange the code for tokens, validate the id token, file them, return them."""
    endpoints = yield from resolver.resolve(pii_logging=app.pii_logging)
    fields = pairs(  # MSAL Python's order, so both send the same body
        [
            ("claims", request.claims),
            ("code_verifier", request.code_verifier),
            ("code", request.code),
            ("redirect_uri", request.redirect_uri),
            ("scope", wire_scope(request.decorated_scopes)),
        ]
    )
    anchor = (("X-AnchorMailbox", request.anchor_mailbox),) if request.anchor_mailbox else ()
    response = yield build_token_request(
        app,
        endpoints.token_endpoint,
        grant_type=GRANT_TYPE,
        grant_fields=fields,
        correlation_id=request.correlation_id,
        extra_headers=anchor,
    )
    token = parse_token_response(response)
    if token.id_token is not None:
        expected = IdTokenExpectations(
            client_id=app.client_id,
            issuer=endpoints.issuer,
            nonce=request.expected_nonce,
            now=app.clock(),
            max_age=request.max_age,
        )
        validate_id_token(token.id_token_claims, expected)
    filing = UserTokenFiling(
        grant_type=GRANT_TYPE,
        requested_scopes=request.decorated_scopes,
        ext_cache_key=request.ext_cache_key,
    )
    return file_user_tokens(app, endpoints, token, filing)
