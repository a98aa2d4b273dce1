"""cache/stores/snapshot.py: many sealed entries in one file, and what a cut file looks like."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entraclient.cache.stores.snapshot import SnapshotDamaged, dump_snapshot, parse_snapshot

names = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)


@given(st.dictionaries(names, st.binary(max_size=300), max_size=20))
def test_a_snapshot_reads_back(blobs: dict[str, bytes]) -> None:
    assert parse_snapshot(dump_snapshot(blobs)) == blobs


@given(
    st.dictionaries(names, st.binary(min_size=1, max_size=300), min_size=1, max_size=5), st.data()
)
def test_a_cut_snapshot_is_damaged(blobs: dict[str, bytes], data: st.DataObject) -> None:
    whole = dump_snapshot(blobs)
    cut = data.draw(st.integers(min_value=0, max_value=len(whole) - 1))
    with pytest.raises(SnapshotDamaged):
        parse_snapshot(whole[:cut])


def test_garbage_is_damaged() -> None:
    with pytest.raises(SnapshotDamaged):
        parse_snapshot(b"ecsnap1\n" + b"z" * 48)
