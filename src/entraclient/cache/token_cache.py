"""The token cache: MSAL's schema in memory, indexed so a request never scans it.

Invariants:

* Typed look-ups in, entries out: flows ask with frozen queries (:mod:`.queries`) and store
  frozen records (:class:`~entraclient.cache.records.CacheWrite`); the entries they get back
  are the cache's own (never to be changed) or read-only views. Every request-path
  operation — hit, miss, insert, replacement of overlapping tokens, expiry, removal — costs
  O(1) on average, or O(size of its answer).
* Inserting an access token removes the tokens of its bucket that share a resource scope with
  it (as MSAL .NET does; MSAL Python keeps them until they expire), so a cache that keeps
  refreshing does not keep growing. Inserts also sweep tokens whose expiry has passed.
* MSAL Python's public ``TokenCache`` methods (``search``, ``find``, ``add``, ``modify``,
  ``remove_*``, ``update_rt``) are offered too, in :mod:`entraclient.cache.msal_api`; they may
  enumerate, as they do in MSAL.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from entraclient.cache.codec import (
    decode_entry,
    dump_sections,
    is_time_value,
    is_usable,
    parse_sections,
)
from entraclient.cache.indexes import AccessTokenProbe, scope_set
from entraclient.cache.msal_api import MsalTokenCacheMethods
from entraclient.cache.partitions import PartitionKey
from entraclient.cache.queries import AccessTokenProbes, AccessTokenQuery, RefreshTokenQuery
from entraclient.cache.records import AppMetadataRecord, CacheWrite
from entraclient.cache.schema import (
    ACCESS_TOKEN,
    ACCOUNT,
    APP_METADATA,
    ID_TOKEN,
    REFRESH_TOKEN,
    AccessTokenRecord,
    Entry,
    app_metadata_key,
)
from entraclient.cache.store import Sections

if TYPE_CHECKING:
    from msgspec import Raw

__all__ = [  # the queries are re-exported: flows import them from here
    "EXPIRY_MARGIN_SECONDS",
    "AccessTokenProbes",
    "AccessTokenQuery",
    "ReadOnlyEntry",
    "RefreshTokenQuery",
    "TokenCache",
]

EXPIRY_MARGIN_SECONDS = 300
"""An access token closer than this to its expiry is not handed out (PROTOCOL.md §8.6)."""

ReadOnlyEntry = Mapping[str, Any]
"""An entry as the cache holds it: shared, so never change it (a change is a new entry)."""
_NO_ENTRIES: dict[str, Entry] = {}


def _is_plain_match(entry: Entry, owner: tuple[str | None, str, str, str], now: float) -> bool:
    """Whether ``entry``, found under the exact key of a bucket without key id or assertion
    hash, is the answer without further checks: valid for the margin, with exactly the owner
    fields (a mismatch only means "ask the locked path", which checks the bucket), and no key
    id or assertion hash (the key does not encode them), and every field the answer is
    made of well typed and in range (see ``codec.is_usable``). A missing, wrong-typed or
    out-of-range value is no match, never an exception.
    """
    expires_on = entry.get("expires_on")
    if not is_time_value(expires_on):  # what int() takes but the cache refuses: "+1", "1.0"
        return False
    return (
        int(expires_on) - now >= EXPIRY_MARGIN_SECONDS  # type: ignore[arg-type]
        and entry.get("client_id") == owner[2]
        and entry.get("realm") == owner[3]
        and entry.get("environment") == owner[1]
        and entry.get("home_account_id") == owner[0]
        and "key_id" not in entry
        and "user_assertion_hash" not in entry
        and type(entry.get("secret")) is str
        and type(entry.get("target")) is str
        and type(entry.get("token_type", "")) is str
        and ("refresh_on" not in entry or is_usable(ACCESS_TOKEN, entry))
    )


def _modification_time(entry: Entry) -> int:
    value = entry.get("last_modification_time")
    return int(value) if isinstance(value, str | int) and str(value).isdigit() else 0


class TokenCache(MsalTokenCacheMethods):
    """An in-memory, thread-safe token cache in MSAL's unified schema.

    Applications share one by passing it as ``token_cache``; :class:`SerializableTokenCache`
    adds persistence. ``clock`` (epoch seconds) is read only when a method that needs the
    time is not given ``now`` (the MSAL-compatible ones, mostly). ``store`` (for example
    :class:`~entraclient.cache.stores.files.FileStore`) adds a second level that keeps
    tokens across restarts and processes (see ``docs/persistence.md``).
    """

    # -- access tokens ---------------------------------------------------------------------

    def find_access_token(
        self, query: AccessTokenQuery | AccessTokenProbe, now: float
    ) -> ReadOnlyEntry | None:
        """A usable access token answering ``query``, or ``None``; drops expired ones it meets.

        The exact key is probed first, without the lock: entries are never changed in place
        and single dictionary reads are atomic, so a reader sees a whole entry that was in
        the cache a moment ago. Anything else (other candidates from the scope index, the
        removal of an expired token) happens under the lock.
        """
        probe = query if type(query) is AccessTokenProbe else query.probe()  # type: ignore[union-attr]
        found = self._exact_hit(probe, now)
        if found is not None:
            return found
        with self._lock:
            found = self._find_under_lock(probe, now)
        if found is None and self._second_level is not None:
            return self._find_after_load(probe, now)
        return found

    def _exact_hit(self, probe: AccessTokenProbe, now: float) -> ReadOnlyEntry | None:
        """The entry under ``probe``'s exact key if it answers a bucket without key id or
        assertion hash by itself (see :func:`_is_plain_match`); read without the lock."""
        if probe.bucket[4] or probe.bucket[6]:
            return None
        entry = self._sections.get(ACCESS_TOKEN, _NO_ENTRIES).get(probe.key)
        if entry is None and self._undecoded:
            entry = self._decode(probe.key)
        return entry if entry is not None and _is_plain_match(entry, probe.owner, now) else None

    def _find_after_load(self, probe: AccessTokenProbe, now: float) -> ReadOnlyEntry | None:
        """An L1 miss with a second level: load the probe's partition once, then look again."""
        from entraclient.cache.second_level import partition_of_bucket

        partition = partition_of_bucket(probe.bucket)
        if self._load_from_second_level(partition):
            found = self._exact_hit(probe, now)  # a restart's first look-up needs no index
            if found is None:
                with self._lock:
                    found = self._find_under_lock(probe, now)
            if found is not None:
                return found
        assert self._second_level is not None
        return self._second_level.fill_or_wait(
            self, partition, probe.key, lambda: self._find_locked(probe, now)
        )

    def _find_locked(self, probe: AccessTokenProbe, now: float) -> ReadOnlyEntry | None:
        with self._lock:
            return self._find_under_lock(probe, now)

    def find_access_token_for(
        self, probes: AccessTokenProbes, scopes: Sequence[str], now: float
    ) -> ReadOnlyEntry | None:
        """``find_access_token(probes.probe(scopes), now)``, quicker on an exact hit; an exact
        plain hit also leaves the entry's compact record in :attr:`hot_tokens`, which the
        next hit of the same key reads instead (see ``AppTokenLookup.fresh_result``)."""
        target = (scopes[0] if len(scopes) == 1 else " ".join(sorted(scopes))).lower()
        key = probes.key_prefix + target + probes.key_suffix
        if probes.plain:
            source: Entry | Raw | None = self._sections.get(ACCESS_TOKEN, _NO_ENTRIES).get(key)
            entry = source
            if source is None and self._undecoded:
                # Decoded for this answer only: the entry stays undecoded in the cache, and
                # the record below is all a later hit needs.
                source = self._undecoded.get(key)
                entry = decode_entry(source) if source is not None else None
            if type(entry) is dict and _is_plain_match(entry, probes.owner, now):
                assert source is not None
                self._remember_hot(key, source, entry, probes.owner)
                return entry
        probe = probes.probe_of(key, target)
        with self._lock:
            found = self._find_under_lock(probe, now)
        if found is None and self._second_level is not None:
            return self._find_after_load(probe, now)
        return found

    def _find_under_lock(self, probe: AccessTokenProbe, now: float) -> ReadOnlyEntry | None:
        bucket = self._index.buckets.get(probe.bucket)
        if bucket is None:
            return None
        wanted = probe.wanted
        if probe.key in bucket.keys:
            found = self._usable(probe.key, wanted, now)
            if found is not None:
                return found
        for key in bucket.candidates(wanted):
            if key != probe.key:
                found = self._usable(key, wanted, now)
                if found is not None:
                    return found
        return None

    def _usable(self, key: str, wanted: frozenset[str], now: float) -> ReadOnlyEntry | None:
        entry = self._sections[ACCESS_TOKEN].get(key)
        if entry is None or not is_usable(ACCESS_TOKEN, entry):
            return None
        expires_on = int(entry["expires_on"])
        if expires_on < now:
            self._drop(key)
            return None
        if expires_on - now < EXPIRY_MARGIN_SECONDS or not wanted <= scope_set(entry["target"]):
            return None
        return entry

    def _drop(self, key: str) -> None:
        self._pop(ACCESS_TOKEN, key)
        self._changed()

    def find_obo_access_token(self, query: AccessTokenQuery, now: float) -> ReadOnlyEntry | None:
        """A usable access token of ``query``'s account obtained on behalf of it by any
        incoming assertion (MSAL files those as the account's own tokens, so a later
        silent call finds them). O(access tokens of that account)."""
        owner = ((query.home_account_id or "").lower(), query.environment.lower())
        wanted = frozenset(s.lower() for s in query.scopes)
        client_id, realm = query.client_id.lower(), query.realm.lower()
        with self._lock:
            for key in self._index.access_token_keys_of_owner(owner):
                entry = self._sections[ACCESS_TOKEN][key]
                if (
                    entry.get("user_assertion_hash")
                    and not entry.get("ext_cache_key")
                    and str(entry.get("client_id", "")).lower() == client_id
                    and str(entry.get("realm", "")).lower() == realm
                    and int(entry["expires_on"]) - now >= EXPIRY_MARGIN_SECONDS
                    and wanted <= scope_set(entry["target"])
                ):
                    return entry
        return None

    def add_access_token(self, record: AccessTokenRecord, now: float | None = None) -> None:
        """Store ``record``, replacing its key and the tokens it overlaps."""
        self.save(CacheWrite(access_token=record), now)

    def remove_access_tokens(
        self, *, client_id: str, environments: list[str], home_account_id: str | None = None
    ) -> int:
        """Remove the access tokens of ``client_id`` for one account (or app-only) in any of
        ``environments``; tokens with an extension key are kept (as MSAL does). Returns the
        number removed."""
        owner = (home_account_id or "").lower()
        with self._lock:
            doomed = [
                key
                for environment in {e.lower() for e in environments}
                for key in self._index.access_token_keys_of_owner((owner, environment))
                if self._matches_client(key, client_id)
            ]
            for key in doomed:
                self._pop(ACCESS_TOKEN, key)
            if doomed:
                self._changed()
        self._write_to_second_level()
        return len(doomed)

    def _matches_client(self, key: str, client_id: str) -> bool:
        entry = self._sections[ACCESS_TOKEN][key]
        return str(entry.get("client_id", "")).lower() == client_id.lower() and not entry.get(
            "ext_cache_key"
        )

    # -- refresh tokens, accounts, app metadata ----------------------------------------------

    def find_refresh_tokens(self, query: RefreshTokenQuery) -> list[ReadOnlyEntry]:
        """The refresh tokens matching ``query``, most recently written first."""
        if self._second_level is not None:
            self._load_from_second_level(
                PartitionKey.obo(query.user_assertion_hash)
                if query.user_assertion_hash
                else PartitionKey.user(query.home_account_id)
            )
        with self._lock:
            if query.user_assertion_hash:
                keys = self._index.refresh_tokens_by_assertion.get(query.user_assertion_hash)
            else:
                owner = (query.home_account_id.lower(), query.environment.lower())
                keys = self._index.owned[REFRESH_TOKEN].get(owner)
            found = [e for e in self._entries(REFRESH_TOKEN, keys) if query.matches(e)]
        found.sort(key=_modification_time, reverse=True)
        return [MappingProxyType(e) for e in found]

    def accounts_of_assertion(self, user_assertion_hash: str) -> list[str]:
        """The (lower-cased) home account ids holding access tokens obtained on behalf of
        one incoming assertion, by its hash: usually one. O(buckets of that partition)."""
        self._load_from_second_level(PartitionKey.obo(user_assertion_hash))
        with self._lock:
            buckets = self._index.buckets_by_partition.get(PartitionKey.obo(user_assertion_hash))
            return sorted({bucket[0] for bucket in buckets or ()})

    def update_refresh_token(self, entry: ReadOnlyEntry, secret: str, now: float) -> None:
        """Replace the secret of the refresh token ``entry`` (rotation), keeping its key."""
        self._replace_refresh_secret(entry, secret, now)
        self._write_to_second_level()

    def app_metadata(self, environment: str, client_id: str) -> ReadOnlyEntry | None:
        """The AppMetadata entry of ``client_id`` in ``environment``, if any."""
        with self._lock:
            found = self._get(APP_METADATA, app_metadata_key(environment, client_id))
        return MappingProxyType(found) if found is not None else None

    def set_app_metadata(self, *, environment: str, client_id: str, family_id: str | None) -> None:
        """Record what the last token response said about this app (its FOCI family)."""
        self.save(CacheWrite(app_metadata=AppMetadataRecord(client_id, environment, family_id)))

    def accounts(self, environment: str) -> list[ReadOnlyEntry]:
        """The Account entries of ``environment`` (O(number of accounts there))."""
        with self._lock:
            keys = self._index.accounts_by_environment.get(environment.lower())
            return [MappingProxyType(e) for e in self._entries(ACCOUNT, keys)]

    def remove_account_credentials(
        self, *, home_account_id: str, environment: str, client_id: str, family_id: str | None
    ) -> int:
        """Forget an account: its refresh tokens of ``client_id`` or of its family, every
        access token, id token and Account entry of it in ``environment``. Returns the count."""
        owner = (home_account_id.lower(), environment.lower())
        with self._lock:
            doomed = [(ACCESS_TOKEN, k) for k in self._index.access_token_keys_of_owner(owner)]
            for section in (ID_TOKEN, ACCOUNT):
                doomed += [(section, k) for k in self._index.owned[section].get(owner)]
            for entry_key in self._index.owned[REFRESH_TOKEN].get(owner):
                entry = self._sections[REFRESH_TOKEN][entry_key]
                mine = entry.get("client_id") == client_id
                if mine or (family_id and entry.get("family_id") == family_id):
                    doomed.append((REFRESH_TOKEN, entry_key))
            for section, entry_key in doomed:
                self._pop(section, entry_key)
            if doomed:
                self._changed()
        self._write_to_second_level()
        return len(doomed)

    # -- partitions -------------------------------------------------------------------------

    def export_partition(self, partition: PartitionKey) -> str:
        """One partition as MSAL-format JSON, to store on its own; marks it saved."""
        return dump_sections(self.partition_sections(partition, mark_saved=True))

    def import_partition(self, partition: PartitionKey, text: str | bytes | None) -> None:
        """Replace ``partition`` with the entries of ``text`` (from :meth:`export_partition`).

        Raises ``ValueError`` (changing nothing) if ``text`` is malformed or holds an entry
        of another partition.
        """
        self.replace_partition(partition, parse_sections(text))

    # -- enumeration ------------------------------------------------------------------------

    def entries(self, section: str) -> list[Entry]:
        """A copy of every entry of ``section`` (explicit enumeration: O(n))."""
        with self._lock:
            self._decode_all()
            return [copy.copy(e) for e in self._sections.get(section, {}).values()]

    def sections(self) -> list[str]:
        with self._lock:
            return list(self._sections)

    def __len__(self) -> int:
        with self._lock:
            return self._size()

    def __iter__(self) -> Iterator[tuple[str, str, Entry]]:
        snapshot: Sections = self.snapshot()
        for section, entries in snapshot.items():
            for key, entry in entries.items():
                yield section, key, copy.copy(entry)  # another SDK's entry may be no object
