"""MSAL Python's public ``TokenCache`` methods, so code written for ``msal.TokenCache`` works.

``search``/``find`` take MSAL's query dicts (an entry matches when it holds every query
field with the same value; ``target`` scopes must all be in its ``target``). They use the
indexes when the query names an account and environment, and enumerate otherwise, as MSAL
always does. ``add`` takes MSAL's token event dict and stores it through the same typed path
the flows use (:mod:`entraclient.cache.ingest`). Entries given to ``modify`` are checked like
deserialized ones, so nothing malformed gets in.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from entraclient.cache.codec import check_entry, is_usable
from entraclient.cache.ingest import GrantContext, cache_write_for
from entraclient.cache.schema import (
    ACCESS_TOKEN,
    ACCOUNT,
    ID_TOKEN,
    REFRESH_TOKEN,
    Entry,
    entry_key,
    ext_cache_key,
)
from entraclient.cache.store import CacheStore, intern_common_values

__all__ = ["AuthorityType", "CredentialType", "MsalTokenCacheMethods"]


class CredentialType:
    """The section names of MSAL's cache schema (``TokenCache.CredentialType``)."""

    ACCESS_TOKEN = "AccessToken"
    ACCESS_TOKEN_EXTENDED = "atext"
    REFRESH_TOKEN = "RefreshToken"
    ACCOUNT = "Account"
    ID_TOKEN = "IdToken"
    APP_METADATA = "AppMetadata"


class AuthorityType:
    """The ``authority_type`` values of Account entries (``TokenCache.AuthorityType``)."""

    ADFS = "ADFS"
    MSSTS = "MSSTS"


@dataclass(frozen=True, slots=True)
class _EventTokens:
    """An MSAL token event's response, read the way MSAL reads it."""

    access_token: str | None
    token_type: str
    expires_in: int
    ext_expires_in: int
    refresh_in: int | None
    refresh_token: str | None
    id_token: str | None
    client_info: str | None
    foci: str | None


def _optional_text(response: Mapping[str, Any], name: str) -> str | None:
    value = response.get(name)
    return value if isinstance(value, str) and value else None


def _event_tokens(response: Mapping[str, Any], now: int) -> _EventTokens:
    expires_on = response.get("expires_on")
    default_expires_in = int(expires_on) - now if expires_on else 600
    expires_in = int(response.get("expires_in", default_expires_in))
    refresh_in = response.get("refresh_in")
    return _EventTokens(
        access_token=_optional_text(response, "access_token"),
        token_type=str(response.get("token_type", "Bearer")),
        expires_in=expires_in,
        ext_expires_in=int(response.get("ext_expires_in", expires_in)),
        refresh_in=int(refresh_in) if refresh_in is not None else None,
        refresh_token=_optional_text(response, "refresh_token"),
        id_token=_optional_text(response, "id_token"),
        client_info=_optional_text(response, "client_info"),
        foci=_optional_text(response, "foci"),
    )


def _where(event: Mapping[str, Any]) -> tuple[str, str]:
    """(environment, realm) of an event: the token endpoint's host and first path segment."""
    environment = realm = ""
    endpoint = event.get("token_endpoint")
    if isinstance(endpoint, str):
        parts = urlsplit(endpoint)
        environment = (parts.hostname or "").lower()
        realm = next((s for s in parts.path.split("/") if s), "")
    if isinstance(event.get("environment"), str):
        environment = event["environment"]
    return environment, realm


def _grant_of(event: Mapping[str, Any], now: int) -> GrantContext:
    data: Mapping[str, Any] = event.get("data") or {}
    environment, realm = _where(event)
    key_id = data.get("key_id")
    username = data.get("username") or event.get("username")
    return GrantContext(
        client_id=str(event.get("client_id") or ""),
        environment=environment,
        realm=realm,
        target=" ".join(sorted(event.get("scope") or [])),
        grant_type=str(event.get("grant_type") or ""),
        now=now,
        key_id=key_id if isinstance(key_id, str) else None,
        ext_cache_key=ext_cache_key({k: str(v) for k, v in data.items() if v}),
        skip_account_creation=bool(event.get("skip_account_creation")),
        username_hint=username if isinstance(username, str) else None,
        local_account_id_hint=event.get("_account_id"),
        authority_type=event.get("authority_type"),
    )


def _matches(
    entry: Entry, query: Mapping[str, Any], wanted: set[str], credential_type: str
) -> bool:
    for field, value in query.items():
        if field not in entry or entry[field] != value:
            return False
    if wanted and not wanted <= set(str(entry.get("target") or "").split()):
        return False
    return not (
        credential_type == ACCESS_TOKEN
        and "ext_cache_key" in entry
        and "ext_cache_key" not in query
    )


class MsalTokenCacheMethods(CacheStore):
    """The methods of ``msal.TokenCache``, on top of the indexed store."""

    CredentialType = CredentialType
    AuthorityType = AuthorityType

    def search(
        self,
        credential_type: str,
        target: list[str] | None = None,
        query: Mapping[str, Any] | None = None,
        *,
        now: float | None = None,
    ) -> Iterator[Entry]:
        """Yield copies of the entries of ``credential_type`` matching ``target`` and ``query``.

        As in MSAL, access tokens that have expired are removed on the way.
        """
        wanted = set(target or [])
        fields = {
            k: v.lower() if k == "environment" and isinstance(v, str) else v
            for k, v in (query or {}).items()
        }
        moment = self._clock() if now is None else now
        with self._lock:
            keys = self._candidate_keys(credential_type, fields)
            if credential_type == ACCESS_TOKEN:
                keys = self._drop_expired(keys, moment)
            entries = self._entries(credential_type, keys)
            found = [
                dict(e)
                for e in entries
                if is_usable(credential_type, e) and _matches(e, fields, wanted, credential_type)
            ]
        yield from found

    def _candidate_keys(self, section: str, fields: Mapping[str, Any]) -> list[str]:
        if "home_account_id" in fields and "environment" in fields:
            owner = (str(fields["home_account_id"] or "").lower(), str(fields["environment"]))
            if section == ACCESS_TOKEN:
                return self._index.access_token_keys_of_owner(owner)
            if section in self._index.owned:
                return list(self._index.owned[section].get(owner))
        if section == ACCOUNT and "environment" in fields:
            return list(self._index.accounts_by_environment.get(str(fields["environment"])))
        self._decode_all()
        return list(self._sections.get(section, {}))

    def _drop_expired(self, keys: list[str], now: float) -> list[str]:
        live = []
        for key in keys:
            entry = self._sections[ACCESS_TOKEN][key]
            if not is_usable(ACCESS_TOKEN, entry):
                continue  # kept as it came, never used (see codec.is_usable)
            if int(entry["expires_on"]) < now:
                self._pop(ACCESS_TOKEN, key)
                self._changed()
            else:
                live.append(key)
        return live

    def find(
        self,
        credential_type: str,
        target: list[str] | None = None,
        query: Mapping[str, Any] | None = None,
        *,
        now: float | None = None,
    ) -> list[Entry]:
        """``list(search(...))``; deprecated in MSAL, kept for code that calls it."""
        warnings.warn(
            "Use list(search(...)) instead to explicitly get a list.",
            DeprecationWarning,
            stacklevel=2,
        )
        return list(self.search(credential_type, target=target, query=query, now=now))

    def add(self, event: Mapping[str, Any], now: float | None = None) -> None:
        """Store the tokens of an MSAL token event (``client_id``, ``scope``,
        ``token_endpoint``, ``response``, ``data``, ``grant_type``, ...)."""
        moment = int(self._clock() if now is None else now)
        response: Mapping[str, Any] = event.get("response") or {}
        write = cache_write_for(_event_tokens(response, moment), _grant_of(event, moment))
        self.save(write, moment)

    def modify(
        self,
        credential_type: str,
        old_entry: Mapping[str, Any],
        new_key_value_pairs: Mapping[str, Any] | None = None,
    ) -> None:
        """Store ``old_entry`` updated with ``new_key_value_pairs`` under the key of
        ``old_entry``, or remove that key when there is nothing new."""
        key = entry_key(credential_type, dict(old_entry))
        with self._lock:
            if new_key_value_pairs:
                entry = dict(old_entry, **new_key_value_pairs)
                check_entry(credential_type, key, entry)
                self._put(credential_type, key, intern_common_values(entry))
            else:
                self._pop(credential_type, key)
            self._changed()

    def _require(self, item: Mapping[str, Any], credential_type: str, method: str) -> None:
        if item.get("credential_type") != credential_type:
            raise ValueError(f"{method}() takes a {credential_type} entry")

    def remove_rt(self, rt_item: Mapping[str, Any]) -> None:
        """Remove a refresh token entry."""
        self._require(rt_item, REFRESH_TOKEN, "remove_rt")
        self.modify(REFRESH_TOKEN, rt_item)

    def update_rt(self, rt_item: Mapping[str, Any], new_rt: str) -> None:
        """Replace a refresh token's secret (rotation), keeping its key."""
        self._require(rt_item, REFRESH_TOKEN, "update_rt")
        self._replace_refresh_secret(rt_item, new_rt, self._clock())

    def _replace_refresh_secret(self, rt_item: Mapping[str, Any], secret: str, now: float) -> None:
        self.modify(
            REFRESH_TOKEN, rt_item, {"secret": secret, "last_modification_time": str(int(now))}
        )

    def remove_at(self, at_item: Mapping[str, Any]) -> None:
        """Remove an access token entry."""
        self._require(at_item, ACCESS_TOKEN, "remove_at")
        self.modify(ACCESS_TOKEN, at_item)

    def remove_idt(self, idt_item: Mapping[str, Any]) -> None:
        """Remove an id token entry."""
        self._require(idt_item, ID_TOKEN, "remove_idt")
        self.modify(ID_TOKEN, idt_item)

    def remove_account(self, account_item: Mapping[str, Any]) -> None:
        """Remove an Account entry (its tokens stay: see ``ClientApplication.remove_account``)."""
        if "authority_type" not in account_item:
            raise ValueError("remove_account() takes an Account entry (with authority_type)")
        self.modify(ACCOUNT, account_item)
