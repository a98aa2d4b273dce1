"""The client credentials grant (RFC 6749 §4.4) as Entra implements it.

Invariants:

* Only a specific tenant may issue app-only tokens (AADSTS50059 for the aliases).
* The scope is exactly one ``{resource}/.default``; the token's ``roles`` are the app roles
  of that resource granted to the client (none granted: a token without ``roles``, as Entra).
* The answer has no ``scope``, ``refresh_token``, ``id_token`` or ``client_info``; it has
  ``refresh_in`` only for an app given one (``Emulator.set_refresh_in``).
* Capabilities sent in ``claims`` (``CP1``) become the token's ``xms_cc`` claim.
* The token is v1 or v2 as the API accepts (:mod:`..tokens`).
"""

from __future__ import annotations

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.grants import TokenRequest
from entraclient.emulator.scopes import default_scope_resource
from entraclient.emulator.tokens import (
    APP_TOKEN_LIFETIME,
    AppTokenGrant,
    access_token_audience,
    app_token_claims,
)

__all__ = ["GRANT_TYPE", "grant_client_credentials"]

GRANT_TYPE = "client_credentials"


def grant_client_credentials(context: EmulatorContext, request: TokenRequest) -> dict[str, object]:
    """Issue an app-only access token, or raise the Entra error that refuses it."""
    tenant = request.tenant
    if tenant is None:
        raise EntraError(ErrorKind.TENANT_REQUIRED)
    resource = default_scope_resource(request.form.get("scope"))
    api = context.directory.find_api(tenant, resource)
    if api is None:
        raise EntraError(ErrorKind.UNKNOWN_RESOURCE, resource=resource, tenant=request.tenant_label)
    app = request.client.app
    grant = AppTokenGrant(
        app=app,
        tenant_id=tenant.id,
        auth_method=request.client.method,
        audience=access_token_audience(api, resource),
        roles=context.directory.granted_roles(app, api),
        capabilities=request.capabilities,
        version=api.access_token_version,
        lifetime=context.directory.app_token_lifetime_of(app) or APP_TOKEN_LIFETIME,
    )
    claims = app_token_claims(grant, host=request.host, now=request.issue_time)
    body: dict[str, object] = {
        "token_type": "Bearer",
        "expires_in": grant.lifetime,
        "ext_expires_in": grant.lifetime,
        "access_token": context.signer.sign(claims),
    }
    refresh_in = context.directory.refresh_in_of(app)
    if refresh_in is not None:
        body["refresh_in"] = refresh_in
    return body
