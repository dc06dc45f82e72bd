"""An outgoing message, framed for the WebSocket wire once.

Server-to-client frames are not masked, so one framed byte string can be
written to every socket of a room: the fan-out costs one encode, not one
per peer.
"""

from __future__ import annotations

import struct
from typing import Any

from pycrdt import Doc

from board_server.sync import ProtocolError, encode_sync_step2

_FIN_BINARY = 0x82


def ws_binary_frame(payload: bytes) -> bytes:
    """A complete, unmasked, unfragmented WebSocket binary frame (RFC 6455)."""
    length = len(payload)
    if length < 126:
        header = bytes((_FIN_BINARY, length))
    elif length < 1 << 16:
        header = struct.pack("!BBH", _FIN_BINARY, 126, length)
    else:
        header = struct.pack("!BBQ", _FIN_BINARY, 127, length)
    return header + payload


class Frame:
    """One y-websocket message and its WebSocket frame, encoded once for every peer."""

    __slots__ = ("data", "wire")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.wire = ws_binary_frame(data)


def step2_frame(doc: Doc[Any], state_vector: bytes) -> Frame:
    """The answer to a sync step 1: what ``doc`` has that the state vector lacks.
    Raises ProtocolError for a state vector Yjs cannot read."""
    try:
        missing = doc.get_update(state_vector)
    except ValueError:
        raise ProtocolError("invalid state vector") from None
    return Frame(encode_sync_step2(missing))
