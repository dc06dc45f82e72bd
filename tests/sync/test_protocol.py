"""Framing and parsing of y-websocket messages: pure functions, exact bytes."""

from __future__ import annotations

import pytest
from pycrdt import Doc, Map, create_sync_message, create_update_message

from board_server.sync import (
    AwarenessMessage,
    BoardMessage,
    ProtocolError,
    QueryAwareness,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    UnknownMessage,
    encode_awareness,
    encode_board,
    encode_sync_step1,
    encode_sync_step2,
    encode_sync_update,
    parse_message,
)


def test_empty_doc_step1_matches_y_websocket_bytes() -> None:
    # What a y-websocket client with an empty doc sends first.
    assert encode_sync_step1(b"\x00") == b"\x00\x00\x01\x00"
    assert parse_message(b"\x00\x00\x01\x00") == SyncStep1(b"\x00")


def test_encoders_match_pycrdt() -> None:
    doc = Doc()
    doc.get("notes", type=Map)["a"] = "b"
    update = doc.get_update()
    assert encode_sync_step1(doc.get_state()) == create_sync_message(doc)
    assert encode_sync_update(update) == create_update_message(update)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (encode_sync_step2(b"\x01\x02"), SyncStep2(b"\x01\x02")),
        (encode_sync_update(b"\x00\x00"), SyncUpdate(b"\x00\x00")),
        (encode_awareness(b"\x00"), AwarenessMessage(b"\x00")),
        (b"\x03", QueryAwareness()),
        (encode_board(b"\x81\xa1t\xa5hello"), BoardMessage(b"\x81\xa1t\xa5hello")),
        (b"\x07\xff\xff", UnknownMessage(7)),
    ],
)
def test_round_trip(frame: bytes, expected: object) -> None:
    assert parse_message(frame) == expected


def test_long_payload_uses_multibyte_length() -> None:
    payload = bytes(range(256)) * 3
    frame = encode_sync_update(payload)
    assert frame[:4] == b"\x00\x02\x80\x06"
    assert parse_message(frame) == SyncUpdate(payload)


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"", "empty frame"),
        (b"\x80", "truncated varint"),
        (b"\x00\x02\xff", "truncated varint"),
        (b"\x00\x02\x05abc", "length prefix exceeds frame"),
        (b"\x00\x09\x00", "unknown sync message type 9"),
        (b"\x00\x00\x01\x00junk", "trailing bytes after message"),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff", "varint too long"),
        (b"\x01", "truncated varint"),
    ],
)
def test_malformed_frames_raise_precise_errors(frame: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_message(frame)
    assert info.value.reason == reason
