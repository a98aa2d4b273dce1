"""The user federated identity credential grant (``grant_type=user_fic``): an agent trades a
federated credential for a token of one user.

Invariants:

* ``user_federated_identity_credential`` is a token the emulator signed
  (``Emulator.issue_federated_credential``), for the token exchange audience
  ``api://AzureADTokenExchange``, unexpired, and issued to the requesting app; otherwise
  ``invalid_grant`` (50013, or 500133 when expired);
* exactly one of ``user_id`` (object id) and ``username`` names a registered user
  (900144 without either, 50034 for nobody);
* the answer is the user's tokens, as for any user grant.
"""

from __future__ import annotations

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError, ErrorKind, render_timestamp
from entraclient.emulator.grants import TokenRequest
from entraclient.emulator.user_tokens import UserGrant, issue_user_tokens, parse_user_scopes
from entraclient.emulator.users import User

__all__ = ["GRANT_TYPE", "TOKEN_EXCHANGE_AUDIENCE", "grant_user_fic"]

GRANT_TYPE = "user_fic"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


def _check_credential(context: EmulatorContext, request: TokenRequest, credential: str) -> None:
    try:
        claims = context.signer.verify(credential)
    except ValueError:
        reason = "The federated credential is not signed by a trusted issuer."
        raise EntraError(ErrorKind.INVALID_USER_ASSERTION, reason=reason) from None
    if claims.get("aud") != TOKEN_EXCHANGE_AUDIENCE:
        reason = f"The federated credential's audience must be {TOKEN_EXCHANGE_AUDIENCE}."
        raise EntraError(ErrorKind.INVALID_USER_ASSERTION, reason=reason)
    if claims.get("sub") != request.client.app.client_id:
        reason = "The federated credential was issued to another application."
        raise EntraError(ErrorKind.INVALID_USER_ASSERTION, reason=reason)
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= request.now:
        expiry = float(expires) if isinstance(expires, int | float) else 0.0
        raise EntraError(
            ErrorKind.USER_ASSERTION_EXPIRED,
            now=render_timestamp(request.now),
            expires=render_timestamp(expiry),
        )


def _user(context: EmulatorContext, request: TokenRequest) -> User:
    object_id = request.form.get("user_id")
    username = request.form.get("username")
    if not object_id and not username:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="user_id")
    user = context.users.find(object_id) if object_id else None
    if user is None and username and not object_id:
        user = context.users.find_by_username(username)
    if user is None:
        raise EntraError(
            ErrorKind.USER_NOT_FOUND,
            user=(object_id or username or "")[:120],
            tenant=request.tenant_label,
        )
    return user


def grant_user_fic(context: EmulatorContext, request: TokenRequest) -> dict[str, object]:
    """Exchange a federated credential for a user's tokens, or raise the Entra error."""
    credential = request.form.get("user_federated_identity_credential")
    if not credential:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="user_federated_identity_credential")
    _check_credential(context, request, credential)
    user = _user(context, request)
    tenant = context.directory.find_tenant(user.tenant_id)
    if tenant is None:
        raise EntraError(ErrorKind.INVALID_TENANT, tenant=user.tenant_id)
    grant = UserGrant(
        request.client.app,
        user,
        tenant,
        request.host,
        request.issue_time,
        capabilities=request.capabilities,
    )
    return issue_user_tokens(
        context,
        grant,
        parse_user_scopes(request.form.get("scope", "").split() or ["openid"]),
        client_info=request.form.get("client_info") == "1",
    )
