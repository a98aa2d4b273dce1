"""How one cache entry is stored: a small self-describing blob, optionally AES-GCM encrypted.

A blob names its partition, section and key besides the entry, so a blob copied under
another name, or into another partition, is recognised as foreign. Encrypted blobs are
``b"ec1" + nonce(12) + AES-GCM(json)``, authenticated with the partition and the entry id as
associated data: a tampered, truncated or moved blob fails to decrypt. ``cryptography`` is
imported only when a key is given.

Invariants: :func:`EntryEnvelope.open` returns a checked entry of the partition asked for,
or raises :class:`CorruptEntryError` (a ``ValueError`` whose message holds no secret).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from typing import Any

from entraclient.cache.codec import check_entry, load_json
from entraclient.cache.partitions import PartitionKey, partition_of
from entraclient.cache.schema import Entry

__all__ = ["CorruptEntryError", "EntryEnvelope", "entry_id", "partition_id"]

_ENCRYPTED = b"ec1"
_NONCE_SIZE = 12


class CorruptEntryError(ValueError):
    """A stored blob that is not a well-formed entry of its partition (never used)."""


def entry_id(section: str, key: str) -> str:
    """A short stable name for one entry of a partition (file name, Redis hash field)."""
    return hashlib.sha256(f"{section}\n{key}".encode()).hexdigest()[:40]


def partition_id(partition: PartitionKey) -> str:
    """A short stable name for a partition that is safe as a file name."""
    return hashlib.sha256(str(partition).encode()).hexdigest()[:40]


class EntryEnvelope:
    """Seals entries into blobs and opens them, with or without encryption.

    ``encryption_key`` is 16, 24 or 32 bytes (AES-128/192/256); ``previous_keys`` are tried
    when opening only, so a key can be rotated without losing what is stored.
    """

    def __init__(
        self, encryption_key: bytes | None = None, previous_keys: Sequence[bytes] = ()
    ) -> None:
        self._ciphers: list[Any] = []
        if encryption_key is not None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            for key in (encryption_key, *previous_keys):
                if not isinstance(key, bytes) or len(key) not in (16, 24, 32):
                    raise ValueError("an encryption key must be 16, 24 or 32 bytes")
                self._ciphers.append(AESGCM(key))

    def __repr__(self) -> str:
        return f"EntryEnvelope(encrypted={bool(self._ciphers)})"

    @property
    def encrypted(self) -> bool:
        """Whether blobs are sealed with a key."""
        return bool(self._ciphers)

    def seal(self, partition: PartitionKey, section: str, key: str, entry: Entry) -> bytes:
        """The blob storing ``entry``."""
        plain = json.dumps(
            {"p": str(partition), "s": section, "k": key, "e": entry}, separators=(",", ":")
        ).encode()
        if not self._ciphers:
            return plain
        nonce = os.urandom(_NONCE_SIZE)
        aad = _associated_data(partition, section, key)
        return _ENCRYPTED + nonce + bytes(self._ciphers[0].encrypt(nonce, plain, aad))

    def open(
        self, partition: PartitionKey, blob: bytes, expected_id: str | None = None
    ) -> tuple[str, str, Entry]:
        """``(section, key, entry)`` from ``blob``; :class:`CorruptEntryError` if it is unusable.

        ``expected_id`` is the name the blob was found under (checked against its content).
        """
        document = self._decode(partition, blob, expected_id)
        section, key, entry = document.get("s"), document.get("k"), document.get("e")
        if document.get("p") != str(partition) or not isinstance(section, str):
            raise CorruptEntryError("a stored entry belongs to another partition")
        if not isinstance(key, str) or (expected_id and entry_id(section, key) != expected_id):
            raise CorruptEntryError("a stored entry is filed under another name")
        try:
            check_entry(section, key, entry)
        except ValueError as bad:
            raise CorruptEntryError(str(bad)) from None
        if not isinstance(entry, dict) or partition_of(section, entry) != partition:
            raise CorruptEntryError("a stored entry belongs to another partition")
        return section, key, entry

    def _decode(
        self, partition: PartitionKey, blob: bytes, expected_id: str | None
    ) -> dict[str, Any]:
        if blob.startswith(_ENCRYPTED):
            plain = self._decrypt(partition, blob, expected_id)
        elif self._ciphers:
            raise CorruptEntryError("a stored entry is not encrypted but a key is configured")
        else:
            plain = blob
        try:
            document = load_json(plain)
        except (ValueError, UnicodeDecodeError):
            raise CorruptEntryError("a stored entry is not valid JSON (truncated?)") from None
        if not isinstance(document, dict):
            raise CorruptEntryError("a stored entry is not a JSON object")
        return document

    def _decrypt(self, partition: PartitionKey, blob: bytes, expected_id: str | None) -> bytes:
        if not self._ciphers:
            raise CorruptEntryError("a stored entry is encrypted but no key is configured")
        from cryptography.exceptions import InvalidTag

        nonce = blob[len(_ENCRYPTED) : len(_ENCRYPTED) + _NONCE_SIZE]
        sealed = blob[len(_ENCRYPTED) + _NONCE_SIZE :]
        for cipher in self._ciphers:
            for aad in _candidate_associated_data(partition, expected_id):
                try:
                    return bytes(cipher.decrypt(nonce, sealed, aad))
                except (InvalidTag, ValueError):
                    continue
        raise CorruptEntryError("a stored entry failed authentication (tampered or another key)")


def _associated_data(partition: PartitionKey, section: str, key: str) -> bytes:
    return f"entraclient-cache/1\n{partition}\n{entry_id(section, key)}".encode()


def _candidate_associated_data(partition: PartitionKey, expected_id: str | None) -> list[bytes]:
    if expected_id is None:
        raise CorruptEntryError("an encrypted entry must be opened under its name")
    return [f"entraclient-cache/1\n{partition}\n{expected_id}".encode()]
