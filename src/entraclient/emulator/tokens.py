"""Claims of the access tokens the emulator issues, shaped per API as Entra shapes them.

Invariants:

* The token version is a property of the *resource* (its ``accessTokenAcceptedVersion``),
  never of the endpoint the client used: v1 unless the API opted into v2, as in Entra.
* v1: ``iss`` ``https://sts.windows.net/{tid}/`` (``sts.chinacloudapi.cn`` for the China
  cloud), ``ver`` ``"1.0"``, ``appid``/``appidacr``, ``aud`` the resource as requested (App ID
  URI or app id).
* v2: ``iss`` ``https://{host}/{tid}/v2.0`` for the host the client used (so it matches the
  discovery document that client saw), ``ver`` ``"2.0"``, ``azp``/``azpacr``, ``aud`` the
  API's app (client) id.
* App-only tokens have ``idtyp`` ``"app"``, ``roles`` (possibly empty: omitted) and no ``scp``;
  capabilities the client announced (``CP1``) become ``xms_cc``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from entraclient.emulator.directory import Api, App

__all__ = [
    "APP_TOKEN_LIFETIME",
    "AppTokenGrant",
    "access_token_audience",
    "access_token_issuer",
    "app_token_claims",
    "client_claims",
    "issuer_for",
    "v1_issuer_for",
]

APP_TOKEN_LIFETIME = 3599

# azpacr / appidacr: how the client authenticated ("1" secret, "2" certificate or assertion).
AUTH_METHOD_ACR = {"client_secret_post": "1", "client_secret_basic": "1", "private_key_jwt": "2"}

# The v1 issuer host of each cloud whose sign-in host differs from the public cloud's.
_V1_ISSUER_HOSTS = {
    "login.chinacloudapi.cn": "sts.chinacloudapi.cn",
    "login.partner.microsoftonline.cn": "sts.chinacloudapi.cn",
}
_PUBLIC_V1_ISSUER_HOST = "sts.windows.net"


@dataclass(frozen=True, slots=True)
class AppTokenGrant:
    """What an app-only token is for: the client, how it authenticated, the API, roles."""

    app: App
    tenant_id: str
    auth_method: str
    audience: str
    roles: Sequence[str]
    capabilities: Sequence[str] = ()
    version: int = 1
    lifetime: int = APP_TOKEN_LIFETIME


def issuer_for(host: str, tenant_id: str) -> str:
    """The v2 ``iss`` for ``tenant_id`` as seen through ``host``."""
    return f"https://{host}/{tenant_id}/v2.0"


def v1_issuer_for(host: str, tenant_id: str) -> str:
    """The v1 ``iss`` for ``tenant_id``: the cloud's ``sts`` host, with a trailing slash."""
    sts_host = _V1_ISSUER_HOSTS.get(host.lower(), _PUBLIC_V1_ISSUER_HOST)
    return f"https://{sts_host}/{tenant_id}/"


def access_token_issuer(version: int, host: str, tenant_id: str) -> str:
    """The ``iss`` of an access token of ``version`` issued through ``host``."""
    return issuer_for(host, tenant_id) if version == 2 else v1_issuer_for(host, tenant_id)


def access_token_audience(api: Api, requested_resource: str) -> str:
    """The ``aud`` Entra puts in a token for ``api`` asked for as ``requested_resource``."""
    if api.access_token_version == 2:
        return api.app_id
    if requested_resource.lower().rstrip("/") == api.app_id:
        return api.app_id
    return api.app_id_uri


def client_claims(version: int, client_id: str, acr: str) -> dict[str, object]:
    """Who the token was issued to: ``appid``/``appidacr`` (v1) or ``azp``/``azpacr`` (v2)."""
    if version == 2:
        return {"azp": client_id, "azpacr": acr}
    return {"appid": client_id, "appidacr": acr}


def _unique_token_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


def app_token_claims(grant: AppTokenGrant, *, host: str, now: float) -> dict[str, object]:
    """The claims of an app-only access token issued at ``now``."""
    issued_at = int(now)
    issuer = access_token_issuer(grant.version, host, grant.tenant_id)
    claims: dict[str, object] = {
        "aud": grant.audience,
        "iss": issuer,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + grant.lifetime,
        **client_claims(grant.version, grant.app.client_id, AUTH_METHOD_ACR[grant.auth_method]),
        "idtyp": "app",
        "oid": grant.app.service_principal_id,
        "sub": grant.app.service_principal_id,
        "tid": grant.tenant_id,
        "uti": _unique_token_id(),
        "ver": "2.0" if grant.version == 2 else "1.0",
    }
    if grant.version != 2:
        claims["idp"] = issuer
    if grant.roles:
        claims["roles"] = list(grant.roles)
    if grant.capabilities:
        claims["xms_cc"] = list(grant.capabilities)
    return claims
