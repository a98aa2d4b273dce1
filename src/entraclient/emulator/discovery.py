"""Discovery endpoints: OpenID configuration, instance discovery and the JWKS.

Invariants:

* For a registered tenant (GUID or domain) every endpoint in the OpenID configuration carries
  the tenant GUID; for ``common``/``organizations``/``consumers`` they keep the alias and
  ``issuer`` has the literal ``{tenantid}`` (as Entra does).
* Instance discovery knows the Entra well-known hosts, the hosts added with
  ``Emulator.add_instance`` and the emulator's own loopback address; any other host is
  ``invalid_instance`` (AADSTS50049).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.hosts import (
    CLOUDS,
    LOOPBACK_HOSTS,
    WELL_KNOWN_AUTHORITY_HOSTS,
    cloud_for_host,
    split_host_port,
)
from entraclient.emulator.tokens import issuer_for, v1_issuer_for
from entraclient.emulator.web import (
    ResolvedTenant,
    error_response,
    json_response,
    request_host,
    resolve_tenant,
)

__all__ = ["DiscoveryEndpoints", "openid_configuration"]

_CLAIMS_SUPPORTED = [
    "sub",
    "iss",
    "cloud_instance_name",
    "cloud_instance_host_name",
    "cloud_graph_host_name",
    "msgraph_host",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "acr",
    "nonce",
    "preferred_username",
    "name",
    "tid",
    "ver",
    "at_hash",
    "c_hash",
    "email",
]


def openid_configuration(host: str, resolved: ResolvedTenant) -> dict[str, object]:
    """The OpenID configuration document Entra serves for this host and tenant."""
    base = f"https://{host}/{resolved.realm}"
    cloud = cloud_for_host(split_host_port(host)[0])
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer_for(host, resolved.tenant.id if resolved.tenant else "{tenantid}"),
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"https://{cloud.graph_host}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": _CLAIMS_SUPPORTED,
        "kerberos_endpoint": f"{base}/kerberos",
        "tenant_region_scope": "NA" if resolved.tenant else None,
        "cloud_instance_name": cloud.instance_name,
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": cloud.graph_host,
        "rbac_url": "https://pas.windows.net",
    }


def v1_openid_configuration(host: str, resolved: ResolvedTenant) -> dict[str, object]:
    """The v1 document (``/{tenant}/.well-known/openid-configuration``): the endpoints
    without ``/v2.0`` and the issuer of v1 tokens (``https://sts.windows.net/{tid}/``)."""
    base = f"https://{host}/{resolved.realm}"
    document = openid_configuration(host, resolved)
    tenant_id = resolved.tenant.id if resolved.tenant else "{tenantid}"
    document.update(
        {
            "token_endpoint": f"{base}/oauth2/token",
            "jwks_uri": f"{base}/discovery/keys",
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "end_session_endpoint": f"{base}/oauth2/logout",
            "issuer": v1_issuer_for(split_host_port(host)[0], tenant_id),
        }
    )
    document.pop("device_authorization_endpoint", None)
    return document


def _tenant_of_authorization_endpoint(url: str) -> str:
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return segments[0] if segments else "common"


class DiscoveryEndpoints:
    """The GET endpoints a client calls before asking for a token."""

    def __init__(self, context: EmulatorContext) -> None:
        self._context = context

    async def openid_configuration(self, request: Request) -> Response:
        """``GET /{tenant}/v2.0/.well-known/openid-configuration``."""
        try:
            resolved = resolve_tenant(self._context, request.path_params["tenant"])
        except EntraError as error:
            return error_response(request, error, self._context.clock())
        return json_response(request, openid_configuration(request_host(request), resolved))

    async def v1_openid_configuration(self, request: Request) -> Response:
        """``GET /{tenant}/.well-known/openid-configuration`` (the v1 endpoint)."""
        try:
            resolved = resolve_tenant(self._context, request.path_params["tenant"])
        except EntraError as error:
            return error_response(request, error, self._context.clock())
        return json_response(request, v1_openid_configuration(request_host(request), resolved))

    async def jwks(self, request: Request) -> Response:
        """``GET /{tenant}/discovery/v2.0/keys``: the public signing keys."""
        try:
            resolved = resolve_tenant(self._context, request.path_params["tenant"])
        except EntraError as error:
            return error_response(request, error, self._context.clock())
        host = request_host(request)
        issuer = issuer_for(host, resolved.tenant.id) if resolved.tenant else None
        return json_response(request, self._context.signer.jwks(issuer))

    async def instance_discovery(self, request: Request) -> Response:
        """``GET /common/discovery/instance``: host validation and the alias groups."""
        endpoint = request.query_params.get("authorization_endpoint")
        if not endpoint:
            error = EntraError(ErrorKind.MISSING_PARAMETER, name="authorization_endpoint")
            return error_response(request, error, self._context.clock())
        instance = urlsplit(endpoint).netloc.lower()
        if not self._is_known_instance(request, instance):
            error = EntraError(ErrorKind.INVALID_INSTANCE)
            return error_response(request, error, self._context.clock())
        tenant = _tenant_of_authorization_endpoint(endpoint)
        body = {
            "tenant_discovery_endpoint": (
                f"https://{instance}/{tenant}/v2.0/.well-known/openid-configuration"
            ),
            "api-version": request.query_params.get("api-version", "1.1"),
            "metadata": self._alias_metadata(),
        }
        return json_response(request, body)

    def _is_known_instance(self, request: Request, instance: str) -> bool:
        host, port = split_host_port(instance)
        if host in LOOPBACK_HOSTS:
            return port == _server_port(request)
        extra = self._context.extra_instances
        return host in WELL_KNOWN_AUTHORITY_HOSTS or host in extra or instance in extra

    def _alias_metadata(self) -> list[dict[str, object]]:
        groups = [cloud.alias_metadata() for cloud in CLOUDS]
        for host in self._context.extra_instances.names():
            groups.append({"preferred_network": host, "preferred_cache": host, "aliases": [host]})
        return groups


def _server_port(request: Request) -> int | None:
    server = request.scope.get("server")
    return int(server[1]) if server else None
