"""The refresh token grant (RFC 6749 §6) as Entra implements it.

Invariants:

* The refresh token must be known, not revoked (AADSTS50173) and not expired by inactivity
  (700082); an unknown one is malformed (9002313). All are ``invalid_grant``.
* It must have been issued to the requesting client or to a member of the same family of
  client ids (FOCI); otherwise ``invalid_grant`` with ``suberror`` and
  ``error_additional_info`` saying ``client_mismatch``.
* The scope may name any resource known in the user's tenant; without ``scope`` the
  originally granted scopes are used. Every answer carries a new refresh token (rotation)
  when ``offline_access`` is asked for, plus an id token and ``client_info`` as requested.
"""

from __future__ import annotations

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.grants import TokenRequest
from entraclient.emulator.refresh_tokens import RefreshGrant
from entraclient.emulator.user_tokens import UserGrant, issue_user_tokens, parse_user_scopes

__all__ = ["GRANT_TYPE", "grant_refresh_token"]

GRANT_TYPE = "refresh_token"


def _check_client(context: EmulatorContext, grant: RefreshGrant, client_id: str) -> None:
    if grant.client_id == client_id:
        return
    family = context.families.family_of(client_id)
    if family is not None and family == grant.family_id:
        return
    error = EntraError(ErrorKind.CLIENT_MISMATCH, issued_to=grant.client_id, client_id=client_id)
    error.extra.update(suberror="client_mismatch", error_additional_info=["client_mismatch"])
    raise error


def grant_refresh_token(context: EmulatorContext, request: TokenRequest) -> dict[str, object]:
    """Redeem a refresh token for new tokens, or raise the Entra error that refuses it."""
    secret = request.form.get("refresh_token")
    if not secret:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="refresh_token")
    grant = context.refresh_tokens.redeem(secret, request.now)
    app = request.client.app
    _check_client(context, grant, app.client_id)
    tenant = context.directory.find_tenant(grant.user.tenant_id)
    if tenant is None:
        raise EntraError(ErrorKind.INVALID_TENANT, tenant=grant.user.tenant_id)
    requested = request.form.get("scope", "").split() or list(grant.scopes)
    user_grant = UserGrant(
        app,
        grant.user,
        tenant,
        request.host,
        request.issue_time,
        capabilities=request.capabilities,
    )
    return issue_user_tokens(
        context,
        user_grant,
        parse_user_scopes(requested),
        client_info=request.form.get("client_info") == "1",
    )
