"""The emulator's Starlette application: its routes, middleware and fallback answers."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from entraclient.emulator.adfs import adfs_routes
from entraclient.emulator.authorize import AuthorizeEndpoint
from entraclient.emulator.b2c import b2c_routes
from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.discovery import DiscoveryEndpoints
from entraclient.emulator.fault_middleware import FaultMiddleware
from entraclient.emulator.imds import imds_routes
from entraclient.emulator.managed_identity import managed_identity_routes
from entraclient.emulator.middleware import CollapseSlashesMiddleware, RequestLogMiddleware
from entraclient.emulator.resource_app import ResourceMiddleware
from entraclient.emulator.token_endpoint import TokenEndpoint
from entraclient.emulator.web import json_response

__all__ = ["build_app"]

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _no_such_endpoint(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    error = "method_not_allowed" if status == 405 else "not_found"
    description = f"The emulator has no {request.method} endpoint at {request.url.path}."
    return json_response(request, {"error": error, "error_description": description}, status)


def _routes(context: EmulatorContext) -> list[Route]:
    discovery = DiscoveryEndpoints(context)
    token = TokenEndpoint(context)
    authorize = AuthorizeEndpoint(context)
    return [
        *adfs_routes(context),  # before /{tenant}/oauth2/token, which /adfs/... would match
        *imds_routes(context),
        *managed_identity_routes(context),
        *b2c_routes(context),
        Route("/common/discovery/instance", discovery.instance_discovery, methods=["GET"]),
        Route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            discovery.openid_configuration,
            methods=["GET"],
        ),
        Route(
            "/{tenant}/.well-known/openid-configuration",
            discovery.v1_openid_configuration,
            methods=["GET"],
        ),
        Route("/{tenant}/discovery/v2.0/keys", discovery.jwks, methods=["GET"]),
        Route("/{tenant}/discovery/keys", discovery.jwks, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/token", token.token, methods=_ANY_METHOD),
        Route("/{tenant}/oauth2/token", token.token, methods=_ANY_METHOD),
        Route("/{tenant}/oauth2/v2.0/authorize", authorize.authorize, methods=["GET", "POST"]),
    ]


def build_app(context: EmulatorContext) -> Starlette:
    """The ASGI application serving every endpoint of the emulator."""
    return Starlette(
        routes=_routes(context),
        middleware=[
            Middleware(RequestLogMiddleware, log=context.log, clock=context.clock),
            Middleware(CollapseSlashesMiddleware),
            Middleware(FaultMiddleware, plan=context.faults),
            Middleware(ResourceMiddleware, context=context),
        ],
        exception_handlers={404: _no_such_endpoint, 405: _no_such_endpoint},
    )
