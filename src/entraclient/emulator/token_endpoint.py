"""The token endpoint: ``POST /{tenant}/oauth2/v2.0/token`` (and the v1 ``/oauth2/token``).

Invariants:

* Checks run in one order for every grant: method (AADSTS900561), tenant (90002),
  ``grant_type`` present (900144) and supported (70003), client authentication
  (:mod:`.client_auth`), regional-host rules (:mod:`.regional`), ``claims`` a JSON object
  (90023), then the grant's own checks.
* Outages (:mod:`.outages`) answer before any check; general faults (:mod:`.faults`) are
  carried out by the fault middleware before the request reaches this endpoint.
* Grants are dispatched through :data:`GRANT_HANDLERS`; adding a grant means adding a module
  under :mod:`.grants` and one entry here.
* The body is read as ``application/x-www-form-urlencoded``; empty fields count as absent and
  the first of repeated fields wins.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from entraclient.emulator.claims_request import (
    client_capabilities,
    parse_claims,
    requested_not_before,
)
from entraclient.emulator.client_auth import authenticate_client
from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError, ErrorKind, render_error
from entraclient.emulator.grants import (
    GrantHandler,
    TokenRequest,
    authorization_code,
    client_credentials,
    on_behalf_of,
    refresh_token,
    user_fic,
)
from entraclient.emulator.regional import check_regional_request
from entraclient.emulator.web import (
    correlation_id,
    error_response,
    json_response,
    request_host,
    resolve_tenant,
)

__all__ = ["GRANT_HANDLERS", "TokenEndpoint"]

GRANT_HANDLERS: dict[str, GrantHandler] = {
    client_credentials.GRANT_TYPE: client_credentials.grant_client_credentials,
    refresh_token.GRANT_TYPE: refresh_token.grant_refresh_token,
    authorization_code.GRANT_TYPE: authorization_code.grant_authorization_code,
    on_behalf_of.GRANT_TYPE: on_behalf_of.grant_on_behalf_of,
    user_fic.GRANT_TYPE: user_fic.grant_user_fic,
}

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


async def read_form(request: Request) -> dict[str, str]:
    """The form fields of a URL-encoded body: first value per name, empty values dropped."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != FORM_MEDIA_TYPE:
        return {}
    form: dict[str, str] = {}
    for name, value in parse_qsl((await request.body()).decode("utf-8", "replace")):
        form.setdefault(name, value)
    return form


class TokenEndpoint:
    """Validates token requests and hands them to the grant handler for their ``grant_type``."""

    def __init__(self, context: EmulatorContext) -> None:
        self._context = context

    async def token(self, request: Request) -> Response:
        """Answer one request to a token endpoint."""
        now = self._context.clock()
        failure_status = self._context.outages.take()
        if failure_status is not None:
            return _outage_response(request, failure_status, now)
        try:
            body = await self._issue(request, now)
        except EntraError as error:
            return error_response(request, error, now)
        return json_response(request, body)

    async def _issue(self, request: Request, now: float) -> dict[str, object]:
        if request.method != "POST":
            raise EntraError(ErrorKind.POST_REQUIRED, method=request.method)
        resolved = resolve_tenant(self._context, self.tenant_segment(request))
        form = await read_form(request)
        handler = self._grant_handler(form.get("grant_type"))
        client = authenticate_client(
            self._context.directory,
            resolved.tenant,
            resolved.segment,
            form,
            request.headers.get("authorization"),
            now,
            host=request_host(request),
        )
        check_regional_request(self._context.regions, request_host(request), form, client.app)
        claims = parse_claims(form)
        token_request = TokenRequest(
            host=request_host(request),
            tenant=resolved.tenant,
            tenant_label=resolved.segment,
            form=form,
            client=client,
            now=now,
            capabilities=client_capabilities(claims),
            not_before=requested_not_before(claims),
        )
        return handler(self._context, token_request)

    def tenant_segment(self, request: Request) -> str:
        """The tenant the request names (its ``{tenant}`` path segment)."""
        return str(request.path_params["tenant"])

    @staticmethod
    def _grant_handler(grant_type: str | None) -> GrantHandler:
        if not grant_type:
            raise EntraError(ErrorKind.MISSING_PARAMETER, name="grant_type")
        handler = GRANT_HANDLERS.get(grant_type)
        if handler is None:
            raise EntraError(ErrorKind.UNSUPPORTED_GRANT_TYPE, grant_type=grant_type)
        return handler


def _outage_response(request: Request, status: int, now: float) -> Response:
    """An injected failure: Entra's ``temporarily_unavailable`` body with ``status``."""
    body = render_error(
        EntraError(ErrorKind.TEMPORARILY_UNAVAILABLE),
        host=request_host(request),
        correlation_id=correlation_id(request),
        now=now,
    )
    return json_response(request, body, status)
