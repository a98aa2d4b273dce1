"""MSAL's cache contract: using a cache object through its public methods only.

After the one-import switch, an application may still hand us a cache object written for MSAL
Python: above all ``msal_extensions.PersistedTokenCache``, which reloads its file in ``search``
and saves it in ``add`` and ``modify``. Our own indexed fast path would bypass those overrides,
so tokens would never reach the file. :func:`cache_for_flows` therefore puts such an object
behind :class:`ForeignTokenCache`, which answers every question a flow asks with MSAL's public
methods, exactly as MSAL Python would call them:

* reads go through ``search`` (``find`` on objects too old to have it);
* a token response is stored through ``add(event)``, with the event MSAL builds for one;
  an access token MSAL's ``add`` cannot express (an extension key, a key id, an assertion
  hash) is written with ``modify``;
* a refresh token rotated, or anything removed, goes through ``modify``.

The same path serves a subclass of our own :class:`TokenCache` that overrides ``search``,
``find``, ``add`` or ``modify``: its overrides are called on every read and write. It is a
compatibility path, as fast as the object behind it (which enumerates, as MSAL's does).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol

from entraclient.cache.hot_tokens import HotToken
from entraclient.cache.indexes import AccessTokenProbe
from entraclient.cache.msal_api import MsalTokenCacheMethods
from entraclient.cache.queries import AccessTokenProbes, AccessTokenQuery, RefreshTokenQuery
from entraclient.cache.records import AccountRecord, CacheWrite
from entraclient.cache.schema import (
    ACCESS_TOKEN,
    ACCOUNT,
    APP_METADATA,
    ID_TOKEN,
    REFRESH_TOKEN,
    AccessTokenRecord,
)
from entraclient.cache.token_cache import EXPIRY_MARGIN_SECONDS, ReadOnlyEntry, TokenCache

__all__ = ["ForeignTokenCache", "cache_for_flows", "uses_msal_contract"]

_CONTRACT_METHODS = ("search", "find", "add", "modify")


class _MsalCacheObject(Protocol):
    """What MSAL Python's ``TokenCache`` offers and its subclasses override."""

    def add(self, event: dict[str, Any], now: int | None = None) -> Any: ...

    def modify(
        self,
        credential_type: str,
        old_entry: Mapping[str, Any],
        new_key_value_pairs: Mapping[str, Any] | None = None,
    ) -> Any: ...


def uses_msal_contract(token_cache: object) -> bool:
    """Whether ``token_cache`` must be used through MSAL's public methods.

    True for any object that is not our :class:`TokenCache`, and for a subclass of ours that
    overrides one of ``search``, ``find``, ``add`` or ``modify``.
    """
    if not isinstance(token_cache, TokenCache):
        return True
    kind = type(token_cache)
    return any(
        getattr(kind, name) is not getattr(MsalTokenCacheMethods, name)
        for name in _CONTRACT_METHODS
    )


def check_msal_cache_object(token_cache: object) -> None:
    """Raise ``TypeError`` unless ``token_cache`` has MSAL's cache methods."""
    readable = callable(getattr(token_cache, "search", None)) or callable(
        getattr(token_cache, "find", None)
    )
    writable = all(callable(getattr(token_cache, name, None)) for name in ("add", "modify"))
    if not (readable and writable):
        raise TypeError(
            "token_cache must be an entraclient TokenCache, or an object with MSAL's cache "
            "methods (search or find, add, modify) such as msal.SerializableTokenCache or "
            f"msal_extensions.PersistedTokenCache; got {type(token_cache).__name__}"
        )


def cache_for_flows(token_cache: object) -> TokenCache | ForeignTokenCache:
    """The cache the flows of an application use for ``token_cache`` (given by the user)."""
    if uses_msal_contract(token_cache):
        check_msal_cache_object(token_cache)
        return ForeignTokenCache(token_cache)
    assert isinstance(token_cache, TokenCache)
    return token_cache


def _usable(entry: Mapping[str, Any], now: float) -> bool:
    try:
        return int(entry["expires_on"]) - now >= EXPIRY_MARGIN_SECONDS
    except (KeyError, TypeError, ValueError, OverflowError):
        return False


def _scopes_of(entry: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(entry.get("target") or "").lower().split())


def _client_info(home_account_id: str) -> str | None:
    """The ``client_info`` MSAL derives ``home_account_id`` (``uid.utid``) from."""
    uid, dot, utid = home_account_id.partition(".")
    if not dot:
        return None
    raw = json.dumps({"uid": uid, "utid": utid}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class ForeignTokenCache:
    """The cache interface the flows use, answered with an MSAL cache object's methods."""

    hot_tokens: Mapping[str, HotToken] = MappingProxyType({})
    """Never any: every look-up goes through the object's own ``search``."""

    def __init__(self, target: object) -> None:
        self.target = target

    def __repr__(self) -> str:
        return f"ForeignTokenCache({type(self.target).__name__})"

    # -- reading ----------------------------------------------------------------------------

    def _search(self, section: str, query: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        search = getattr(self.target, "search", None)
        if callable(search):
            return list(search(section, query=dict(query)))
        return list(self.target.find(section, query=dict(query)))  # type: ignore[attr-defined]

    def find_access_token(
        self, query: AccessTokenQuery | AccessTokenProbe, now: float
    ) -> ReadOnlyEntry | None:
        """A usable access token of the query's bucket holding every wanted scope."""
        probe = query if isinstance(query, AccessTokenProbe) else query.probe()
        home, environment, client_id, realm = probe.owner
        fields: dict[str, Any] = {
            "home_account_id": home,
            "environment": environment,
            "client_id": client_id,
            "realm": realm,
        }
        key_id, ext_key, assertion_hash = probe.bucket[4], probe.bucket[5], probe.bucket[6]
        for name, value in (
            ("key_id", key_id),
            ("ext_cache_key", ext_key),
            ("user_assertion_hash", assertion_hash),
        ):
            if value:
                fields[name] = value
        wanted = probe.wanted
        for entry in self._search(ACCESS_TOKEN, fields):
            if bool(entry.get("ext_cache_key")) != bool(ext_key):
                continue
            if wanted <= _scopes_of(entry) and _usable(entry, now):
                return entry
        return None

    def find_access_token_for(
        self, probes: AccessTokenProbes, scopes: Sequence[str], now: float
    ) -> ReadOnlyEntry | None:
        """``find_access_token(probes.probe(scopes), now)``."""
        return self.find_access_token(probes.probe(scopes), now)

    def find_obo_access_token(self, query: AccessTokenQuery, now: float) -> ReadOnlyEntry | None:
        """Nothing more to find: :meth:`find_access_token` already accepts tokens obtained on
        behalf of the account (MSAL's ``search`` ignores fields the query does not name)."""
        return None

    def find_refresh_tokens(self, query: RefreshTokenQuery) -> list[ReadOnlyEntry]:
        """The refresh tokens matching ``query``, most recently written first."""
        fields = {"home_account_id": query.home_account_id, "environment": query.environment}
        found = [e for e in self._search(REFRESH_TOKEN, fields) if query.matches(dict(e))]
        found.sort(key=_modification_time, reverse=True)
        return found

    def accounts_of_assertion(self, user_assertion_hash: str) -> list[str]:
        """The home account ids of the tokens obtained with one incoming assertion."""
        entries = self._search(ACCESS_TOKEN, {"user_assertion_hash": user_assertion_hash})
        return sorted({str(e.get("home_account_id") or "").lower() for e in entries})

    def app_metadata(self, environment: str, client_id: str) -> ReadOnlyEntry | None:
        """The AppMetadata entry of ``client_id`` in ``environment``, if any."""
        found = self._search(APP_METADATA, {"environment": environment, "client_id": client_id})
        return found[0] if found else None

    def accounts(self, environment: str) -> list[ReadOnlyEntry]:
        """The Account entries of ``environment``."""
        return self._search(ACCOUNT, {"environment": environment})

    # -- writing ----------------------------------------------------------------------------

    def _modify(
        self, section: str, entry: Mapping[str, Any], new: Mapping[str, Any] | None = None
    ) -> None:
        target: _MsalCacheObject = self.target  # type: ignore[assignment]
        target.modify(section, dict(entry), dict(new) if new is not None else None)

    def save(self, write: CacheWrite, now: float | None = None) -> None:
        """Store one token response: ``add`` with the event MSAL would build for it."""
        access_token = write.access_token
        exotic = access_token is not None and bool(
            access_token.ext_cache_key or access_token.key_id or access_token.user_assertion_hash
        )
        event = _event_of(write, include_access_token=not exotic)
        target: _MsalCacheObject = self.target  # type: ignore[assignment]
        if event is not None:
            moment = int(access_token.cached_at) if access_token is not None else None
            target.add(event, now=moment if moment is not None else _int_or_none(now))
        if exotic and access_token is not None:
            entry = access_token.to_entry()
            self._modify(ACCESS_TOKEN, entry, entry)

    def update_refresh_token(self, entry: ReadOnlyEntry, secret: str, now: float) -> None:
        """Rotate a refresh token's secret in place, through ``modify``."""
        self._modify(
            REFRESH_TOKEN,
            entry,
            {"secret": secret, "last_modification_time": str(int(now))},
        )

    def set_app_metadata(self, *, environment: str, client_id: str, family_id: str | None) -> None:
        """Record an app's FOCI family, through ``modify``."""
        entry: dict[str, Any] = {"client_id": client_id, "environment": environment}
        if family_id:
            entry["family_id"] = family_id
        self._modify(APP_METADATA, entry, entry)

    def remove_access_tokens(
        self, *, client_id: str, environments: list[str], home_account_id: str | None = None
    ) -> int:
        """Remove one owner's access tokens of ``client_id`` (extension-keyed ones stay)."""
        doomed = [
            entry
            for environment in {e.lower() for e in environments}
            for entry in self._search(
                ACCESS_TOKEN,
                {
                    "client_id": client_id,
                    "environment": environment,
                    "home_account_id": home_account_id,
                },
            )
            if not entry.get("ext_cache_key")
        ]
        for entry in doomed:
            self._modify(ACCESS_TOKEN, entry)
        return len(doomed)

    def remove_account_credentials(
        self, *, home_account_id: str, environment: str, client_id: str, family_id: str | None
    ) -> int:
        """Forget an account's tokens and Account entries in ``environment``."""
        owner = {"home_account_id": home_account_id, "environment": environment}
        doomed = [(ACCESS_TOKEN, e) for e in self._search(ACCESS_TOKEN, owner)]
        doomed += [
            (section, e) for section in (ID_TOKEN, ACCOUNT) for e in self._search(section, owner)
        ]
        for entry in self._search(REFRESH_TOKEN, owner):
            mine = entry.get("client_id") == client_id
            if mine or (family_id and entry.get("family_id") == family_id):
                doomed.append((REFRESH_TOKEN, entry))
        for section, entry in doomed:
            self._modify(section, entry)
        return len(doomed)


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)


def _modification_time(entry: Mapping[str, Any]) -> int:
    value = entry.get("last_modification_time")
    return int(value) if isinstance(value, str | int) and str(value).isdigit() else 0


def _event_of(write: CacheWrite, *, include_access_token: bool) -> dict[str, Any] | None:
    """The token event MSAL's ``add`` takes for ``write``, or ``None`` if nothing is left."""
    access_token = write.access_token if include_access_token else None
    refresh_token, id_token, account = write.refresh_token, write.id_token, write.account
    anchor = access_token or refresh_token or id_token
    if anchor is None and write.app_metadata is None:
        return None
    environment, client_id, realm, target = _where(write, access_token)
    response: dict[str, Any] = {}
    if access_token is not None:
        response.update(_access_token_fields(access_token))
    if refresh_token is not None:
        response["refresh_token"] = refresh_token.secret
    if id_token is not None:
        response["id_token"] = id_token.secret
    home = _home_account_id(write)
    client_info = _client_info(home) if home else None
    if client_info is not None:
        response["client_info"] = client_info
    family = write.app_metadata.family_id if write.app_metadata is not None else None
    if family or (refresh_token is not None and refresh_token.family_id):
        response["foci"] = family or (refresh_token.family_id if refresh_token else None)
    event: dict[str, Any] = {
        "client_id": client_id,
        "scope": target.split(),
        "token_endpoint": f"https://{environment}/{realm or 'common'}/oauth2/v2.0/token",
        "environment": environment,
        "response": response,
        "data": {},
        "skip_account_creation": account is None,
    }
    event.update(_account_fields(account))
    return event


def _where(write: CacheWrite, access_token: AccessTokenRecord | None) -> tuple[str, str, str, str]:
    """(environment, client_id, realm, target) of the response ``write`` files."""
    first = access_token or write.refresh_token or write.id_token or write.app_metadata
    assert first is not None
    located = access_token or write.id_token or write.account
    realm = located.realm if located is not None else ""
    scoped = access_token or write.refresh_token
    target = scoped.target if scoped is not None else ""
    return first.environment, first.client_id, realm, target


def _access_token_fields(record: AccessTokenRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "access_token": record.secret,
        "token_type": record.token_type,
        "expires_in": record.expires_on - record.cached_at,
        "ext_expires_in": record.extended_expires_on - record.cached_at,
    }
    if record.refresh_on is not None:
        fields["refresh_in"] = record.refresh_on - record.cached_at
    return fields


def _home_account_id(write: CacheWrite) -> str | None:
    for record in (write.account, write.access_token, write.refresh_token, write.id_token):
        home = getattr(record, "home_account_id", None) if record is not None else None
        if home:
            return str(home)
    return None


def _account_fields(account: AccountRecord | None) -> dict[str, Any]:
    if account is None:
        return {}
    fields: dict[str, Any] = {
        "_account_id": account.local_account_id,
        "username": account.username,
        "authority_type": account.authority_type,
    }
    if account.account_source:
        fields["grant_type"] = account.account_source
    return fields
