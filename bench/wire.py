"""The few y-websocket bytes the load generator needs, and Hocuspocus framing.

The bench keeps its own tiny encoders rather than importing board_server, so
that it measures the server without depending on code that is being changed,
and so that the worker processes stay small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SYNC = 0
STEP1 = 0
STEP2 = 1
UPDATE = 2

# Every write carries one marker: "@writer:seq:time_ns@". Yjs and Yrs write a
# string map value as plain UTF-8, so the marker shows up verbatim in every
# update (and merged update) that carries the write.
MARKER = re.compile(rb"@(\d+):(\d+):(\d+)@")

EMPTY_STATE_VECTOR = b"\x00"
EMPTY_UPDATE = b"\x00\x00"


def var_uint(value: int) -> bytes:
    """lib0 variable-length unsigned integer."""
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    """lib0 length-prefixed bytes."""
    return var_uint(len(data)) + data


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode a varuint at pos; returns (value, next position)."""
    value = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def sync_frame(step: int, payload: bytes) -> bytes:
    """A y-websocket SYNC message: type 0, step, varbytes payload."""
    return bytes((SYNC, step)) + var_bytes(payload)


def sync_payload(message: bytes) -> bytes:
    """The varbytes payload of a SYNC message (after the two type bytes)."""
    length, pos = read_var_uint(message, 2)
    return message[pos : pos + length]


@dataclass(frozen=True)
class Framing:
    """How one server frames y-websocket messages on the socket.

    Plain servers (ours, y-websocket, pycrdt) send the messages as they are.
    Hocuspocus prefixes every message, in both directions, with the document
    name as a varString, and wants an auth message before anything else.
    """

    doc_name: str = ""
    hocuspocus: bool = False

    @property
    def prefix(self) -> bytes:
        return var_bytes(self.doc_name.encode()) if self.hocuspocus else b""

    def hello(self) -> list[bytes]:
        """What a client sends on connect: [auth,] sync step 1 (empty state vector)."""
        first = [self.prefix + bytes((2, 0)) + var_bytes(b"")] if self.hocuspocus else []
        return [*first, self.wrap(sync_frame(STEP1, EMPTY_STATE_VECTOR))]

    def wrap(self, message: bytes) -> bytes:
        return self.prefix + message if self.hocuspocus else message

    def unwrap(self, frame: bytes) -> bytes:
        if not self.hocuspocus:
            return frame
        length, pos = read_var_uint(frame, 0)
        return frame[pos + length :]
