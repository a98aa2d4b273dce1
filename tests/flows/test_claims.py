"""flows/claims.py: PROTOCOL.md §5.4 exactly."""

from __future__ import annotations

import pytest

from entraclient.flows.claims import merge_claims


def test_nothing_to_send() -> None:
    assert merge_claims((), None) is None


def test_capabilities_alone() -> None:
    assert merge_claims(("CP1",), None) == '{"access_token": {"xms_cc": {"values": ["CP1"]}}}'


def test_challenge_alone_is_sent_byte_for_byte() -> None:
    challenge = '{"access_token":{"nbf":{"essential":true, "value":"1"}}}'
    assert merge_claims((), challenge) == challenge


def test_challenge_merged_with_capabilities_replaces_xms_cc() -> None:
    challenge = (
        '{"id_token": {"acrs": {"essential": true, "value": "c1"}}, '
        '"access_token": {"xms_cc": {"values": ["old"]}}}'
    )
    assert merge_claims(("CP1",), challenge) == (
        '{"id_token": {"acrs": {"essential": true, "value": "c1"}}, '
        '"access_token": {"xms_cc": {"values": ["CP1"]}}}'
    )


@pytest.mark.parametrize("bad", ["{", "[]", '"x"'])
def test_a_challenge_that_is_not_an_object_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="claims_challenge"):
        merge_claims(("CP1",), bad)
