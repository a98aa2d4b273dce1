"""The on-behalf-of grant (a JWT bearer grant, RFC 7523 §2.1, with
``requested_token_use=on_behalf_of``) as Entra implements it.

Invariants, checked in this order:

* ``requested_token_use`` is ``on_behalf_of`` and ``assertion`` is present (900144, or
  90023 for another token use);
* the assertion is a token the emulator signed (else ``invalid_grant`` 50013);
* it is an access token, not an id token (240002), and a *user's* (an app-only token is
  refused, 50013), for this app: its ``aud`` is the app's client id or the App ID URI of
  the API it exposes (50013);
* it is unexpired (500133) and its user still exists (50013);
* a downstream resource that requires MFA answers ``interaction_required`` (50076) with a
  ``claims`` challenge unless the assertion's ``amr`` says ``mfa``;
* the answer is the user's tokens for the downstream scopes, issued to this app (so its
  refresh token is this app's), with ``client_info``, id token and refresh token as asked.
"""

from __future__ import annotations

import json

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError, ErrorKind, render_timestamp
from entraclient.emulator.grants import TokenRequest
from entraclient.emulator.user_tokens import (
    DelegatedScopes,
    UserGrant,
    issue_user_tokens,
    parse_user_scopes,
)
from entraclient.emulator.users import User

__all__ = ["GRANT_TYPE", "grant_on_behalf_of"]

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _invalid(reason: str) -> EntraError:
    return EntraError(ErrorKind.INVALID_USER_ASSERTION, reason=reason)


def _verified_claims(context: EmulatorContext, assertion: str) -> dict[str, object]:
    try:
        return context.signer.verify(assertion)
    except ValueError:
        raise _invalid("The provided signature value did not match the expected signature "
                       "value.") from None  # fmt: skip


def _audiences_of(context: EmulatorContext, request: TokenRequest) -> set[str]:
    app = request.client.app
    audiences = {app.client_id}
    tenant = context.directory.find_tenant(app.tenant_id)
    api = context.directory.find_api(tenant, app.client_id) if tenant else None
    if api is not None:
        audiences.add(api.app_id_uri)
    return audiences


def _check_assertion(
    context: EmulatorContext, request: TokenRequest, claims: dict[str, object]
) -> User:
    app_only = claims.get("idtyp") == "app" or "roles" in claims
    if not app_only and "scp" not in claims:
        raise EntraError(ErrorKind.ID_TOKEN_AS_ASSERTION)
    if app_only or "scp" not in claims:
        raise _invalid("The assertion is an app-only token; on-behalf-of needs a user's token.")
    if claims.get("aud") not in _audiences_of(context, request):
        raise _invalid("The assertion's audience is not this application.")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= request.now:
        raise EntraError(
            ErrorKind.USER_ASSERTION_EXPIRED,
            now=render_timestamp(request.now),
            expires=render_timestamp(float(expires) if isinstance(expires, int | float) else 0),
        )
    user = context.users.find(str(claims.get("oid", "")))
    if user is None:
        raise _invalid("The assertion's user does not exist.")
    return user


def _check_mfa(
    context: EmulatorContext, tenant_id: str, scopes: DelegatedScopes, amr: object
) -> None:
    tenant = context.directory.find_tenant(tenant_id)
    api = context.directory.find_api(tenant, scopes.resource) if tenant else None
    policy = context.sign_ins.mfa_policy(api.app_id) if api else None
    if policy is None or (isinstance(amr, list) and "mfa" in amr):
        return
    error = EntraError(ErrorKind.MFA_REQUIRED, resource=scopes.resource)
    challenge = {"access_token": {"capolids": {"essential": True, "values": [policy]}}}
    error.extra["claims"] = json.dumps(challenge, separators=(",", ":"))
    raise error


def grant_on_behalf_of(context: EmulatorContext, request: TokenRequest) -> dict[str, object]:
    """Exchange a user's token for one to a downstream API, or raise the Entra error."""
    form = request.form
    token_use = form.get("requested_token_use")
    if not token_use:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="requested_token_use")
    if token_use != "on_behalf_of":
        reason = "requested_token_use must be on_behalf_of."
        raise EntraError(ErrorKind.MALFORMED_REQUEST, reason=reason)
    assertion = form.get("assertion")
    if not assertion:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="assertion")
    claims = _verified_claims(context, assertion)
    user = _check_assertion(context, request, claims)
    tenant = context.directory.find_tenant(str(claims.get("tid", user.tenant_id)))
    if tenant is None:
        raise EntraError(ErrorKind.INVALID_TENANT, tenant=str(claims.get("tid")))
    scopes = parse_user_scopes(form.get("scope", "").split() or ["openid"])
    _check_mfa(context, tenant.id, scopes, claims.get("amr"))
    amr = claims.get("amr")
    mfa = isinstance(amr, list) and "mfa" in amr
    grant = UserGrant(
        request.client.app,
        user,
        tenant,
        request.host,
        request.issue_time,
        mfa=mfa,
        capabilities=request.capabilities,
    )
    return issue_user_tokens(context, grant, scopes, client_info=form.get("client_info") == "1")
