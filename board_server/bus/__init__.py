"""The bus between server processes: room updates, awareness and workshop events."""

from board_server.bus.base import Bus, RoomFeed, WorkshopEvent
from board_server.bus.local import LocalBus, LocalHub

__all__ = ["Bus", "LocalBus", "LocalHub", "RoomFeed", "WorkshopEvent"]
