"""A second-level store in a directory, for the processes of one machine (needs ``filelock``).

Layout: ``{directory}/{partition id}/`` holds a ``snapshot`` (many entries in one file, see
:mod:`.snapshot`) and a journal of ``{entry id}.entry`` files, one per entry written since
(a removed entry leaves a small tombstone while a snapshot may still hold it). A write adds
or replaces journal files only, so it costs the size of the change however large the
partition is. A load reads the journal names, the snapshot, then the journal files (newer
than the snapshot). Once the journal holds ``compact_after`` files and a quarter of the
snapshot's size, a loader or writer folds it into a new snapshot under the partition's lock
(so each write pays for at most four entries of compaction: amortised O(1)), and a restart
reads one large file instead of thousands of small ones.

Every file goes to a temporary file in the same directory, is fsynced, then ``os.replace``d
over the old one, and the directory is fsynced: a crash leaves the old or the new version,
never a torn one. Writers of one partition take its :class:`filelock.FileLock` (an OS lock,
released when the holder dies). Files are created ``0600`` and directories ``0700``.

A corrupt, truncated, tampered or foreign file is never used: it is moved to
``{directory}/quarantine/`` and reported in one warning per load.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from filelock import FileLock

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import Entry
from entraclient.cache.stores.contract import EntryChange, StoreUnavailable
from entraclient.cache.stores.envelope import (
    CorruptEntryError,
    EntryEnvelope,
    entry_id,
    partition_id,
)
from entraclient.cache.stores.snapshot import SnapshotDamaged, dump_snapshot, parse_snapshot

__all__ = ["FileStore"]

logger = logging.getLogger(__name__)

_SUFFIX = ".entry"
_SNAPSHOT = "snapshot"
_TOMBSTONE = b"ec-removed\n"
_STALE_TEMPORARY_SECONDS = 60.0


class FileStore:
    """Cache entries in files under ``directory``, one file per entry, grouped by partition.

    ``encryption_key`` (16/24/32 bytes, e.g. from an environment variable or a mounted
    secret) turns on AES-GCM at rest; ``previous_keys`` are still read after a rotation.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        encryption_key: bytes | None = None,
        previous_keys: Sequence[bytes] = (),
        lock_timeout: float = 10.0,
        compact_after: int = 256,
    ) -> None:
        self.directory = Path(directory)
        self._envelope = EntryEnvelope(encryption_key, previous_keys)
        self._lock_timeout = lock_timeout
        self._compact_after = compact_after
        self._written: dict[PartitionKey, int] = {}  # journal files written since compaction
        self._snapshot_sizes: dict[PartitionKey, int] = {}  # entries in the last snapshot seen
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileStore({str(self.directory)!r}, encrypted={self._envelope.encrypted})"

    def partition_directory(self, partition: PartitionKey) -> Path:
        """Where the entries of ``partition`` live."""
        return self.directory / partition_id(partition)

    def lock(self, partition: PartitionKey) -> FileLock:
        """The cross-process lock writers of ``partition`` hold."""
        return FileLock(str(self.directory / f"{partition_id(partition)}.lock"), mode=0o600)

    def load(self, partition: PartitionKey) -> list[tuple[str, str, Entry]]:
        """Every usable entry of ``partition``; unusable files are moved aside."""
        blobs, journal = self._read(partition)
        found: list[tuple[str, str, Entry]] = []
        corrupt = 0
        for name, (blob, path) in blobs.items():
            try:
                found.append(self._envelope.open(partition, blob, name))
            except CorruptEntryError as bad:
                corrupt += 1
                if path.name != _SNAPSHOT:  # a bad entry of a snapshot goes at compaction
                    self._quarantine(path, str(bad))
        if corrupt:
            logger.warning(
                "token cache store %s: %d unusable entr%s of partition %s moved to quarantine/",
                self.directory, corrupt, "y" if corrupt == 1 else "ies", partition.kind,
            )  # fmt: skip
        if self._due(partition, journal):
            self._compact_quietly(partition)
        return found

    def _due(self, partition: PartitionKey, journal: int) -> bool:
        return journal >= max(self._compact_after, self._snapshot_sizes.get(partition, 0) // 4)

    def _read(self, partition: PartitionKey) -> tuple[dict[str, tuple[bytes, Path]], int]:
        """Entry id -> (blob, the file it came from), and the number of journal files.

        The journal is listed before the snapshot is read: a compaction in between folds
        listed files into the snapshot read next, and they are gone when opened.
        """
        folder = self.partition_directory(partition)
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return {}, 0
        except OSError as failure:
            raise StoreUnavailable(f"cannot list {folder}: {type(failure).__name__}") from None
        blobs = self._read_snapshot(folder)
        self._snapshot_sizes[partition] = len(blobs)
        journal = 0
        for name in names:
            if not name.endswith(_SUFFIX):
                if name != _SNAPSHOT:
                    self._remove_if_stale_temporary(folder / name)
                continue
            journal += 1
            try:
                blob = (folder / name).read_bytes()
            except FileNotFoundError:  # folded into the snapshot, or removed, meanwhile
                continue
            entry_name = name[: -len(_SUFFIX)]
            if blob == _TOMBSTONE:
                blobs.pop(entry_name, None)
            else:
                blobs[entry_name] = (blob, folder / name)
        return blobs, journal

    def _read_snapshot(self, folder: Path) -> dict[str, tuple[bytes, Path]]:
        path = folder / _SNAPSHOT
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            return {name: (blob, path) for name, blob in parse_snapshot(data).items()}
        except SnapshotDamaged as damage:
            logger.warning(
                "token cache store %s: a damaged snapshot moved to quarantine/", self.directory
            )
            self._quarantine(path, str(damage))
            return {}

    def compact(self, partition: PartitionKey) -> None:
        """Fold the journal of ``partition`` into its snapshot (under the partition's lock)."""
        folder = self.partition_directory(partition)
        with self.lock(partition).acquire(timeout=self._lock_timeout):
            journal = [name for name in os.listdir(folder) if name.endswith(_SUFFIX)]
            blobs, _ = self._read(partition)
            usable = {
                name: blob
                for name, (blob, _) in blobs.items()
                if self._opens(partition, name, blob)
            }
            snapshot = dump_snapshot(usable)
            _write_atomically(folder / _SNAPSHOT, snapshot)
            self._snapshot_sizes[partition] = len(usable)
            for name in journal:
                (folder / name).unlink(missing_ok=True)
            _fsync_directory(folder)
        self._written[partition] = 0

    def _opens(self, partition: PartitionKey, name: str, blob: bytes) -> bool:
        try:
            self._envelope.open(partition, blob, name)
        except CorruptEntryError:
            return False
        return True

    def _compact_quietly(self, partition: PartitionKey) -> None:
        try:
            self.compact(partition)
        except OSError as failure:  # another process holds the lock, or the disk is full
            logger.debug("compaction of a partition skipped (%s)", type(failure).__name__)

    def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        """Write and remove the entries of ``changes`` under the partition's lock."""
        folder = self.partition_directory(partition)
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            with self.lock(partition).acquire(timeout=self._lock_timeout):
                has_snapshot = (folder / _SNAPSHOT).exists()
                for change in changes:
                    self._apply(partition, folder, change, has_snapshot)
                _fsync_directory(folder)
        except OSError as failure:  # filelock.Timeout is an OSError (TimeoutError) too
            raise StoreUnavailable(f"cannot write to {folder}: {type(failure).__name__}") from None
        written = self._written.get(partition, 0) + len(changes)
        self._written[partition] = written
        if self._due(partition, written):
            self._compact_quietly(partition)

    def _apply(
        self, partition: PartitionKey, folder: Path, change: EntryChange, has_snapshot: bool
    ) -> None:
        path = folder / (entry_id(change.section, change.key) + _SUFFIX)
        if change.entry is None:
            if has_snapshot:  # the snapshot may hold it: leave a tombstone
                _write_atomically(path, _TOMBSTONE)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            return
        blob = self._envelope.seal(partition, change.section, change.key, change.entry)
        _write_atomically(path, blob)

    def _quarantine(self, path: Path, reason: str) -> None:
        aside = self.directory / "quarantine"
        try:
            aside.mkdir(mode=0o700, exist_ok=True)
            os.replace(path, aside / f"{path.parent.name}-{path.name}-{time.time_ns()}")
        except OSError:
            logger.debug("could not move %s aside (%s)", path, reason)

    @staticmethod
    def _remove_if_stale_temporary(path: Path) -> None:
        """Temporary files left by a writer that died; live ones are seconds old at most."""
        try:
            if time.time() - path.stat().st_mtime > _STALE_TEMPORARY_SECONDS:
                path.unlink()
        except OSError:
            pass


def _write_atomically(path: Path, blob: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(blob)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
