"""Persistence: the Store protocol and its implementations."""

from board_server.storage.base import Store, StoreError

__all__ = ["Store", "StoreError"]
