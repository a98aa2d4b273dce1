"""Cache partitions: the units a persistent or distributed store loads and saves.

A production service keeps one blob per partition, as Microsoft.Identity.Web does, instead of
one blob for the whole cache. Every entry belongs to exactly one partition, decided from its
fields alone (:func:`partition_of`):

=========  ===========================================  ======================================
kind       holds                                        identified by
=========  ===========================================  ======================================
``app``    app-only access tokens (no account)          client id and tenant (realm)
``obo``    tokens carrying a ``user_assertion_hash``    the hash of the incoming assertion
``user``   a signed-in account's tokens and Account     the ``home_account_id``
``shared`` AppMetadata and sections unknown to us       (one partition)
=========  ===========================================  ======================================

Identifiers are lower-cased (MSAL keys are), except the assertion hash, which is base64url.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from entraclient.cache.schema import ACCESS_TOKEN, ACCOUNT, ID_TOKEN, REFRESH_TOKEN, Entry

__all__ = ["PartitionKey", "partition_of"]

PartitionKind = Literal["app", "obo", "user", "shared"]
_KINDS: tuple[PartitionKind, ...] = ("app", "obo", "user", "shared")
_CREDENTIAL_SECTIONS = frozenset({ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, ACCOUNT})


@dataclass(frozen=True, slots=True, order=True)
class PartitionKey:
    """Names one partition. Build it with :meth:`app`, :meth:`obo`, :meth:`user`, :meth:`shared`.

    ``str(key)`` is a stable name (``app:{client_id}:{tenant}``, ``obo:{hash}``,
    ``user:{home_account_id}``, ``shared``) for a file or a database row;
    :meth:`parse` reads it back.
    """

    kind: PartitionKind
    first: str = ""
    second: str = ""

    @classmethod
    def app(cls, client_id: str, tenant: str) -> PartitionKey:
        """The app tokens of ``client_id`` in ``tenant`` (the realm: usually the tenant id)."""
        return cls("app", client_id.lower(), tenant.lower())

    @classmethod
    def obo(cls, user_assertion_hash: str) -> PartitionKey:
        """The on-behalf-of tokens obtained with one incoming assertion (by its hash)."""
        return cls("obo", user_assertion_hash)

    @classmethod
    def user(cls, home_account_id: str) -> PartitionKey:
        """Everything cached for one signed-in account."""
        return cls("user", home_account_id.lower())

    @classmethod
    def shared(cls) -> PartitionKey:
        """App metadata and any section this library does not interpret."""
        return cls("shared")

    @classmethod
    def parse(cls, text: str) -> PartitionKey:
        """The key whose ``str()`` is ``text``; ``ValueError`` if it is not one."""
        kind, _, rest = text.partition(":")
        if kind == "app" and rest.count(":") == 1:
            client_id, tenant = rest.split(":")
            return cls.app(client_id, tenant)
        if kind == "obo" and rest:
            return cls.obo(rest)
        if kind == "user" and rest:
            return cls.user(rest)
        if text == "shared":
            return cls.shared()
        raise ValueError(f"{text[:80]!r} is not a partition name (app:…, obo:…, user:…, shared)")

    def __str__(self) -> str:
        if self.kind == "app":
            return f"app:{self.first}:{self.second}"
        if self.kind == "shared":
            return "shared"
        return f"{self.kind}:{self.first}"

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown partition kind {self.kind!r}")


_SHARED = PartitionKey.shared()


def _text(entry: Entry, field: str) -> str:
    value = entry.get(field)
    return value if isinstance(value, str) else ""


def partition_of(section: str, entry: Entry) -> PartitionKey:
    """The partition ``entry`` of ``section`` belongs to."""
    if section not in _CREDENTIAL_SECTIONS:
        return _SHARED
    assertion_hash = _text(entry, "user_assertion_hash")
    if assertion_hash and section != ACCOUNT:
        return PartitionKey.obo(assertion_hash)
    home = _text(entry, "home_account_id")
    if home:
        return PartitionKey.user(home)
    if section == ACCESS_TOKEN:
        return PartitionKey.app(_text(entry, "client_id"), _text(entry, "realm"))
    return _SHARED
