"""Backend selection, in one place for the server and the command line."""

from __future__ import annotations

from board_server.config import Config
from board_server.storage.base import Store
from board_server.storage.sqlite import SQLiteStore

SQLITE_FILE = "board.sqlite3"


def open_store(config: Config) -> Store:
    """The store the config asks for (not started yet)."""
    if config.redis_url:
        raise NotImplementedError("the Redis store arrives with the scale-out issue")
    return SQLiteStore(config.data_dir / SQLITE_FILE, commit_interval=config.commit_interval)


def store_exists(config: Config) -> bool:
    """Whether the config names a store that already holds data (for tools that only read)."""
    if config.redis_url:
        return True
    return (config.data_dir / SQLITE_FILE).is_file()
