"""The Orders API: a middle-tier web API that acts for the user who called it.

``GET /orders`` validates the caller's bearer token (signature against the authority's
keys, issuer, audience, lifetime), then acquires a token for a downstream API on the
user's behalf. The second call with the same token is a cache hit: the downstream token's
``token_source`` says ``cache``. When the downstream API needs the user to sign in again
(MFA), the API answers 401 with the claims challenge for the web app to pass on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from entraclient.aio import AsyncConfidentialClientApplication


@dataclass
class ApiSettings:
    """Who the API is (audience), whom it trusts (issuer, keys), what it calls downstream."""

    audience: str
    issuer: str
    jwks: dict[str, Any]
    downstream_scope: str


def _validated_claims(token: str, settings: ApiSettings) -> dict[str, Any]:
    kid = jwt.get_unverified_header(token).get("kid")
    key = next(k for k in settings.jwks["keys"] if k.get("kid") == kid)
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience=settings.audience,
        issuer=settings.issuer,
        options={"require": ["exp", "aud", "iss", "scp"]},
    )
    return claims


def _unauthorized(error: str, description: str, **extra: str) -> JSONResponse:
    body = {"error": error, "error_description": description, **extra}
    return JSONResponse(body, 401, headers={"WWW-Authenticate": f'Bearer error="{error}"'})


def build_orders_api(
    msal_app: AsyncConfidentialClientApplication, settings: ApiSettings
) -> Starlette:
    """The API's routes, over the entraclient app it acquires downstream tokens with."""

    async def orders(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _unauthorized("invalid_request", "a bearer token is required")
        try:
            caller = _validated_claims(token, settings)
        except (jwt.PyJWTError, StopIteration):
            return _unauthorized("invalid_token", "the token is not valid for this API")
        result = await msal_app.acquire_token_on_behalf_of(token, [settings.downstream_scope])
        if "error" in result:
            if result.get("claims"):
                return _unauthorized(result["error"], "sign in again", claims=result["claims"])
            return JSONResponse({"error": result["error"]}, 502)
        downstream = jwt.decode(result["access_token"], options={"verify_signature": False})
        return JSONResponse(
            {
                "user": caller.get("preferred_username"),
                "orders": [{"id": 1, "item": "keyboard"}, {"id": 2, "item": "monitor"}],
                "downstream_token": {
                    "token_source": result["token_source"],
                    "aud": downstream.get("aud"),
                    "scp": downstream.get("scp"),
                    "azp": downstream.get("azp"),
                },
            }
        )

    return Starlette(routes=[Route("/orders", orders)])
