"""Short explanations of the JWT header fields and claims Entra tokens carry."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CLAIM_NOTES", "HEADER_NOTES", "TIME_CLAIMS"]

HEADER_NOTES: Mapping[str, str] = {
    "alg": "signing algorithm",
    "kid": "id of the signing key in the issuer's JWKS",
    "x5t": "SHA-1 thumbprint of the signing certificate",
    "typ": "token type",
}

TIME_CLAIMS = frozenset({"iat", "nbf", "exp"})

CLAIM_NOTES: Mapping[str, str] = {
    "aud": "audience: the API this token is for",
    "iss": "issuer: who signed it",
    "iat": "issued at",
    "nbf": "not valid before",
    "exp": "expires",
    "tid": "tenant id",
    "oid": "object id of the caller (user or service principal) in the tenant",
    "sub": "subject: the caller, unique per app",
    "azp": "client id of the app that asked for the token",
    "appid": "client id of the app that asked for the token (v1 tokens)",
    "azpacr": "how the app authenticated: 0 public client, 1 secret, 2 certificate",
    "appidacr": "how the app authenticated: 0 public client, 1 secret, 2 certificate",
    "idtyp": "identity type: app (a daemon's own token) or user",
    "idp": "identity provider that authenticated the caller",
    "roles": "app roles granted to the caller",
    "scp": "delegated scopes the user consented to",
    "ver": "token format version (1.0 or 2.0)",
    "uti": "unique token id (Entra's internal use)",
    "rh": "refresh hint (Entra's internal use)",
    "aio": "opaque data (Entra's internal use)",
    "name": "display name of the user",
    "preferred_username": "the user's sign-in name (display only; not a stable id)",
    "upn": "user principal name",
    "amr": "how the user authenticated (pwd, mfa, ...)",
    "acr": "authentication context class",
    "xms_cc": "client capabilities (cp1: can handle claims challenges)",
    "nonce": "value the app sent when signing in",
    "at_hash": "hash of the access token issued alongside",
    "c_hash": "hash of the authorization code",
}
