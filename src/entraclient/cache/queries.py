"""The typed questions flows ask the token cache: frozen queries and prepared probes.

An :class:`AccessTokenQuery` names a bucket (app, account, tenant, ...) and scopes; its
:meth:`~AccessTokenQuery.probe` is the prepared look-up. :class:`AccessTokenProbes` prepares
look-ups for one bucket once and then only joins the scopes, which is what a repeated request
needs. A :class:`RefreshTokenQuery` selects an account's refresh tokens.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from entraclient.cache.indexes import AccessTokenProbe
from entraclient.cache.schema import Entry

__all__ = ["AccessTokenProbes", "AccessTokenQuery", "RefreshTokenQuery"]

_new_probe = tuple.__new__  # builds a probe without NamedTuple's Python-level __new__


@dataclass(frozen=True, slots=True)
class AccessTokenQuery:
    """A request for an access token covering ``scopes`` for one app, account and tenant.

    ``home_account_id`` is ``None`` for app tokens; ``user_assertion_hash`` selects the tokens
    obtained on behalf of one incoming assertion.
    """

    client_id: str
    environment: str
    realm: str
    scopes: tuple[str, ...]
    home_account_id: str | None = None
    key_id: str | None = None
    ext_cache_key: str | None = None
    user_assertion_hash: str | None = None

    def probe(self) -> AccessTokenProbe:
        """The prepared form of this query (reuse it to look up the same thing repeatedly)."""
        probes = AccessTokenProbes(
            client_id=self.client_id,
            environment=self.environment,
            realm=self.realm,
            home_account_id=self.home_account_id,
            key_id=self.key_id,
            ext_cache_key=self.ext_cache_key,
            user_assertion_hash=self.user_assertion_hash,
        )
        return probes.probe(self.scopes)


class AccessTokenProbes:
    """Builds the look-ups of one bucket (one app, account, tenant, ...) for any scopes.

    Everything but the scopes is computed once, so a repeated request costs a string join
    and a dictionary probe. Equivalent to ``AccessTokenQuery(...).probe()``.
    """

    __slots__ = ("_bucket", "key_prefix", "key_suffix", "owner", "plain")

    def __init__(
        self,
        *,
        client_id: str,
        environment: str,
        realm: str,
        home_account_id: str | None = None,
        key_id: str | None = None,
        ext_cache_key: str | None = None,
        user_assertion_hash: str | None = None,
    ) -> None:
        self._bucket = (
            (home_account_id or "").lower(),
            environment.lower(),
            client_id.lower(),
            realm.lower(),
            key_id or "",
            ext_cache_key or "",
            user_assertion_hash or "",
        )
        home = sys.intern(home_account_id) if home_account_id else None
        self.owner = (home, sys.intern(environment), sys.intern(client_id), sys.intern(realm))
        self.plain = not (key_id or user_assertion_hash)
        kind = "atext" if ext_cache_key else "accesstoken"
        prefix = f"{home_account_id or ''}-{environment}-{kind}-{client_id}-{realm}-"
        # Lower-casing the parts apart equals lower-casing the key (they meet at a "-").
        self.key_prefix = prefix.lower()
        self.key_suffix = f"-{ext_cache_key}".lower() if ext_cache_key else ""

    def key_of(self, scopes: Sequence[str]) -> tuple[str, str]:
        """The exact key for ``scopes``, and the lower-cased target it ends with."""
        target = (scopes[0] if len(scopes) == 1 else " ".join(sorted(scopes))).lower()
        return self.key_prefix + target + self.key_suffix, target

    def probe_of(self, key: str, target: str) -> AccessTokenProbe:
        return _new_probe(AccessTokenProbe, (self._bucket, key, target, self.owner))

    def probe(self, scopes: Sequence[str]) -> AccessTokenProbe:
        """The look-up of a token holding every one of ``scopes``."""
        return self.probe_of(*self.key_of(scopes))


@dataclass(frozen=True, slots=True)
class RefreshTokenQuery:
    """Refresh tokens of one account in one cloud, optionally of one client or one family."""

    home_account_id: str
    environment: str
    client_id: str | None = None
    family_id: str | None = None
    user_assertion_hash: str | None = None

    def matches(self, entry: Entry) -> bool:
        if self.client_id is not None and entry.get("client_id") != self.client_id:
            return False
        if self.family_id is not None and entry.get("family_id") != self.family_id:
            return False
        found_hash = entry.get("user_assertion_hash") or None
        return self.user_assertion_hash is None or found_hash == self.user_assertion_hash
