"""Persistence: the Store protocol and its implementations."""

from board_server.storage.base import Store, StoreError
from board_server.storage.open import open_store, store_exists

__all__ = ["Store", "StoreError", "open_store", "store_exists"]
