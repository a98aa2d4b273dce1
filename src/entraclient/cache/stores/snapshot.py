"""The snapshot of a file-store partition: many sealed entries in one file, read in one go.

Format: ``b"ecsnap1\\n"``, records of ``entry id (40 ASCII) + length (8 hex) + blob``, and a
trailer ``b"\\0end" + record count (8 hex)``, so a file cut anywhere is recognised.
Each blob is an :class:`~entraclient.cache.stores.envelope.EntryEnvelope` blob, checked on
its own when opened, so one bad entry never poisons the others; a snapshot that is cut short
or has a wrong header raises :class:`SnapshotDamaged`.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["SnapshotDamaged", "dump_snapshot", "parse_snapshot"]

_HEADER = b"ecsnap1\n"
_ID_SIZE = 40
_LENGTH_SIZE = 8
_TRAILER = b"\0end"


class SnapshotDamaged(ValueError):  # noqa: N818 - a condition of a file, like FileNotFoundError
    """A snapshot file that is not one (truncated, garbage, another format)."""


def dump_snapshot(blobs: Mapping[str, bytes]) -> bytes:
    """The snapshot holding ``blobs`` (entry id -> sealed blob)."""
    parts = [_HEADER]
    for name, blob in blobs.items():
        parts.append(name.encode("ascii") + b"%08x" % len(blob) + blob)
    parts.append(_TRAILER + b"%08x" % len(blobs))
    return b"".join(parts)


def parse_snapshot(data: bytes) -> dict[str, bytes]:
    """Entry id -> sealed blob; :class:`SnapshotDamaged` if ``data`` is not a whole snapshot."""
    if not data.startswith(_HEADER):
        raise SnapshotDamaged("a snapshot file has no snapshot header")
    blobs: dict[str, bytes] = {}
    position = len(_HEADER)
    while position < len(data):
        if data.startswith(_TRAILER, position):
            return _checked_end(data, position, blobs)
        head_end = position + _ID_SIZE + _LENGTH_SIZE
        if head_end > len(data):
            raise SnapshotDamaged("a snapshot file is cut short")
        try:
            name = data[position : position + _ID_SIZE].decode("ascii")
            length = int(data[position + _ID_SIZE : head_end], 16)
        except ValueError:
            raise SnapshotDamaged("a snapshot record is malformed") from None
        if head_end + length > len(data):
            raise SnapshotDamaged("a snapshot file is cut short")
        blobs[name] = data[head_end : head_end + length]
        position = head_end + length
    raise SnapshotDamaged("a snapshot file is cut short")


def _checked_end(data: bytes, position: int, blobs: dict[str, bytes]) -> dict[str, bytes]:
    count = data[position + len(_TRAILER) :]
    if len(count) != _LENGTH_SIZE or count != b"%08x" % len(blobs):
        raise SnapshotDamaged("a snapshot file is cut short or has extra bytes")
    return blobs
