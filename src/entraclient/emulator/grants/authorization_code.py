"""The authorization code grant's token leg (RFC 6749 §4.1.3, PKCE per RFC 7636 §4.6) as
Entra implements it.

Invariants, checked in this order (all ``invalid_grant`` unless said otherwise):

* the code is known (9002313), unused (54005, even if its first redemption failed) and
  not older than ten minutes (70008);
* it was issued to the requesting client (70000) and, when the request names a tenant, to
  that tenant (700005);
* ``redirect_uri`` is identical to the authorize request's (500112);
* if the authorize request carried a PKCE challenge, ``code_verifier`` is present and
  matches it (501481);
* the answer is the user's tokens for the token request's scopes (else the authorize
  request's), with the authorize request's nonce in the id token, ``auth_time`` when
  ``max_age`` was sent, and ``amr`` saying whether the user did MFA.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from entraclient.emulator.auth_codes import AuthCodeGrant
from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.grants import TokenRequest
from entraclient.emulator.user_tokens import UserGrant, issue_user_tokens, parse_user_scopes

__all__ = ["GRANT_TYPE", "grant_authorization_code", "pkce_matches"]

GRANT_TYPE = "authorization_code"


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    """Whether ``verifier`` answers ``challenge`` (RFC 7636 §4.6), in constant time."""
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        computed = verifier
    return hmac.compare_digest(computed.encode(), challenge.encode())


def _check(grant: AuthCodeGrant, request: TokenRequest) -> None:
    form = request.form
    if grant.client_id != request.client.app.client_id:
        raise EntraError(ErrorKind.CODE_FOR_OTHER_CLIENT, issued_to=grant.client_id)
    if request.tenant is not None and request.tenant.id != grant.tenant_id:
        raise EntraError(ErrorKind.CODE_FOR_OTHER_TENANT)
    redirect_uri = form.get("redirect_uri", "")
    if redirect_uri != grant.redirect_uri:
        raise EntraError(ErrorKind.REDIRECT_URI_MISMATCH, redirect_uri=redirect_uri[:200])
    if grant.code_challenge is not None:
        verifier = form.get("code_verifier", "")
        method = grant.challenge_method or "plain"
        if not verifier or not pkce_matches(verifier, grant.code_challenge, method):
            raise EntraError(ErrorKind.PKCE_MISMATCH)


def grant_authorization_code(context: EmulatorContext, request: TokenRequest) -> dict[str, object]:
    """Redeem an authorization code for the signed-in user's tokens."""
    code = request.form.get("code")
    if not code:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="code")
    grant = context.auth_codes.redeem(code, request.now)
    _check(grant, request)
    tenant = context.directory.find_tenant(grant.tenant_id)
    if tenant is None:
        raise EntraError(ErrorKind.INVALID_TENANT, tenant=grant.tenant_id)
    scopes = request.form.get("scope", "").split() or list(grant.scopes)
    user_grant = UserGrant(
        request.client.app,
        grant.user,
        tenant,
        request.host,
        request.issue_time,
        mfa=grant.mfa,
        auth_time=grant.auth_time if grant.max_age_requested else None,
        capabilities=request.capabilities,
    )
    return issue_user_tokens(
        context,
        user_grant,
        parse_user_scopes(scopes),
        client_info=request.form.get("client_info") == "1",
        nonce=grant.nonce,
    )
