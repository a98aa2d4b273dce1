"""The ASGI side of protected resources: requests to a resource's host are answered here.

Requests for any other host pass through to the token service untouched. A permitted request
gets ``200`` and a JSON description of what the API saw (method, path, the caller's ids,
roles, scopes and token version), so tests can check who called; refusals carry Entra's
``WWW-Authenticate`` and a JSON ``error`` body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.middleware import read_body
from entraclient.emulator.resources import AccessDecision, ProtectedResource, judge

__all__ = ["ResourceMiddleware"]

_CALLER_CLAIMS = ("appid", "azp", "oid", "tid", "roles", "scp", "ver", "xms_cc")


def _answer(
    resource: ProtectedResource, request: Request, decision: AccessDecision, size: int
) -> JSONResponse:
    if decision.claims is None:
        refusal = {"error": decision.error, "error_description": decision.description}
        header = decision.www_authenticate or 'Bearer realm=""'
        return JSONResponse(refusal, decision.status, headers={"WWW-Authenticate": header})
    caller = {k: decision.claims[k] for k in _CALLER_CLAIMS if k in decision.claims}
    body: dict[str, object] = {
        "resource": resource.host,
        "method": request.method,
        "path": request.url.path,
        "body_bytes": size,
        "caller": caller,
    }
    return JSONResponse(body, 200)


class ResourceMiddleware:
    """Serve the emulator's protected resources by ``Host``; pass everything else on."""

    def __init__(self, app: ASGIApp, *, context: EmulatorContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        resource = self.context.resources.at(request.headers.get("host", ""))
        if resource is None:
            await self.app(scope, receive, send)
            return
        size = len(await read_body(receive))
        decision = judge(
            resource,
            request.headers.get("authorization"),
            signer=self.context.signer,
            directory=self.context.directory,
            revocations=self.context.sessions,
            clock=self.context.clock,
        )
        await _answer(resource, request, decision, size)(scope, receive, send)
