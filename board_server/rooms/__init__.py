"""Rooms: one board document, its connections and their fan-out."""

from board_server.rooms.frame import Frame
from board_server.rooms.keeper import Keeper
from board_server.rooms.peer import InvalidUpdate, Peer, PeerState, Transport
from board_server.rooms.registry import RoomRegistry
from board_server.rooms.room import Commands, Room, doc_from_stored
from board_server.rooms.session import Session

__all__ = [
    "Commands",
    "Frame",
    "InvalidUpdate",
    "Keeper",
    "Peer",
    "PeerState",
    "Room",
    "RoomRegistry",
    "Session",
    "Transport",
    "doc_from_stored",
]
