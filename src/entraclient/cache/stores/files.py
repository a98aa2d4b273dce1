"""A second-level store in a directory, for the processes of one machine (needs ``filelock``).

Layout: ``{directory}/{partition id}/{entry id}.entry``, one small file per entry, so a
write costs the size of the change however large its partition is. Each write goes to a
temporary file in the same directory, is fsynced, then ``os.replace``d over the old one, and
the directory is fsynced: a crash leaves the old or the new entry, never a torn one. Writers
of one partition take its :class:`filelock.FileLock` (an OS lock, released when the holder
dies). Files are created ``0600`` and directories ``0700``.

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

__all__ = ["FileStore"]

logger = logging.getLogger(__name__)

_SUFFIX = ".entry"
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
    ) -> None:
        self.directory = Path(directory)
        self._envelope = EntryEnvelope(encryption_key, previous_keys)
        self._lock_timeout = lock_timeout
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
        folder = self.partition_directory(partition)
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return []
        except OSError as failure:
            raise StoreUnavailable(f"cannot list {folder}: {type(failure).__name__}") from None
        found: list[tuple[str, str, Entry]] = []
        corrupt = 0
        for name in names:
            if not name.endswith(_SUFFIX):
                self._remove_if_stale_temporary(folder / name)
                continue
            path = folder / name
            try:
                blob = path.read_bytes()
            except FileNotFoundError:  # removed by a writer meanwhile
                continue
            try:
                found.append(self._envelope.open(partition, blob, name[: -len(_SUFFIX)]))
            except CorruptEntryError as bad:
                corrupt += 1
                self._quarantine(path, str(bad))
        if corrupt:
            logger.warning(
                "token cache store %s: %d unusable entr%s of partition %s moved to quarantine/",
                self.directory, corrupt, "y" if corrupt == 1 else "ies", partition.kind,
            )  # fmt: skip
        return found

    def write(self, partition: PartitionKey, changes: Sequence[EntryChange]) -> None:
        """Write and remove the entries of ``changes`` under the partition's lock."""
        folder = self.partition_directory(partition)
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            with self.lock(partition).acquire(timeout=self._lock_timeout):
                for change in changes:
                    self._apply(partition, folder, change)
                _fsync_directory(folder)
        except OSError as failure:  # filelock.Timeout is an OSError (TimeoutError) too
            raise StoreUnavailable(f"cannot write to {folder}: {type(failure).__name__}") from None

    def _apply(self, partition: PartitionKey, folder: Path, change: EntryChange) -> None:
        path = folder / (entry_id(change.section, change.key) + _SUFFIX)
        if change.entry is None:
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
