"""The command channel's envelope: strict parsing and exact framing."""

from __future__ import annotations

import msgpack
import pytest

from board_server.sync import BoardMessage, ProtocolError, parse_message
from board_server.sync.commands import (
    MAX_BODY,
    BadRequest,
    Request,
    encode_error,
    encode_push,
    encode_reply,
    parse_request,
)


def body(value: object) -> bytes:
    return msgpack.packb(value)


def test_a_request_parses() -> None:
    raw = body({"id": 7, "cmd": "timer.start", "args": {"seconds": 60}})
    assert parse_request(raw) == Request(7, "timer.start", {"seconds": 60})
    assert parse_request(body({"id": 1, "cmd": "state"})) == Request(1, "state", {})


@pytest.mark.parametrize(
    "raw",
    [
        b"\xc1",  # never used in msgpack
        b"\x92\x01",  # truncated array
        body([1, "hello"]),
        body("hello"),
        body({"cmd": "hello"}),
        body({"id": "1", "cmd": "hello"}),
        body({"id": True, "cmd": "hello"}),
        b"\x80" + b"\x00" * MAX_BODY,
    ],
)
def test_a_body_with_nothing_to_answer_is_a_protocol_error(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_request(raw)


@pytest.mark.parametrize(
    "value",
    [
        {"id": 3},
        {"id": 3, "cmd": ""},
        {"id": 3, "cmd": 5},
        {"id": 3, "cmd": "x", "args": [1]},
        {"id": 3, "cmd": "x", "args": {1: "a"}},
        {"id": 3, "cmd": "x", "args": {"a": [[[[[[[[[[1]]]]]]]]]]}},
    ],
)
def test_a_bad_request_with_an_id_is_answered_invalid(value: object) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_request(body(value))
    assert caught.value.request_id == 3


def test_deep_nesting_is_refused_without_recursing() -> None:
    head = b"\x83\xa2id\x01\xa3cmd\xa1x\xa4args\x81\xa1a"  # {id: 1, cmd: x, args: {a: ...
    with pytest.raises(BadRequest):
        parse_request(head + b"\x91" * 500 + b"\x00")  # 500 nested one-item arrays
    # Past msgpack's own stack limit: nothing to answer.
    with pytest.raises(ProtocolError):
        parse_request(head + b"\x91" * 40000 + b"\x00")


def test_replies_and_pushes_are_type_100_frames() -> None:
    for frame, expected in [
        (encode_reply(4, {"a": 1}), {"re": 4, "ok": True, "result": {"a": 1}}),
        (encode_error(4, "forbidden", "No."), {"re": 4, "ok": False, "error": "forbidden",
                                               "detail": "No."}),
        (encode_push("state", {"v": 2}), {"event": "state", "data": {"v": 2}}),
    ]:  # fmt: skip
        assert frame[0] == 100
        message = parse_message(frame)
        assert isinstance(message, BoardMessage)
        assert msgpack.unpackb(message.body) == expected
