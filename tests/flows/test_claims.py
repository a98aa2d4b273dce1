"""flows/claims.py: PROTOCOL.md §5.4 exactly."""

from __future__ import annotations

import json

import pytest

from entraclient.flows.claims import merge_claims, merge_forwarded_claims


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


def test_forwarded_claims_alone_are_sent_byte_for_byte() -> None:
    assert merge_forwarded_claims(None, '{"a":1}') == '{"a":1}'
    assert merge_forwarded_claims('{"a": 1}', None) == '{"a": 1}'
    assert merge_forwarded_claims(None, None) is None


def test_forwarded_claims_deep_merge_over_the_rest() -> None:
    base = merge_claims(("CP1",), '{"access_token": {"nbf": {"value": "1"}}, "keep": [1]}')
    forwarded = (
        '{"access_token": {"nbf": {"essential": true}, "xms_cc": 5}, "keep": [2], "new": {}}'
    )
    assert json.loads(merge_forwarded_claims(base, forwarded) or "") == {
        "access_token": {"nbf": {"value": "1", "essential": True}, "xms_cc": 5},
        "keep": [2],
        "new": {},
    }


def test_forwarded_claims_must_be_an_object_when_merged() -> None:
    with pytest.raises(ValueError, match="forwarded_client_claims"):
        merge_forwarded_claims('{"a": 1}', "[]")
