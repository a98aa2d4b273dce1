"""From one successful token response to the records the cache stores (PROTOCOL.md §8.2, §8.4).

Rules, as MSAL applies them:

* an access token → an AccessToken (``target`` = the sorted response scopes); a refresh
  token → a RefreshToken (``family_id`` from ``foci``); an id token → an IdToken;
* ``client_info`` (or, on ADFS, an id token) → an Account, unless the grant is a silent
  refresh (``skip_account_creation``); ``account_source`` only for the grants that sign in;
* every response rewrites the app's AppMetadata (a response without ``foci`` drops the family).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from entraclient.cache.identity import AccountIdentity, decode_jwt_claims, identify_account
from entraclient.cache.records import (
    AccountRecord,
    AppMetadataRecord,
    CacheWrite,
    IdTokenRecord,
    RefreshTokenRecord,
)
from entraclient.cache.schema import AccessTokenRecord

__all__ = ["ACCOUNT_SOURCE_GRANTS", "GrantContext", "IssuedTokens", "cache_write_for"]

ACCOUNT_SOURCE_GRANTS = frozenset(
    {
        "authorization_code",
        "password",
        "urn:ietf:params:oauth:grant-type:device_code",
        "broker",
        "user_fic",
    }
)
"""Grants whose accounts record ``account_source`` (the grant that created them)."""


class IssuedTokens(Protocol):
    """A validated token response (``flows.token_request.TokenResponse`` is one)."""

    @property
    def access_token(self) -> str | None: ...
    @property
    def token_type(self) -> str: ...
    @property
    def expires_in(self) -> int: ...
    @property
    def ext_expires_in(self) -> int: ...
    @property
    def refresh_in(self) -> int | None: ...
    @property
    def refresh_token(self) -> str | None: ...
    @property
    def id_token(self) -> str | None: ...
    @property
    def client_info(self) -> str | None: ...
    @property
    def foci(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class GrantContext:
    """Where a response came from and how to file it."""

    client_id: str
    environment: str
    realm: str
    target: str
    grant_type: str
    now: int
    key_id: str | None = None
    ext_cache_key: str | None = None
    user_assertion_hash: str | None = None
    skip_account_creation: bool = False
    keep_refresh_token_out: bool = False
    username_hint: str | None = None
    local_account_id_hint: str | None = None
    authority_type: str | None = None


def cache_write_for(tokens: IssuedTokens, grant: GrantContext) -> CacheWrite:
    """The records ``tokens`` add to the cache; ``ValueError`` if its identity is malformed."""
    claims: dict[str, Any] = decode_jwt_claims(tokens.id_token) if tokens.id_token else {}
    identity = identify_account(
        tokens.client_info,
        claims,
        username_hint=grant.username_hint,
        local_account_id_hint=grant.local_account_id_hint,
    )
    home = identity.home_account_id
    return CacheWrite(
        access_token=_access_token(tokens, grant, home),
        refresh_token=_refresh_token(tokens, grant, home),
        id_token=_id_token(tokens, grant, home),
        account=_account(identity, grant),
        app_metadata=AppMetadataRecord(grant.client_id, grant.environment, tokens.foci),
    )


def _access_token(
    tokens: IssuedTokens, grant: GrantContext, home: str | None
) -> AccessTokenRecord | None:
    if not tokens.access_token:
        return None
    now = grant.now
    return AccessTokenRecord(
        secret=tokens.access_token,
        home_account_id=home,
        environment=grant.environment,
        client_id=grant.client_id,
        realm=grant.realm,
        target=grant.target,
        token_type=tokens.token_type,
        cached_at=now,
        expires_on=now + tokens.expires_in,
        extended_expires_on=now + tokens.ext_expires_in,
        refresh_on=now + tokens.refresh_in if tokens.refresh_in is not None else None,
        key_id=grant.key_id,
        ext_cache_key=grant.ext_cache_key,
        user_assertion_hash=grant.user_assertion_hash,
    )


def _refresh_token(
    tokens: IssuedTokens, grant: GrantContext, home: str | None
) -> RefreshTokenRecord | None:
    if not tokens.refresh_token or grant.keep_refresh_token_out:
        return None
    return RefreshTokenRecord(
        secret=tokens.refresh_token,
        home_account_id=home or "",
        environment=grant.environment,
        client_id=grant.client_id,
        target=grant.target,
        last_modification_time=grant.now,
        family_id=tokens.foci,
        user_assertion_hash=grant.user_assertion_hash,
    )


def _id_token(tokens: IssuedTokens, grant: GrantContext, home: str | None) -> IdTokenRecord | None:
    if not tokens.id_token:
        return None
    return IdTokenRecord(
        secret=tokens.id_token,
        home_account_id=home or "",
        environment=grant.environment,
        realm=grant.realm,
        client_id=grant.client_id,
    )


def _account(identity: AccountIdentity, grant: GrantContext) -> AccountRecord | None:
    if not identity.has_client_info or grant.skip_account_creation:
        return None
    return AccountRecord(
        home_account_id=identity.home_account_id or "",
        environment=grant.environment,
        realm=grant.realm,
        local_account_id=identity.local_account_id,
        username=identity.username,
        authority_type=grant.authority_type or identity.authority_type(grant.realm),
        account_source=grant.grant_type if grant.grant_type in ACCOUNT_SOURCE_GRANTS else None,
    )
