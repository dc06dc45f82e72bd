"""Awareness bookkeeping: decoding, ownership and removal on disconnect."""

from __future__ import annotations

import pytest

from board_server.sync import AwarenessEntry, AwarenessStates, ProtocolError
from board_server.sync.awareness import encode_awareness_update, parse_awareness


def test_round_trip_matches_y_protocols_layout() -> None:
    entries = [AwarenessEntry(5, 1, '{"name":"Ann"}'), AwarenessEntry(300, 2, "null")]
    payload = encode_awareness_update(entries)
    # count, then clientID, clock, JSON string for each entry.
    assert payload == b'\x02\x05\x01\x0e{"name":"Ann"}\xac\x02\x02\x04null'
    assert parse_awareness(payload) == entries


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\x05\x01", "awareness entry count exceeds frame"),
        (b"\x01\x05\x01\x09{}", "length prefix exceeds frame"),
        (b"\x01\x05\x01\x02\xff\xfe", "string is not valid UTF-8"),
        (b"\x01\x05\x01\x02{}x", "trailing bytes after message"),
    ],
)
def test_malformed_awareness(payload: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_awareness(payload)
    assert info.value.reason == reason


def test_dropping_an_owner_removes_only_its_clients() -> None:
    states = AwarenessStates()
    alice, bob = object(), object()
    states.apply(alice, [AwarenessEntry(1, 3, '{"n":"a"}'), AwarenessEntry(2, 1, '{"n":"a2"}')])
    states.apply(bob, [AwarenessEntry(9, 1, '{"n":"b"}')])
    removals = states.drop_owner(alice)
    assert removals == [AwarenessEntry(1, 4, "null"), AwarenessEntry(2, 2, "null")]
    assert states.snapshot() == [AwarenessEntry(9, 1, '{"n":"b"}')]


def test_stale_clocks_are_ignored_and_removals_apply() -> None:
    states = AwarenessStates()
    owner = object()
    assert states.apply(owner, [AwarenessEntry(1, 5, '{"v":5}')]) == [
        AwarenessEntry(1, 5, '{"v":5}')
    ]
    assert states.apply(owner, [AwarenessEntry(1, 4, '{"v":4}')]) == []
    assert states.apply(owner, [AwarenessEntry(1, 5, '{"v":"same clock"}')]) == []
    assert states.snapshot() == [AwarenessEntry(1, 5, '{"v":5}')]
    assert states.apply(owner, [AwarenessEntry(1, 5, "null")]) == [AwarenessEntry(1, 5, "null")]
    assert states.snapshot() == []
    assert states.drop_owner(owner) == []


def test_nobody_sets_or_removes_another_owners_presence() -> None:
    states = AwarenessStates()
    alice, mallory = object(), object()
    states.apply(alice, [AwarenessEntry(1, 3, '{"cursor":[1,2]}')])
    forged = [AwarenessEntry(1, 99, '{"says":"I am a drug user"}'), AwarenessEntry(1, 100, "null")]
    assert states.apply(mallory, forged) == []
    assert states.snapshot() == [AwarenessEntry(1, 3, '{"cursor":[1,2]}')]
    assert states.owned(alice) == {1}
    assert states.owned(mallory) == set()
    # Her own connection may; and a new one of hers when the caller allows it.
    assert states.apply(alice, [AwarenessEntry(1, 4, "{}")]) == [AwarenessEntry(1, 4, "{}")]
    again = object()
    took = states.apply(again, [AwarenessEntry(1, 5, "{}")], takes_over=lambda h: h is alice)
    assert took == [AwarenessEntry(1, 5, "{}")]
    assert states.owned(again) == {1}


def test_a_taken_over_or_dropped_owner_is_not_kept() -> None:
    states = AwarenessStates()
    old, new = object(), object()
    states.apply(old, [AwarenessEntry(1, 1, "{}")])
    states.apply(new, [AwarenessEntry(1, 2, "{}")], takes_over=lambda h: h is old)
    assert (states.owned(old), states.owned(new)) == (set(), {1})
    assert states.drop_owner(old) == []
    assert states.drop_owner(new) == [AwarenessEntry(1, 3, "null")]
    assert states._held == {}
