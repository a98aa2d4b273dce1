"""The web app: signs users in with the auth code flow and shows their orders.

Routes: ``/`` (who is signed in), ``/login`` (start a sign-in; ``?username=`` is passed as
``login_hint``), ``/auth/callback`` (where Entra posts the sign-in back), ``/orders`` (calls
the Orders API with a token acquired for the user), ``/logout``.
"""

from __future__ import annotations

import html
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from entraclient.aio import AsyncConfidentialClientApplication

SESSION_COOKIE = "webapp_session"


@dataclass
class WebAppSettings:
    """Where the app comes back to after sign-in, and the API it calls."""

    redirect_uri: str
    orders_url: str
    orders_scope: str
    suggested_username: str = ""
    # form_post keeps the code out of URLs, but the browser then comes back with a cross-site
    # POST, which carries a SameSite=Lax session cookie only when the app is served over
    # https. An app on plain http (loopback) uses "query": a top-level GET, which does.
    response_mode: str = "form_post"


@dataclass
class Sessions:
    """Server-side sessions, by a random cookie (a real app would use a shared store)."""

    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of(self, request: Request) -> tuple[str, dict[str, Any]]:
        sid = request.cookies.get(SESSION_COOKIE, "")
        if sid not in self.data:
            sid = secrets.token_urlsafe(24)
            self.data[sid] = {}
        return sid, self.data[sid]


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html><body>{body}</body></html>", status_code=status)


def _with_cookie(response: Response, sid: str) -> Response:
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax")
    return response


def build_web_app(
    msal_app: AsyncConfidentialClientApplication, settings: WebAppSettings, api: httpx.AsyncClient
) -> Starlette:
    """The web app's routes, over an entraclient app and a client for the Orders API."""
    sessions = Sessions()

    async def home(request: Request) -> Response:
        sid, session = sessions.of(request)
        user = session.get("user")
        if user is None:
            hint = html.escape(settings.suggested_username)
            form = (
                '<form action="/login"><label>User <input name="username" '
                f'value="{hint}"/></label> <button id="sign-in">Sign in</button></form>'
            )
            return _with_cookie(_page(f"<h1>Welcome</h1>{form}"), sid)
        return _with_cookie(
            _page(
                f"<h1>Hello {html.escape(user)}</h1>"
                "<p><a id='orders' href='/orders'>My orders</a> (the Orders API, which calls"
                " the inventory API on your behalf)</p><p><a href='/logout'>Sign out</a></p>"
            ),
            sid,
        )

    async def login(request: Request) -> Response:
        sid, session = sessions.of(request)
        session["flow"] = await msal_app.initiate_auth_code_flow(
            [settings.orders_scope],
            redirect_uri=settings.redirect_uri,
            login_hint=request.query_params.get("username") or None,
            claims_challenge=session.pop("claims_challenge", None),
            response_mode=settings.response_mode,
        )
        return _with_cookie(RedirectResponse(session["flow"]["auth_uri"], 302), sid)

    async def callback(request: Request) -> Response:
        sid, session = sessions.of(request)
        response = dict(parse_qsl((await request.body()).decode()))
        response.update(request.query_params)
        flow = session.pop("flow", None)
        if flow is None:  # no sign-in started in this session (or its cookie was not sent)
            body = (
                "<h1>Sign-in failed</h1><p>No sign-in was started here. <a href='/'>Retry</a></p>"
            )
            return _with_cookie(_page(body, 400), sid)
        result = await msal_app.acquire_token_by_auth_code_flow(flow, response)
        if "error" in result:
            text = html.escape(f"{result['error']}: {result.get('error_description', '')}")
            return _with_cookie(_page(f"<h1>Sign-in failed</h1><p>{text}</p>", 400), sid)
        session["user"] = result["id_token_claims"]["preferred_username"]
        return _with_cookie(RedirectResponse("/", 303), sid)

    async def orders(request: Request) -> Response:
        sid, session = sessions.of(request)
        accounts = await msal_app.get_accounts(username=session.get("user"))
        token = None
        if session.get("user") and accounts:
            token = await msal_app.acquire_token_silent([settings.orders_scope], accounts[0])
        if token is None:
            return _with_cookie(RedirectResponse("/login", 303), sid)
        answer = await api.get(
            settings.orders_url, headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        body = answer.json()
        if answer.status_code == 401 and body.get("claims"):
            session["claims_challenge"] = body["claims"]  # the user must sign in again (MFA)
            return _with_cookie(RedirectResponse("/login", 303), sid)
        text = html.escape(json.dumps(body, indent=2), quote=False)
        page = (
            f"<h1>Orders</h1><p>The Orders API answered:</p><pre>{text}</pre><a href='/'>Home</a>"
        )
        return _with_cookie(_page(page, answer.status_code), sid)

    async def logout(request: Request) -> Response:
        sid, session = sessions.of(request)
        for account in await msal_app.get_accounts(username=session.get("user")):
            await msal_app.remove_account(account)
        session.clear()
        return _with_cookie(RedirectResponse("/", 303), sid)

    return Starlette(
        routes=[
            Route("/", home),
            Route("/login", login),
            Route("/auth/callback", callback, methods=["GET", "POST"]),
            Route("/orders", orders),
            Route("/logout", logout),
        ]
    )
