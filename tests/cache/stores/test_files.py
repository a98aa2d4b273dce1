"""The file store: atomic files, 0600, damaged files moved aside, locks that die with their holder."""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

import pytest

from entraclient.cache.partitions import PartitionKey
from entraclient.cache.schema import ACCESS_TOKEN
from entraclient.cache.stores.contract import EntryChange, StoreUnavailable
from entraclient.cache.stores.files import FileStore
from tests.cache.factories import app_token

APP = PartitionKey.app("c", "t")
KEY = bytes(32)


def write_one(store: FileStore, target: str = "api://a/.default", **fields: object) -> Path:
    record = app_token(target, **fields)  # type: ignore[arg-type]
    store.write(APP, [EntryChange(ACCESS_TOKEN, record.key, record.to_entry())])
    (path,) = [p for p in store.partition_directory(APP).iterdir() if p.name.endswith(".entry")]
    return path


def test_files_and_directories_are_private(file_store: FileStore) -> None:
    path = write_one(file_store)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_no_temporary_file_is_left_behind(file_store: FileStore) -> None:
    path = write_one(file_store)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_plain_file_holds_the_entry_and_an_encrypted_one_does_not(tmp_path: Path) -> None:
    plain = write_one(FileStore(tmp_path / "plain"), secret="visible-secret")
    sealed = write_one(FileStore(tmp_path / "sealed", encryption_key=KEY), secret="hidden-secret")
    assert b"visible-secret" in plain.read_bytes()
    assert b"hidden-secret" not in sealed.read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: b"",  # empty
        lambda blob: b"\x00\xff garbage",  # not JSON
        lambda blob: blob.replace(b'"t"', b'"u"'),  # another partition's entry
    ],
    ids=["truncated", "empty", "garbage", "foreign"],
)
def test_a_damaged_file_is_a_miss_moved_aside_with_one_warning(
    file_store: FileStore, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_one(file_store)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    with caplog.at_level(logging.WARNING):
        assert file_store.load(APP) == []
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    assert not path.exists()
    assert len(list((file_store.directory / "quarantine").iterdir())) == 1
    assert file_store.load(APP) == []  # and the next load says nothing more
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_a_tampered_encrypted_file_is_never_used(tmp_path: Path) -> None:
    store = FileStore(tmp_path, encryption_key=KEY)
    path = write_one(store)
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    assert store.load(APP) == []


def test_an_encrypted_file_copied_under_another_name_is_foreign(tmp_path: Path) -> None:
    store = FileStore(tmp_path, encryption_key=KEY)
    first = write_one(store, "api://a/.default")
    second = first.with_name("0" * 40 + ".entry")
    os.replace(first, second)
    assert store.load(APP) == []


def test_an_entry_of_another_partition_copied_in_is_foreign(tmp_path: Path) -> None:
    store = FileStore(tmp_path, encryption_key=KEY)
    path = write_one(store)
    other = PartitionKey.app("c", "u")
    store.partition_directory(other).mkdir()
    os.replace(path, store.partition_directory(other) / path.name)
    assert store.load(other) == []


def test_stale_temporary_files_of_dead_writers_are_cleaned(file_store: FileStore) -> None:
    path = write_one(file_store)
    stale = path.with_name(".x.entry.1.2.tmp")
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    assert len(file_store.load(APP)) == 1
    assert not stale.exists()


def test_a_held_lock_makes_a_write_unavailable_not_stuck(tmp_path: Path) -> None:
    store = FileStore(tmp_path, lock_timeout=0.05)
    with store.lock(APP), pytest.raises(StoreUnavailable):
        write_one(store)


def entry_change(target: str) -> EntryChange:
    record = app_token(target)
    return EntryChange(ACCESS_TOKEN, record.key, record.to_entry())


def journal_of(store: FileStore) -> list[str]:
    return [p.name for p in store.partition_directory(APP).iterdir() if p.name.endswith(".entry")]


def test_the_journal_is_folded_into_a_snapshot_and_everything_still_loads(tmp_path: Path) -> None:
    store = FileStore(tmp_path, compact_after=3)
    for n in range(5):
        store.write(APP, [entry_change(f"api://{n}/.default")])
    assert (store.partition_directory(APP) / "snapshot").exists()
    assert len(journal_of(store)) == 2
    assert len(FileStore(tmp_path).load(APP)) == 5


def test_a_removal_after_a_snapshot_leaves_a_tombstone_until_the_next_compaction(
    tmp_path: Path,
) -> None:
    store = FileStore(tmp_path, compact_after=2)
    store.write(APP, [entry_change("api://a/.default"), entry_change("api://b/.default")])
    store.write(APP, [EntryChange(ACCESS_TOKEN, entry_change("api://a/.default").key, None)])
    assert [key for _, key, _ in store.load(APP)] == [entry_change("api://b/.default").key]
    store.compact(APP)
    assert journal_of(store) == []
    assert [key for _, key, _ in store.load(APP)] == [entry_change("api://b/.default").key]


def test_a_loader_compacts_a_long_journal(tmp_path: Path) -> None:
    writer = FileStore(tmp_path)
    for n in range(4):
        writer.write(APP, [entry_change(f"api://{n}/.default")])
    assert len(FileStore(tmp_path, compact_after=4).load(APP)) == 4
    assert journal_of(writer) == []


def test_a_damaged_snapshot_is_moved_aside_and_the_journal_still_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FileStore(tmp_path, compact_after=2)
    store.write(APP, [entry_change("api://a/.default"), entry_change("api://b/.default")])
    snapshot = store.partition_directory(APP) / "snapshot"
    snapshot.write_bytes(snapshot.read_bytes()[:-10])
    store.write(APP, [entry_change("api://c/.default")])
    with caplog.at_level(logging.WARNING):
        assert [key for _, key, _ in store.load(APP)] == [entry_change("api://c/.default").key]
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    assert not snapshot.exists()
