"""Azure AD B2C-style authorities: ``https://{name}.b2clogin.com/{tenant}/{policy}``.

Invariants:

* A policy is a path segment starting ``B2C_`` (any case), as user flows (``B2C_1_…``) and
  custom policies (``B2C_1A_…``) are named; any other second segment is 404.
* Endpoints keep the tenant as the client wrote it (lower-cased, a domain usually) and the
  policy lower-cased, as B2C does, so the realm a client caches under is that tenant; the
  issuer carries the tenant GUID: ``https://{host}/{tenant id}/v2.0/``.
* The token endpoint is the emulator's own (:class:`.token_endpoint.TokenEndpoint`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError
from entraclient.emulator.token_endpoint import TokenEndpoint
from entraclient.emulator.web import (
    ResolvedTenant,
    error_response,
    json_response,
    request_host,
    resolve_tenant,
)

__all__ = ["b2c_configuration", "b2c_routes", "is_policy"]

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def is_policy(segment: str) -> bool:
    """Whether a path segment names a B2C policy (``B2C_1_susi``, ``b2c_1a_signin``…)."""
    return segment.lower().startswith("b2c_") and len(segment) > len("b2c_")


def b2c_configuration(host: str, resolved: ResolvedTenant, policy: str) -> dict[str, object]:
    """The OpenID configuration B2C serves for a tenant and a policy."""
    tenant_id = resolved.tenant.id if resolved.tenant else resolved.realm
    base = f"https://{host}/{resolved.segment.lower()}/{policy.lower()}"
    return {
        "issuer": f"https://{host}/{tenant_id}/v2.0/",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "code id_token", "id_token", "id_token token"],
        "scopes_supported": ["openid"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["oid", "sub", "name", "emails", "tfp", "iss", "iat", "exp", "aud"],
    }


def _no_such_policy(request: Request) -> Response:
    policy = request.path_params["policy"]
    description = f"The emulator has no B2C policy {policy!r}: policies are named B2C_1_..."
    return json_response(request, {"error": "not_found", "error_description": description}, 404)


class B2cTokenEndpoint(TokenEndpoint):
    """The token endpoint under ``/{tenant}/{policy}``."""

    async def token(self, request: Request) -> Response:
        if not is_policy(request.path_params["policy"]):
            return _no_such_policy(request)
        return await super().token(request)


class B2cDiscovery:
    """The policy's OpenID configuration and keys."""

    def __init__(self, context: EmulatorContext) -> None:
        self._context = context

    async def openid_configuration(self, request: Request) -> Response:
        policy = request.path_params["policy"]
        if not is_policy(policy):
            return _no_such_policy(request)
        try:
            resolved = resolve_tenant(self._context, request.path_params["tenant"])
        except EntraError as error:
            return error_response(request, error, self._context.clock())
        return json_response(request, b2c_configuration(request_host(request), resolved, policy))

    async def jwks(self, request: Request) -> Response:
        if not is_policy(request.path_params["policy"]):
            return _no_such_policy(request)
        return json_response(request, self._context.signer.jwks())


def b2c_routes(context: EmulatorContext) -> list[Route]:
    """The ``/{tenant}/{policy}/...`` routes."""
    discovery = B2cDiscovery(context)
    token = B2cTokenEndpoint(context)
    prefix = "/{tenant}/{policy}"
    return [
        Route(
            f"{prefix}/v2.0/.well-known/openid-configuration",
            discovery.openid_configuration,
            methods=["GET"],
        ),
        Route(f"{prefix}/discovery/v2.0/keys", discovery.jwks, methods=["GET"]),
        Route(f"{prefix}/oauth2/v2.0/token", token.token, methods=_ANY_METHOD),
    ]
