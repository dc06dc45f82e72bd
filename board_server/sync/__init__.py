"""The y-websocket wire protocol: pure framing and parsing, no I/O.

This package imports nothing else of ours.
"""

from board_server.sync.awareness import AwarenessEntry, AwarenessStates
from board_server.sync.protocol import (
    AwarenessMessage,
    BoardMessage,
    Message,
    MessageType,
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

__all__ = [
    "AwarenessEntry",
    "AwarenessMessage",
    "AwarenessStates",
    "BoardMessage",
    "Message",
    "MessageType",
    "ProtocolError",
    "QueryAwareness",
    "SyncStep1",
    "SyncStep2",
    "SyncUpdate",
    "UnknownMessage",
    "encode_awareness",
    "encode_board",
    "encode_sync_step1",
    "encode_sync_step2",
    "encode_sync_update",
    "parse_message",
]
