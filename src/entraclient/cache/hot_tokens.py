"""Compact records of the app tokens that were hit: what a repeated hit reads, and no more.

A plain app-token hit (``acquire_token_for_client`` with one scope) needs four values of the
entry — its expiry, its ``refresh_on``, the secret and the token type — and the proof that
the entry belongs to the asking app. The first hit reads them from the entry, checking every
field (:meth:`TokenCache.find_access_token_for`); after that, the cache keeps them here as one
small tuple under the entry's key, so the next hit is one dictionary probe and two integer
comparisons, and never parses a string of digits again.

Invariants:

* A record exists only for an entry that passed the full check of a plain probe (exact key,
  owner fields equal, no key id or assertion hash, every answered field usable), and it holds
  that probe's ``owner``: a hit with another owner ignores it.
* The cache drops a key's record whenever that key's entry is stored, replaced or removed,
  and all of them when its content is replaced; a record is created under the cache's lock,
  only while its entry is still the one under the key. So a record never outlives its entry.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["HotToken", "TokenOwner", "hot_token_of"]

TokenOwner = tuple[str | None, str, str, str]
"""``(home_account_id, environment, client_id, realm)`` as the asking app gives them."""


class HotToken(NamedTuple):
    """What a repeated plain hit answers with, decoded once."""

    expires_on: int
    refresh_on: int | None
    """``None`` when the entry has no ``refresh_on``."""
    secret: str
    token_type: str
    owner: TokenOwner


def hot_token_of(entry: dict[str, Any], owner: TokenOwner) -> HotToken:
    """The record of ``entry``, which passed the full check for ``owner``."""
    refresh_on = entry.get("refresh_on")
    return HotToken(
        int(entry["expires_on"]),
        int(refresh_on) if refresh_on is not None else None,
        entry["secret"],
        entry.get("token_type") or "Bearer",
        owner,
    )
