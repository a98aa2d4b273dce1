"""ADFS-style authorities: ``https://{farm host}/adfs``.

Invariants:

* Only hosts registered with ``Emulator.add_adfs`` answer under ``/adfs``; on any other host
  these paths are 404, as on a server that is no ADFS farm.
* Discovery is at ``/adfs/.well-known/openid-configuration`` (no ``/v2.0``); endpoints are
  ``/adfs/oauth2/{authorize,token}/``; the issuer is ``https://{host}/adfs``.
* The token endpoint is the emulator's own (:class:`.token_endpoint.TokenEndpoint`), for the
  farm's tenant: same client authentication, grants and errors.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.directory import Tenant
from entraclient.emulator.token_endpoint import TokenEndpoint
from entraclient.emulator.web import json_response, request_host

__all__ = ["adfs_configuration", "adfs_routes"]

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def adfs_configuration(host: str) -> dict[str, object]:
    """The OpenID configuration an ADFS farm at ``host`` serves."""
    base = f"https://{host}/adfs"
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth2/authorize/",
        "token_endpoint": f"{base}/oauth2/token/",
        "jwks_uri": f"{base}/discovery/keys",
        "device_authorization_endpoint": f"{base}/oauth2/devicecode",
        "end_session_endpoint": f"{base}/oauth2/logout",
        "userinfo_endpoint": f"{base}/userinfo",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt",
            "windows_client_authentication",
        ],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ],
        "subject_types_supported": ["pairwise"],
        "scopes_supported": ["openid", "profile", "email", "allatclaims", "offline_access"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "access_token_issuer": f"http://{host}/adfs/services/trust",
    }


def _not_a_farm(request: Request) -> Response:
    description = f"{request_host(request)} is not an ADFS farm of the emulator."
    return json_response(request, {"error": "not_found", "error_description": description}, 404)


class AdfsTokenEndpoint(TokenEndpoint):
    """The token endpoint, for the tenant of the farm the request reached."""

    def tenant_segment(self, request: Request) -> str:
        tenant = self._farm_tenant(request)
        return tenant.id if tenant else "adfs"

    def _farm_tenant(self, request: Request) -> Tenant | None:
        return self._context.adfs_farms.tenant_for(request_host(request))

    async def token(self, request: Request) -> Response:
        if self._farm_tenant(request) is None:
            return _not_a_farm(request)
        return await super().token(request)


class AdfsDiscovery:
    """``GET /adfs/.well-known/openid-configuration`` and the farm's keys."""

    def __init__(self, context: EmulatorContext) -> None:
        self._context = context

    async def openid_configuration(self, request: Request) -> Response:
        host = request_host(request)
        if self._context.adfs_farms.tenant_for(host) is None:
            return _not_a_farm(request)
        return json_response(request, adfs_configuration(host))

    async def jwks(self, request: Request) -> Response:
        if self._context.adfs_farms.tenant_for(request_host(request)) is None:
            return _not_a_farm(request)
        return json_response(request, self._context.signer.jwks())


def adfs_routes(context: EmulatorContext) -> list[Route]:
    """The ``/adfs`` routes; they must come before the generic ``/{tenant}/...`` ones."""
    discovery = AdfsDiscovery(context)
    token = AdfsTokenEndpoint(context)
    return [
        Route(
            "/adfs/.well-known/openid-configuration",
            discovery.openid_configuration,
            methods=["GET"],
        ),
        Route("/adfs/discovery/keys", discovery.jwks, methods=["GET"]),
        Route("/adfs/oauth2/token/", token.token, methods=_ANY_METHOD),
        Route("/adfs/oauth2/token", token.token, methods=_ANY_METHOD),
    ]
