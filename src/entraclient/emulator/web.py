"""HTTP helpers every endpoint uses: the host the client asked for, tenants, JSON answers.

Invariants:

* Every URL the emulator returns is built from :func:`request_host`, so a client that reached
  it as ``login.microsoftonline.com`` sees that host, and one using ``127.0.0.1:{port}`` sees
  that address.
* Every JSON answer goes through :func:`json_response`: compact JSON, ``charset=utf-8``,
  ``Cache-Control: no-store`` and the caller's ``client-request-id`` echoed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.directory import Tenant
from entraclient.emulator.errors import EntraError, ErrorKind, render_error
from entraclient.emulator.hosts import TENANT_ALIASES

__all__ = [
    "ResolvedTenant",
    "correlation_id",
    "error_response",
    "json_response",
    "request_host",
    "resolve_tenant",
]

_HOST_HEADER = re.compile(r"[a-z0-9.-]+(:[0-9]{1,5})?|\[[0-9a-f:.]+\](:[0-9]{1,5})?")
JSON_MEDIA_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class ResolvedTenant:
    """A tenant path segment: a registered tenant, or one of the aliases (``tenant`` None)."""

    segment: str
    tenant: Tenant | None

    @property
    def realm(self) -> str:
        """What endpoints carry: the tenant GUID, or the alias as written (lower-case)."""
        return self.tenant.id if self.tenant else self.segment.lower()


def request_host(request: Request) -> str:
    """The ``Host`` the client used (with its port, if it sent one), lower-cased."""
    host = request.headers.get("host", "").strip().lower()
    if _HOST_HEADER.fullmatch(host):
        return host
    server = request.scope.get("server") or ("127.0.0.1", 443)
    return f"{server[0]}:{server[1]}"


def correlation_id(request: Request) -> str:
    """The caller's ``client-request-id``, or a new one."""
    return request.headers.get("client-request-id") or str(uuid.uuid4())


def resolve_tenant(context: EmulatorContext, segment: str) -> ResolvedTenant:
    """Resolve a tenant path segment, or raise ``invalid_tenant`` (AADSTS90002)."""
    if segment.lower() in TENANT_ALIASES:
        return ResolvedTenant(segment, None)
    tenant = context.directory.find_tenant(segment)
    if tenant is None:
        raise EntraError(ErrorKind.INVALID_TENANT, tenant=segment)
    return ResolvedTenant(segment, tenant)


def json_response(request: Request, body: object, status: int = 200) -> JSONResponse:
    """``body`` as an Entra-style JSON response."""
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    request_id = request.headers.get("client-request-id")
    if request_id:
        headers["client-request-id"] = request_id
    return JSONResponse(body, status_code=status, headers=headers, media_type=JSON_MEDIA_TYPE)


def error_response(request: Request, error: EntraError, now: float) -> JSONResponse:
    """``error`` rendered as Entra renders it, with its HTTP status."""
    body = render_error(
        error, host=request_host(request), correlation_id=correlation_id(request), now=now
    )
    return json_response(request, body, error.kind.spec.status)
