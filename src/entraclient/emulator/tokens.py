"""Claims of the access tokens the emulator issues, shaped like Entra's v2 tokens.

Invariants:

* Every token carries ``iss`` = ``https://{host}/{tenant id}/v2.0`` for the host the client
  used, so it matches the discovery document that client saw.
* App-only tokens have ``idtyp`` ``"app"``, ``roles`` (possibly empty: omitted) and no ``scp``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from entraclient.emulator.directory import App

__all__ = ["APP_TOKEN_LIFETIME", "AppTokenGrant", "app_token_claims", "issuer_for"]

APP_TOKEN_LIFETIME = 3599

# azpacr: how the client authenticated ("1" secret, "2" certificate or assertion).
AUTH_METHOD_ACR = {"client_secret_post": "1", "client_secret_basic": "1", "private_key_jwt": "2"}


@dataclass(frozen=True, slots=True)
class AppTokenGrant:
    """What an app-only token is for: the client, how it authenticated, the audience, roles."""

    app: App
    tenant_id: str
    auth_method: str
    audience: str
    roles: Sequence[str]
    capabilities: Sequence[str] = ()


def issuer_for(host: str, tenant_id: str) -> str:
    """The v2 ``iss`` for ``tenant_id`` as seen through ``host``."""
    return f"https://{host}/{tenant_id}/v2.0"


def _unique_token_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


def app_token_claims(grant: AppTokenGrant, *, host: str, now: float) -> dict[str, object]:
    """The claims of an app-only access token issued at ``now``."""
    issued_at = int(now)
    claims: dict[str, object] = {
        "aud": grant.audience,
        "iss": issuer_for(host, grant.tenant_id),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + APP_TOKEN_LIFETIME,
        "azp": grant.app.client_id,
        "azpacr": AUTH_METHOD_ACR[grant.auth_method],
        "appid": grant.app.client_id,
        "idtyp": "app",
        "oid": grant.app.service_principal_id,
        "sub": grant.app.service_principal_id,
        "tid": grant.tenant_id,
        "uti": _unique_token_id(),
        "ver": "2.0",
    }
    if grant.roles:
        claims["roles"] = list(grant.roles)
    if grant.capabilities:
        claims["xms_cc"] = list(grant.capabilities)
    return claims
