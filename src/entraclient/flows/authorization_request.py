"""The first leg of the authorization code grant: the URL a user is sent to (RFC 6749 §4.1.1,
with PKCE, RFC 7636 §4.3, and OpenID Connect, OIDC Core §3.1.2.1).

Both builders need the authority's ``authorization_endpoint``, so they are flows (discovery
runs once per application). Parameters are written in MSAL Python's order, ``None`` values
left out, scopes sorted and space-joined (PROTOCOL.md §7.2):

* :func:`initiate_auth_code_flow` returns the *auth code flow*, a dict the web app keeps in
  the user's session (state, PKCE verifier, raw nonce, redirect URI, scopes) and later hands
  to ``acquire_token_by_auth_code_flow`` with the redirect's parameters;
* :func:`authorization_request_url` is the bare URL, for callers who keep state themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from entraclient.flows.discovery import EndpointResolver
from entraclient.flows.pkce import CHALLENGE_METHOD, new_code_verifier, new_random_value, s256
from entraclient.flows.pkce import nonce_hash as hash_nonce
from entraclient.http.driver import Flow
from entraclient.scopes import wire_scope

__all__ = ["AuthCodeFlowRequest", "AuthorizationUrlRequest", "authorization_request_url",
           "initiate_auth_code_flow"]  # fmt: skip

Params = list[tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class AuthCodeFlowRequest:
    """One call of ``initiate_auth_code_flow`` (scopes already decorated)."""

    client_id: str
    scopes: tuple[str, ...]
    redirect_uri: str | None = None
    state: str | None = None
    prompt: str | None = None
    login_hint: str | None = None
    domain_hint: str | None = None
    claims: str | None = None
    claims_challenge: str | None = None
    max_age: int | None = None
    response_mode: str | None = None


@dataclass(frozen=True, slots=True)
class AuthorizationUrlRequest:
    """One call of ``get_authorization_request_url`` (scopes already decorated)."""

    client_id: str
    scopes: tuple[str, ...]
    response_type: str = "code"
    redirect_uri: str | None = None
    state: str | None = None
    login_hint: str | None = None
    prompt: str | None = None
    nonce: str | None = None
    domain_hint: str | None = None
    claims: str | None = None


def initiate_auth_code_flow(
    resolver: EndpointResolver, request: AuthCodeFlowRequest
) -> Flow[dict[str, Any]]:
    """The auth code flow dict; its ``auth_uri`` is where to send the user."""
    endpoints = yield from resolver.resolve()
    state = request.state or new_random_value()
    nonce = new_random_value()
    verifier = new_code_verifier()
    params: Params = [
        ("client_id", request.client_id),
        ("response_type", "code"),
        ("redirect_uri", request.redirect_uri),
        ("scope", wire_scope(request.scopes)),
        ("state", state),
        ("response_mode", request.response_mode),
        ("code_challenge", s256(verifier)),
        ("code_challenge_method", CHALLENGE_METHOD),
        ("nonce", hash_nonce(nonce)),
        ("client_info", "1"),
        ("login_hint", request.login_hint),
        ("prompt", request.prompt),
        ("domain_hint", request.domain_hint),
        ("claims", request.claims),
        ("max_age", None if request.max_age is None else str(request.max_age)),
        ("X-AnchorMailbox", f"UPN:{request.login_hint}" if request.login_hint else None),
    ]
    flow: dict[str, Any] = {
        "state": state,
        "redirect_uri": request.redirect_uri,
        "scope": list(request.scopes),
        "auth_uri": _url(endpoints.authorization_endpoint, params),
        "code_verifier": verifier,
        "nonce": nonce,
    }
    if request.max_age is not None:
        flow["max_age"] = request.max_age
    flow["claims_challenge"] = request.claims_challenge
    return flow


def authorization_request_url(
    resolver: EndpointResolver, request: AuthorizationUrlRequest
) -> Flow[str]:
    """The authorization URL, with exactly the parameters the caller chose."""
    endpoints = yield from resolver.resolve()
    params: Params = [
        ("client_id", request.client_id),
        ("response_type", request.response_type),
        ("redirect_uri", request.redirect_uri),
        ("scope", wire_scope(request.scopes)),
        ("state", request.state),
        ("nonce", request.nonce),
        ("login_hint", request.login_hint),
        ("prompt", request.prompt),
        ("domain_hint", request.domain_hint),
        ("claims", request.claims),
    ]
    return _url(endpoints.authorization_endpoint, params)


def _url(endpoint: str, params: Params) -> str:
    query = urlencode([(name, value) for name, value in params if value is not None])
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
