"""Rooms: one board document, its connections and their fan-out."""

from board_server.rooms.frame import Frame
from board_server.rooms.peer import Peer, PeerState, Transport
from board_server.rooms.registry import RoomRegistry
from board_server.rooms.room import InvalidUpdate, Room, doc_from_stored

__all__ = [
    "Frame",
    "InvalidUpdate",
    "Peer",
    "PeerState",
    "Room",
    "RoomRegistry",
    "Transport",
    "doc_from_stored",
]
