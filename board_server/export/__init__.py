"""Workshop outcomes as files: the report (md), spreadsheets (csv) and data (json)."""

from board_server.export.outcomes import RoomOutcome, room_outcome
from board_server.export.run import EXPORT_FORMATS, run_export

__all__ = ["EXPORT_FORMATS", "RoomOutcome", "room_outcome", "run_export"]
