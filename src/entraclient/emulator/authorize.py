"""The authorize endpoint: ``GET /{tenant}/oauth2/v2.0/authorize`` (RFC 6749 §4.1.1-§4.1.2,
PKCE per RFC 7636 §4.4, OpenID Connect per OIDC Core §3.1.2), signing users in without a
browser.

Invariants:

* Until the client and its redirect URI are known good, errors are an HTML page (HTTP 400)
  and nothing is redirected (RFC 6749 §4.1.2.1): an unknown tenant (AADSTS90002), an
  unknown ``client_id`` (700016), a ``redirect_uri`` missing or not registered *exactly*
  for the app (50011).
* After that, every outcome goes back to the redirect URI, with ``state`` echoed: a code (and
  ``client_info`` when asked, and ``session_state``), or ``error``/``error_description``.
  ``response_mode=form_post`` answers with a self-submitting HTML form, ``fragment`` puts
  the parameters after ``#``, anything else in the query.
* The user is the one a test queued (``Emulator.sign_in_as``), else the registered user
  named by ``login_hint``; with neither, ``login_required`` (AADSTS50058).
* ``code_challenge_method`` is ``S256`` or ``plain`` (RFC 7636 §4.3); the code remembers the
  challenge, the redirect URI, the scopes and the nonce for the token leg.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from entraclient.emulator.auth_codes import AuthCodeGrant
from entraclient.emulator.claims_request import parse_claims
from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.directory import App
from entraclient.emulator.errors import EntraError, ErrorKind, render_error
from entraclient.emulator.sign_in import PendingSignIn
from entraclient.emulator.user_tokens import client_info_of
from entraclient.emulator.web import correlation_id, request_host, resolve_tenant

__all__ = ["AuthorizeEndpoint"]

CHALLENGE_METHODS = ("S256", "plain")
_STEP_UP_CLAIMS = ("acrs", "capolids", "amr")


@dataclass(frozen=True, slots=True)
class _Client:
    """A client and redirect URI known to be good: answers may now be redirected."""

    app: App
    tenant_id: str | None
    redirect_uri: str
    response_mode: str
    state: str | None


class AuthorizeEndpoint:
    """Signs a user in and redirects back with an authorization code."""

    def __init__(self, context: EmulatorContext) -> None:
        self._context = context

    async def authorize(self, request: Request) -> Response:
        """Answer one authorization request (GET query, or POST form)."""
        now = self._context.clock()
        params = await _parameters(request)
        try:
            client = self._client(request, params)
        except EntraError as error:
            return _error_page(request, error, now)
        try:
            answer = self._sign_in(client, params, now)
        except EntraError as error:
            body = render_error(
                error, host=request_host(request), correlation_id=correlation_id(request), now=now
            )
            answer = {
                "error": str(body["error"]),
                "error_description": str(body["error_description"]),
            }
        if client.state is not None:
            answer["state"] = client.state
        return _redirect_back(client, answer)

    def _client(self, request: Request, params: dict[str, str]) -> _Client:
        resolved = resolve_tenant(self._context, str(request.path_params["tenant"]))
        client_id = params.get("client_id")
        if not client_id:
            raise EntraError(ErrorKind.MISSING_PARAMETER, name="client_id")
        directory = self._context.directory
        app = (
            directory.find_app(resolved.tenant, client_id)
            if resolved.tenant
            else directory.find_app_by_client_id(client_id)
        )
        if app is None:
            raise EntraError(ErrorKind.UNKNOWN_CLIENT, client_id=client_id, tenant=resolved.segment)
        redirect_uri = params.get("redirect_uri", "")
        if not self._context.sign_ins.is_registered(app.client_id, redirect_uri):
            raise EntraError(
                ErrorKind.REDIRECT_URI_NOT_REGISTERED,
                redirect_uri=redirect_uri[:200],
                client_id=app.client_id,
            )
        return _Client(
            app=app,
            tenant_id=resolved.tenant.id if resolved.tenant else None,
            redirect_uri=redirect_uri,
            response_mode=params.get("response_mode", "query"),
            state=params.get("state"),
        )

    def _sign_in(self, client: _Client, params: dict[str, str], now: float) -> dict[str, str]:
        response_type = params.get("response_type", "")
        if response_type != "code":
            raise EntraError(ErrorKind.UNSUPPORTED_RESPONSE_TYPE, response_type=response_type)
        scopes = params.get("scope", "").split()
        if not scopes:
            raise EntraError(ErrorKind.MISSING_PARAMETER, name="scope")
        challenge, method = _pkce(params)
        pending = self._who_signs_in(params)
        grant = AuthCodeGrant(
            user=pending.user,
            client_id=client.app.client_id,
            tenant_id=client.tenant_id or pending.user.tenant_id,
            redirect_uri=client.redirect_uri,
            scopes=tuple(scopes),
            code_challenge=challenge,
            challenge_method=method,
            nonce=params.get("nonce"),
            issued_at=now,
            auth_time=now,
            mfa=pending.mfa or _asks_for_step_up(parse_claims(params)),
            max_age_requested="max_age" in params,
        )
        answer = {"code": self._context.auth_codes.issue(grant)}
        if params.get("client_info") == "1":
            answer["client_info"] = client_info_of(pending.user, pending.user.tenant_id)
        answer["session_state"] = str(uuid.uuid4())
        return answer

    def _who_signs_in(self, params: dict[str, str]) -> PendingSignIn:
        pending = self._context.sign_ins.next_sign_in()
        if pending is not None:
            return pending
        hint = params.get("login_hint")
        user = self._context.users.find_by_username(hint) if hint else None
        if user is None:
            raise EntraError(ErrorKind.LOGIN_REQUIRED)
        return PendingSignIn(user)


async def _parameters(request: Request) -> dict[str, str]:
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        pairs += parse_qsl((await request.body()).decode("utf-8", "replace"))
    found: dict[str, str] = {}
    for name, value in pairs:
        if value:
            found.setdefault(name, value)
    return found


def _pkce(params: dict[str, str]) -> tuple[str | None, str | None]:
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise EntraError(ErrorKind.MISSING_PARAMETER, name="code_challenge")
        return None, None
    method = method or "plain"
    if method not in CHALLENGE_METHODS:
        raise EntraError(
            ErrorKind.MALFORMED_REQUEST, reason="code_challenge_method must be S256 or plain."
        )
    return challenge, method


def _asks_for_step_up(claims: dict[str, Any] | None) -> bool:
    for member in ("access_token", "id_token"):
        requested = (claims or {}).get(member)
        if isinstance(requested, dict) and any(c in requested for c in _STEP_UP_CLAIMS):
            return True
    return False


def _error_page(request: Request, error: EntraError, now: float) -> HTMLResponse:
    body = render_error(
        error, host=request_host(request), correlation_id=correlation_id(request), now=now
    )
    text = html.escape(str(body["error_description"]))
    page = (
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>"
        f"<h1>Sorry, but we're having trouble signing you in.</h1><p>{text}</p></body></html>"
    )
    return HTMLResponse(page, status_code=error.kind.spec.status)


def _redirect_back(client: _Client, answer: dict[str, str]) -> Response:
    if client.response_mode == "form_post":
        return _form_post(client.redirect_uri, answer)
    separator = "#" if client.response_mode == "fragment" else "?"
    if separator == "?" and "?" in client.redirect_uri:
        separator = "&"
    location = f"{client.redirect_uri}{separator}{urlencode(answer)}"
    return RedirectResponse(location, status_code=302, headers={"Cache-Control": "no-store"})


def _form_post(redirect_uri: str, answer: dict[str, str]) -> HTMLResponse:
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
        for k, v in answer.items()
    )
    page = (
        "<!DOCTYPE html><html><head><title>Working...</title></head>"
        '<body onload="document.forms[0].submit()">'
        f'<form method="POST" action="{html.escape(redirect_uri)}">{fields}'
        "<noscript><p>Script is disabled. Click Submit to continue.</p>"
        '<input type="submit" value="Submit"/></noscript></form></body></html>'
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
