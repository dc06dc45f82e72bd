"""Frames of the y-websocket protocol, as y-protocols writes them.

Encoding reuses pycrdt's helpers. Decoding is our own strict reader because
frames come from untrusted sockets: every length is bounds-checked and a
truncated or oversized varint raises ProtocolError instead of IndexError.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pycrdt import write_var_uint

# A varuint longer than this cannot be a length or type that Yjs writes
# (lib0 caps them at 53 bits).
_MAX_VARUINT_BYTES = 8


class MessageType(enum.IntEnum):
    """Top-level message types; the first varuint of every frame."""

    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3
    # Project-specific commands and events, msgpack-encoded. Sent only to
    # connections that announced they understand them.
    BOARD = 100


class SyncType(enum.IntEnum):
    """Second varuint of a SYNC frame."""

    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


class ProtocolError(Exception):
    """A frame that does not follow the protocol."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SyncStep1:
    """A peer's state vector: 'send me what I am missing'."""

    state_vector: bytes


@dataclass(frozen=True)
class SyncStep2:
    """The reply to step 1: every update the other side was missing."""

    update: bytes


@dataclass(frozen=True)
class SyncUpdate:
    """An incremental document update."""

    update: bytes


@dataclass(frozen=True)
class AwarenessMessage:
    """An awareness update (presence, cursors), as one opaque payload."""

    payload: bytes


@dataclass(frozen=True)
class QueryAwareness:
    """A request for every current awareness state."""


@dataclass(frozen=True)
class BoardMessage:
    """A project-specific message; the body is msgpack."""

    body: bytes


@dataclass(frozen=True)
class UnknownMessage:
    """A message type this server does not handle (ignored, logged once)."""

    type: int


Message = (
    SyncStep1
    | SyncStep2
    | SyncUpdate
    | AwarenessMessage
    | QueryAwareness
    | BoardMessage
    | UnknownMessage
)


class Reader:
    """Reads lib0-encoded values from a frame, with bounds checks."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._data) - self._pos

    def var_uint(self) -> int:
        """A variable-length unsigned integer."""
        value = 0
        shift = 0
        data = self._data
        for _ in range(_MAX_VARUINT_BYTES):
            if self._pos >= len(data):
                raise ProtocolError("truncated varint")
            byte = data[self._pos]
            self._pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
        raise ProtocolError("varint too long")

    def var_bytes(self) -> bytes:
        """A length-prefixed byte string."""
        length = self.var_uint()
        end = self._pos + length
        if end > len(self._data):
            raise ProtocolError("length prefix exceeds frame")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def var_string(self) -> str:
        """A length-prefixed UTF-8 string."""
        raw = self.var_bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("string is not valid UTF-8") from None

    def rest(self) -> bytes:
        """Everything not read yet."""
        chunk = self._data[self._pos :]
        self._pos = len(self._data)
        return chunk

    def expect_end(self) -> None:
        """Raise if bytes are left over."""
        if self._pos != len(self._data):
            raise ProtocolError("trailing bytes after message")


def parse_message(data: bytes) -> Message:
    """Parse one binary frame. Raises ProtocolError on malformed input."""
    if not data:
        raise ProtocolError("empty frame")
    reader = Reader(data)
    kind = reader.var_uint()
    message: Message
    if kind == MessageType.SYNC:
        sync_type = reader.var_uint()
        payload = reader.var_bytes()
        if sync_type == SyncType.STEP1:
            message = SyncStep1(payload)
        elif sync_type == SyncType.STEP2:
            message = SyncStep2(payload)
        elif sync_type == SyncType.UPDATE:
            message = SyncUpdate(payload)
        else:
            raise ProtocolError(f"unknown sync message type {sync_type}")
    elif kind == MessageType.AWARENESS:
        message = AwarenessMessage(reader.var_bytes())
    elif kind == MessageType.QUERY_AWARENESS:
        message = QueryAwareness()
    elif kind == MessageType.BOARD:
        message = BoardMessage(reader.var_bytes())
    else:
        # Unknown types may carry any payload; the peer is not at fault.
        return UnknownMessage(kind)
    reader.expect_end()
    return message


def _frame(*parts: int | bytes) -> bytes:
    out = bytearray()
    for part in parts:
        if isinstance(part, int):
            out += write_var_uint(part)
        else:
            out += write_var_uint(len(part))
            out += part
    return bytes(out)


def encode_sync_step1(state_vector: bytes) -> bytes:
    """A SYNC step 1 frame carrying our state vector."""
    return _frame(MessageType.SYNC, SyncType.STEP1, state_vector)


def encode_sync_step2(update: bytes) -> bytes:
    """A SYNC step 2 frame carrying what the peer was missing."""
    return _frame(MessageType.SYNC, SyncType.STEP2, update)


def encode_sync_update(update: bytes) -> bytes:
    """A SYNC update frame."""
    return _frame(MessageType.SYNC, SyncType.UPDATE, update)


def encode_awareness(payload: bytes) -> bytes:
    """An AWARENESS frame around an encoded awareness update."""
    return _frame(MessageType.AWARENESS, payload)


def encode_board(body: bytes) -> bytes:
    """A BOARD frame around a msgpack body."""
    return _frame(MessageType.BOARD, body)
