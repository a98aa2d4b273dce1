"""Protected resources: web APIs the emulator serves, validating bearer tokens as real APIs do.

A resource lives under its own host name (routed to the emulator like the Entra hosts) and
answers any path. Each request's ``Authorization: Bearer`` token is judged in this order, the
first failure deciding the answer:

1. present and a JWT signed by a key of the emulator's JWKS — else 401 ``invalid_token``;
2. ``aud`` the API (App ID URI or app id as its token version has it), ``iss`` the issuer of
   that version for a known tenant, ``nbf``/``exp`` within 5 minutes of clock skew (the
   Microsoft.IdentityModel default) — else 401 ``invalid_token``;
3. a CAE-capable token (``xms_cc`` has ``CP1``) issued before its principal's sessions were
   revoked, or before the API's access policy changed — 401 ``insufficient_claims`` with a
   claims challenge;
4. one of the required ``roles`` (app tokens) or ``scp`` values (user tokens) — else 403
   ``insufficient_scope``.

Every 401/403 carries ``WWW-Authenticate: Bearer realm="", authorization_uri=..., error=...``
as Entra-protected APIs (Microsoft Graph, ARM) send it. Token values never reach an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from entraclient.emulator.directory import Api, Directory
from entraclient.emulator.sessions import (
    CAE_CAPABILITY,
    SessionRevocations,
    encode_claims,
    nbf_claims_challenge,
)
from entraclient.emulator.signing import TokenSigner

__all__ = ["CLOCK_SKEW", "AccessDecision", "ProtectedResource", "ResourceRegistry", "judge"]

CLOCK_SKEW = 300
AUTHORIZATION_URI = "https://login.microsoftonline.com/common/oauth2/authorize"
_V1_ISSUER = re.compile(r"https://sts\.(?:windows\.net|chinacloudapi\.cn)/([0-9a-f-]{36})/")
_V2_ISSUER = re.compile(r"https://[a-z0-9.-]+/([0-9a-f-]{36})/v2\.0")


@dataclass(frozen=True, slots=True)
class ProtectedResource:
    """A web API at ``https://{host}``: which API's tokens it takes, which roles/scopes."""

    host: str
    api: Api
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """``https://{host}``."""
        return f"https://{self.host}"


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """The resource's answer to a token: allowed (with the caller's claims) or refused."""

    status: int
    claims: dict[str, object] | None = None
    error: str | None = None
    description: str = ""
    challenge_claims: str | None = None

    @property
    def www_authenticate(self) -> str | None:
        """The ``WWW-Authenticate`` header of a refusal."""
        if self.error is None:
            return None
        parts = ['Bearer realm=""', f'authorization_uri="{AUTHORIZATION_URI}"']
        parts.append(f'error="{self.error}"')
        if self.description:
            parts.append(f'error_description="{self.description}"')
        if self.challenge_claims is not None:
            parts.append(f'claims="{encode_claims(self.challenge_claims)}"')
        return ", ".join(parts)


def _refuse(description: str, status: int = 401, error: str = "invalid_token") -> AccessDecision:
    return AccessDecision(status, error=error, description=description)


class ResourceRegistry:
    """The protected resources of one emulator, by host name (lower-case)."""

    def __init__(self) -> None:
        self._by_host: dict[str, ProtectedResource] = {}

    def add(self, resource: ProtectedResource) -> ProtectedResource:
        """Serve ``resource`` at its host; a host serves one resource."""
        if resource.host in self._by_host:
            raise ValueError(f"a resource is already served at {resource.host}")
        self._by_host[resource.host] = resource
        return resource

    def at(self, host: str) -> ProtectedResource | None:
        """The resource served at ``host`` (a ``:port`` suffix is ignored), if any."""
        return self._by_host.get(host.lower().rsplit(":", 1)[0] if ":" in host else host.lower())


def _bearer_of(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _verified(signer: TokenSigner, token: str) -> dict[str, object] | None:
    keys = jwt.PyJWKSet.from_dict(signer.jwks())
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = next(k for k in keys.keys if k.key_id == kid)
        claims: dict[str, object] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            # Only the signature here: the claims are judged below, against our clock.
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False,
                     "verify_iat": False, "verify_iss": False},
        )  # fmt: skip
    except (jwt.PyJWTError, StopIteration):
        return None
    return claims


def _audiences(api: Api) -> set[str]:
    if api.access_token_version == 2:
        return {api.app_id}
    return {api.app_id, api.app_id_uri, api.app_id_uri.rstrip("/") + "/"}


def _issuer_problem(claims: dict[str, object], api: Api, directory: Directory) -> str | None:
    pattern = _V2_ISSUER if api.access_token_version == 2 else _V1_ISSUER
    match = pattern.fullmatch(str(claims.get("iss", "")))
    if match is None:
        return "The token issuer is not valid for this API."
    tenant = directory.find_tenant(match.group(1))
    if tenant is None or claims.get("tid") != tenant.id:
        return "The token was issued by an unknown tenant."
    if api.tenant_id not in (None, tenant.id):
        return "The token was issued by another tenant."
    return None


def _lifetime_problem(claims: dict[str, object], now: float) -> str | None:
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int | float) or exp + CLOCK_SKEW <= now:
        return "The token is expired."
    if isinstance(nbf, int | float) and nbf - CLOCK_SKEW > now:
        return "The token is not yet valid."
    return None


def _revocation(claims: dict[str, object], api: Api, revocations: SessionRevocations) -> int | None:
    capabilities = claims.get("xms_cc")
    if not isinstance(capabilities, list) or CAE_CAPABILITY not in capabilities:
        return None
    revoked = revocations.not_before(str(claims.get("oid", "")), api.app_id)
    issued = claims.get("iat")
    if revoked is None or not isinstance(issued, int | float) or issued >= revoked:
        return None
    return revoked


def _permitted(claims: dict[str, object], resource: ProtectedResource) -> bool:
    roles = claims.get("roles")
    scopes = str(claims.get("scp", "")).split()
    if isinstance(roles, list) and "scp" not in claims:
        return not resource.roles or bool(set(resource.roles) & set(map(str, roles)))
    return not resource.scopes or bool(set(resource.scopes) & set(scopes))


def judge(
    resource: ProtectedResource,
    authorization: str | None,
    *,
    signer: TokenSigner,
    directory: Directory,
    revocations: SessionRevocations,
    clock: Callable[[], float],
) -> AccessDecision:
    """The resource's decision on a request carrying ``authorization``."""
    token = _bearer_of(authorization)
    if token is None:
        return _refuse("No bearer token was presented.")
    claims = _verified(signer, token)
    if claims is None:
        return _refuse("The token signature is not valid.")
    if str(claims.get("aud", "")) not in _audiences(resource.api):
        return _refuse("The token audience is not this API.")
    problem = _issuer_problem(claims, resource.api, directory) or _lifetime_problem(claims, clock())
    if problem is not None:
        return _refuse(problem)
    revoked = _revocation(claims, resource.api, revocations)
    if revoked is not None:
        return AccessDecision(
            401,
            error="insufficient_claims",
            description="Continuous access evaluation resulted in challenge.",
            challenge_claims=nbf_claims_challenge(revoked),
        )
    if not _permitted(claims, resource):
        return _refuse("The token has none of the required roles or scopes.", 403,
                       "insufficient_scope")  # fmt: skip
    return AccessDecision(200, claims=claims)
