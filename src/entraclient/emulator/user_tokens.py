"""Tokens for a signed-in user: access token, id token, refresh token and ``client_info``.

Every user grant (refresh token now; authorization code and on-behalf-of later) answers
through :func:`issue_user_tokens`, so their answers have one shape (PROTOCOL.md §6.1):

* ``scope`` echoes the requested scopes in their requested spelling, without
  ``offline_access`` (as Entra usually does);
* a refresh token only with ``offline_access``, an id token only with ``openid``,
  ``client_info`` only when the client sent ``client_info=1``, ``foci`` when the app is in a
  family of client ids;
* scopes name at most one resource (AADSTS28000); a scope without a ``/`` is a Microsoft
  Graph permission (``User.Read``); the resource must be known in the user's tenant (500011).
* The access token is v1 or v2 as the resource accepts (:mod:`.tokens`); Graph's v1 tokens
  name it by its app id in ``aud``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.directory import GRAPH_APP_ID, Api, App, Tenant
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.scopes import OIDC_SCOPES
from entraclient.emulator.tokens import (
    access_token_audience,
    access_token_issuer,
    client_claims,
    issuer_for,
)
from entraclient.emulator.users import User

__all__ = [
    "USER_TOKEN_LIFETIME",
    "DelegatedScopes",
    "UserGrant",
    "client_info_of",
    "issue_user_tokens",
    "parse_user_scopes",
]

USER_TOKEN_LIFETIME = 4500
"""Seconds a user access token lives (Entra: 60 to 90 minutes)."""
ID_TOKEN_LIFETIME = 3600
GRAPH_RESOURCE = "https://graph.microsoft.com"


@dataclass(frozen=True, slots=True)
class DelegatedScopes:
    """The scopes of a user token request, split into the OIDC ones and one resource's."""

    requested: tuple[str, ...]
    resource: str
    permissions: tuple[str, ...]

    @property
    def offline_access(self) -> bool:
        return "offline_access" in self.requested

    @property
    def openid(self) -> bool:
        return "openid" in self.requested


def _split_permission(scope: str) -> tuple[str, str]:
    if "/" not in scope:
        return GRAPH_RESOURCE, scope
    resource, _, permission = scope.rpartition("/")
    return resource.rstrip("/"), permission


def parse_user_scopes(scopes: Sequence[str]) -> DelegatedScopes:
    """Split ``scopes``; raises AADSTS28000 when they name more than one resource."""
    pairs = [_split_permission(s) for s in scopes if s.lower() not in OIDC_SCOPES]
    resources = {resource.lower() for resource, _ in pairs}
    if len(resources) > 1:
        raise EntraError(ErrorKind.SEVERAL_RESOURCES, scope=" ".join(scopes))
    resource = pairs[0][0] if pairs else GRAPH_RESOURCE
    return DelegatedScopes(tuple(scopes), resource, tuple(p for _, p in pairs))


def _client_info(oid: str, tid: str) -> str:
    raw = json.dumps({"uid": oid, "utid": tid}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def client_info_of(user: User, tenant_id: str) -> str:
    """The ``client_info`` Entra returns for ``user`` signing in to ``tenant_id``."""
    return _client_info(user.object_id, tenant_id)


def _pairwise_subject(oid: str, client_id: str) -> str:
    digest = hashlib.sha256(f"{oid}:{client_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:43]


@dataclass(frozen=True, slots=True)
class UserGrant:
    """Who gets tokens, for which app, through which host; how and when the user signed in."""

    app: App
    user: User
    tenant: Tenant
    host: str
    now: float
    mfa: bool = False
    auth_time: float | None = None
    capabilities: tuple[str, ...] = ()


def _user_names(version: int, user: User) -> dict[str, object]:
    if version == 2:
        return {"preferred_username": user.username}
    return {"upn": user.username, "unique_name": user.username}


def _access_token_claims(
    grant: UserGrant, api: Api, scopes: DelegatedScopes, requested_resource: str
) -> dict[str, object]:
    now = int(grant.now)
    version = api.access_token_version
    graph_short_name = api.app_id == GRAPH_APP_ID and version == 1
    audience = api.app_id if graph_short_name else access_token_audience(api, requested_resource)
    claims: dict[str, object] = {
        "aud": audience,
        "iss": access_token_issuer(version, grant.host, grant.tenant.id),
        "iat": now,
        "nbf": now,
        "exp": now + USER_TOKEN_LIFETIME,
        **client_claims(version, grant.app.client_id, "1"),
        "idtyp": "user",
        "amr": ["pwd", "mfa"] if grant.mfa else ["pwd"],
        "name": grant.user.display_name,
        "oid": grant.user.object_id,
        **_user_names(version, grant.user),
        "scp": " ".join(scopes.permissions) or "user_impersonation",
        "sub": _pairwise_subject(grant.user.object_id, api.app_id),
        "tid": grant.tenant.id,
        "ver": "2.0" if version == 2 else "1.0",
    }
    if grant.capabilities:
        claims["xms_cc"] = list(grant.capabilities)
    return claims


def _id_token_claims(grant: UserGrant, nonce: str | None) -> dict[str, object]:
    now = int(grant.now)
    claims: dict[str, object] = {
        "aud": grant.app.client_id,
        "iss": issuer_for(grant.host, grant.tenant.id),
        "iat": now,
        "nbf": now,
        "exp": now + ID_TOKEN_LIFETIME,
        "name": grant.user.display_name,
        "oid": grant.user.object_id,
        "preferred_username": grant.user.username,
        "sub": _pairwise_subject(grant.user.object_id, grant.app.client_id),
        "tid": grant.tenant.id,
        "ver": "2.0",
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if grant.auth_time is not None:
        claims["auth_time"] = int(grant.auth_time)
    return claims


def issue_user_tokens(
    context: EmulatorContext,
    grant: UserGrant,
    scopes: DelegatedScopes,
    *,
    client_info: bool,
    nonce: str | None = None,
) -> dict[str, object]:
    """The JSON body of a successful user token response (refresh token stored, if any)."""
    api = context.directory.find_api(grant.tenant, scopes.resource)
    if api is None:
        raise EntraError(
            ErrorKind.UNKNOWN_RESOURCE, resource=scopes.resource, tenant=grant.tenant.id
        )
    body: dict[str, object] = {
        "token_type": "Bearer",
        "scope": " ".join(s for s in scopes.requested if s != "offline_access"),
        "expires_in": USER_TOKEN_LIFETIME,
        "ext_expires_in": USER_TOKEN_LIFETIME,
        "access_token": context.signer.sign(
            _access_token_claims(grant, api, scopes, scopes.resource)
        ),
    }
    family = context.families.family_of(grant.app.client_id)
    if scopes.offline_access:
        body["refresh_token"] = context.refresh_tokens.issue(
            grant.user, grant.app.client_id, family, scopes.requested, grant.now
        )
    if scopes.openid:
        body["id_token"] = context.signer.sign(_id_token_claims(grant, nonce))
    if client_info:
        body["client_info"] = _client_info(grant.user.object_id, grant.tenant.id)
    if family:
        body["foci"] = family
    return body
