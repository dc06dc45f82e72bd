"""Persistence: the storage ports and their implementations.

Pick a backend with ``storage.open`` (not imported here, so that the bus can
use the ports without a cycle).
"""

from board_server.storage.base import (
    ControlStore,
    Cursor,
    DocLog,
    Store,
    StoreError,
    WorkshopStore,
)

__all__ = ["ControlStore", "Cursor", "DocLog", "Store", "StoreError", "WorkshopStore"]
