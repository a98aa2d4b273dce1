"""The emulator's managed identity endpoints: one per Azure host kind.

Each backend is a row of :data:`BACKENDS`: its path, API version, the header carrying its
secret, the query parameters that select a user-assigned identity, and how it shapes answers
and errors (as the hosts' public documentation shows; ``docs/managed-identity.md`` lists the
sources). ``Emulator.managed_identity(kind)`` returns the environment variables that point a
client here.

Order of checks: ``Metadata: true`` (VM, Arc), the secret header (App Service, Machine
Learning, Service Fabric), ``api-version``, the Arc challenge (401 with ``WWW-Authenticate:
Basic realm=<key file>`` until the request carries that file's content), ``resource``, the
identity (at most one selector; unknown: "identity not found"), the resource (unknown:
"unsupported resource"), then the token.

Invariants: secrets and keys are compared in constant time and never echoed; every answer is
JSON (``Cache-Control: no-store``); times come from the emulator's clock.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import ssl
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.managed_identities import (
    TOKEN_EXCHANGE_AUDIENCE,
    EmulatedIdentity,
    HostOutage,
    IssuedToken,
    issue_identity_token,
)
from entraclient.emulator.web import json_response

__all__ = [
    "BACKENDS",
    "Backend",
    "managed_identity_routes",
    "served_certificate_thumbprint",
]

Body = Callable[[IssuedToken, str, EmulatedIdentity], dict[str, object]]


def _imds_body(token: IssuedToken, resource: str, identity: EmulatedIdentity) -> dict[str, object]:
    return {
        "access_token": token.access_token,
        "client_id": identity.client_id,
        "expires_in": str(token.expires_in),
        "expires_on": str(token.expires_on),
        "ext_expires_in": str(token.expires_in),
        "not_before": str(token.not_before),
        "resource": resource,
        "token_type": "Bearer",
    }


def _arc_body(token: IssuedToken, resource: str, identity: EmulatedIdentity) -> dict[str, object]:
    # An agent that supports user-assigned identities echoes the one it used.
    echo = {"object_id": identity.object_id, "msi_res_id": identity.resource_id}
    return {**_imds_body(token, resource, identity), **echo}


def _app_service_body(
    token: IssuedToken, resource: str, identity: EmulatedIdentity
) -> dict[str, object]:
    return {
        "access_token": token.access_token,
        "expires_on": str(token.expires_on),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": identity.client_id,
    }


def _machine_learning_body(
    token: IssuedToken, resource: str, identity: EmulatedIdentity
) -> dict[str, object]:
    return {
        "access_token": token.access_token,
        "expires_on": str(token.expires_on),
        "resource": resource,
        "token_type": "Bearer",
    }


def _service_fabric_body(
    token: IssuedToken, resource: str, identity: EmulatedIdentity
) -> dict[str, object]:
    return {
        "token_type": "Bearer",
        "access_token": token.access_token,
        "expires_on": token.expires_on,
        "resource": resource,
    }


@dataclass(frozen=True, slots=True)
class Backend:
    """How one Azure host kind serves managed identity tokens."""

    kind: str
    path: str
    api_version: str
    secret_header: str | None
    selectors: Mapping[str, str]  # query parameter -> id kind
    error_style: str  # "oauth", "status_message" or "service_fabric"
    body: Body
    needs_metadata_header: bool = False
    refused_selectors: tuple[str, ...] = ()  # query parameters this host does not take


BACKENDS: dict[str, Backend] = {
    "vm": Backend(
        "vm",
        "/metadata/identity/oauth2/token",
        "2018-02-01",
        None,
        {
            "client_id": "client_id",
            "object_id": "object_id",
            "msi_res_id": "resource_id",
            "mi_res_id": "resource_id",
        },
        "oauth",
        _imds_body,
        needs_metadata_header=True,
    ),
    "app_service": Backend(
        "app_service",
        "/msi/token",
        "2019-08-01",
        "x-identity-header",
        {
            "client_id": "client_id",
            "principal_id": "object_id",
            "object_id": "object_id",
            "mi_res_id": "resource_id",
        },
        "status_message",
        _app_service_body,
    ),
    "machine_learning": Backend(
        "machine_learning",
        "/mlmsi/token",
        "2017-09-01",
        "secret",
        {"clientid": "client_id", "client_id": "client_id"},
        "status_message",
        _machine_learning_body,
        refused_selectors=("object_id", "msi_res_id", "mi_res_id"),
    ),
    "service_fabric": Backend(
        "service_fabric",
        "/sf/token",
        "2019-07-01-preview",
        "secret",
        {},
        "service_fabric",
        _service_fabric_body,
    ),
    "azure_arc": Backend(
        "azure_arc",
        "/arc/token",
        "2020-06-01",
        None,
        {"client_id": "client_id", "object_id": "object_id", "msi_res_id": "resource_id"},
        "oauth",
        _arc_body,
        needs_metadata_header=True,
    ),
}

# situation -> (HTTP status, OAuth error code, Service Fabric error code, message)
_ERRORS: dict[str, tuple[int, str, str, str]] = {
    "metadata": (400, "invalid_request", "BadRequest", "Required metadata header not specified"),
    "secret": (401, "unauthorized_client", "SecretHeaderNotFound",
               "The secret header is missing or does not match."),
    "api_version": (400, "invalid_request", "ArgumentNullOrEmpty",
                    "api-version was not specified in the request"),
    "arc_key": (401, "invalid_client", "Unauthorized",
                "The Authorization header does not carry the key file's content."),
    "resource": (400, "invalid_request", "ArgumentNullOrEmpty",
                 "Required query variable 'resource' is missing"),
    "selectors": (400, "invalid_request", "BadRequest",
                  "Only one of client_id, object_id and the resource id may be given."),
    "selector_kind": (400, "invalid_request", "BadRequest",
                      "This host selects a user-assigned identity by its client id only."),
    "busy": (429, "too_many_requests", "Throttled", "Too many requests; retry later."),
    "unavailable": (503, "temporarily_unavailable", "ServiceUnavailable",
                    "The managed identity endpoint is temporarily unavailable."),
    "identity": (400, "invalid_request", "ManagedIdentityNotFound", "Identity not found"),
    "unknown_resource": (400, "invalid_resource", "InvalidResource",
                         "AADSTS500011: The resource principal named {resource} was not "
                         "found in the tenant. The application may not be installed by the "
                         "administrator of the tenant."),
}  # fmt: skip


class _Refusal(Exception):  # noqa: N818 - a signal carrying the answer
    def __init__(self, situation: str, **details: str) -> None:
        super().__init__(situation)
        self.situation = situation
        self.details = details


def _error_body(backend: Backend, refusal: _Refusal) -> tuple[int, dict[str, object]]:
    status, code, fabric_code, message = _ERRORS[refusal.situation]
    text = message.format(**refusal.details) if refusal.details else message
    correlation = str(uuid.uuid4())
    if backend.error_style == "service_fabric":
        status = 404 if refusal.situation == "identity" else status
        return status, {"error": {"correlationId": correlation, "code": fabric_code,
                                  "message": text}}  # fmt: skip
    if backend.error_style == "status_message":
        return status, {"statusCode": status, "message": text, "correlationId": correlation}
    return status, {"error": code, "error_description": text}


class ManagedIdentityEndpoint:
    """Serves the token endpoint of one backend."""

    def __init__(self, context: EmulatorContext, backend: Backend) -> None:
        self._context = context
        self._backend = backend

    async def token(self, request: Request) -> Response:
        """A token for the selected identity, or the backend's error."""
        outage = self._context.identity_hosts.take_outage(self._backend.kind)
        if outage is not None:
            return self._outage_response(request, outage)
        try:
            challenge = self._check_headers(request)
            if challenge is not None:
                return challenge
            body = self._issue(request)
        except _Refusal as refusal:
            status, error = _error_body(self._backend, refusal)
            return json_response(request, error, status)
        return json_response(request, body)

    def _outage_response(self, request: Request, outage: HostOutage) -> Response:
        refusal = _Refusal("busy" if outage.status == 429 else "unavailable")
        _, error = _error_body(self._backend, refusal)
        if self._backend.error_style == "status_message":
            error["statusCode"] = outage.status
        response = json_response(request, error, outage.status)
        if outage.retry_after is not None:
            response.headers["Retry-After"] = str(outage.retry_after)
        return response

    def _check_headers(self, request: Request) -> Response | None:
        backend, settings = self._backend, self._context.identity_hosts
        if backend.needs_metadata_header and request.headers.get("metadata", "") != "true":
            raise _Refusal("metadata")
        if backend.secret_header is not None:
            presented = request.headers.get(backend.secret_header, "").encode()
            if not hmac.compare_digest(presented, settings.secret_of(backend.kind).encode()):
                raise _Refusal("secret")
        if not request.query_params.get("api-version"):
            raise _Refusal("api_version")
        if backend.kind == "azure_arc":
            return self._arc_challenge(request)
        return None

    def _arc_challenge(self, request: Request) -> Response | None:
        key = self._context.identity_hosts.arc_key
        authorization = request.headers.get("authorization")
        if key is None or authorization is None:
            realm = str(key.path) if key else ""
            headers = {"WWW-Authenticate": f"Basic realm={realm}"}
            body = {"error": "unauthorized_client", "error_description": "Authorization required"}
            response = json_response(request, body, 401)
            response.headers.update(headers)
            return response
        scheme, _, presented = authorization.partition(" ")
        expected = key.secret.encode()
        if scheme.lower() != "basic" or not hmac.compare_digest(presented.encode(), expected):
            raise _Refusal("arc_key")
        return None

    def _issue(self, request: Request) -> dict[str, object]:
        resource = request.query_params.get("resource", "")
        if not resource:
            raise _Refusal("resource")
        identity = self._identity(request)
        if not self._known_resource(identity, resource):
            raise _Refusal("unknown_resource", resource=resource[:200])
        settings = self._context.identity_hosts
        token = issue_identity_token(
            self._context.signer,
            identity,
            resource,
            self._context.clock(),
            lifetime=settings.lifetime,
        )
        return self._backend.body(token, resource, identity)

    def _identity(self, request: Request) -> EmulatedIdentity:
        registry = self._context.managed_identities
        if self._backend.kind == "service_fabric":  # configured in the cluster, not per call
            chosen = self._context.identity_hosts.service_fabric_identity
            return chosen or registry.system_assigned
        if any(request.query_params.get(name) for name in self._backend.refused_selectors):
            raise _Refusal("selector_kind")
        given = [
            (kind, request.query_params[name])
            for name, kind in self._backend.selectors.items()
            if request.query_params.get(name)
        ]
        if len(given) > 1:
            raise _Refusal("selectors")
        if not given:
            return registry.system_assigned
        identity = registry.find(*given[0])
        if identity is None:
            raise _Refusal("identity")
        return identity

    def _known_resource(self, identity: EmulatedIdentity, resource: str) -> bool:
        if resource.rstrip("/") == TOKEN_EXCHANGE_AUDIENCE:
            return True
        tenant = self._context.directory.find_tenant(identity.tenant_id)
        return tenant is not None and self._context.directory.find_api(tenant, resource) is not None


def managed_identity_routes(context: EmulatorContext) -> list[Route]:
    """The token endpoint of every backend."""
    return [
        Route(backend.path, ManagedIdentityEndpoint(context, backend).token, methods=["GET"])
        for backend in BACKENDS.values()
    ]


def served_certificate_thumbprint(host: str, port: int) -> str:
    """The SHA-1 thumbprint (hex) of the certificate served at ``host:port`` without SNI, as
    Service Fabric's ``IDENTITY_SERVER_THUMBPRINT`` names its endpoint's certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # we only read the certificate, to name it
    with (
        socket.create_connection((host, port), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if der is None:
        raise RuntimeError("the emulator served no certificate")
    return hashlib.sha1(der).hexdigest().upper()  # noqa: S324 - the thumbprint is SHA-1
