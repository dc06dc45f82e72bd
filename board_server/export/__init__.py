"""Workshop outcomes as files: md, csv and json (svg and pdf to follow)."""

from board_server.export.outcomes import RoomOutcome, room_outcome
from board_server.export.run import run_export

__all__ = ["RoomOutcome", "room_outcome", "run_export"]
