"""Backend selection, in one place for the server and the command line.

Without ``redis_url``: the embedded SQLite store and the in-process bus.
With it: the Redis store and the Redis bus, sharing one connection pool.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from board_server.bus import Bus, LocalBus
from board_server.bus.redis import RedisBus
from board_server.config import Config, with_secrets
from board_server.storage.base import Store
from board_server.storage.redis import RedisStore, shared_secrets
from board_server.storage.sqlite import SQLiteStore

SQLITE_FILE = "board.sqlite3"


@dataclass(frozen=True)
class Backend:
    """A process's store and bus, started and closed together."""

    store: Store
    bus: Bus

    async def start(self) -> None:
        """Open the store, then the bus (which may share its connections)."""
        await self.store.start()
        try:
            await self.bus.start()
        except BaseException:
            await self.store.close()
            raise

    async def close(self) -> None:
        """Stop the bus, then write what is pending and close the store."""
        try:
            await self.bus.close()
        finally:
            await self.store.close()

    def health(self) -> str | None:
        """None while both work; otherwise why not."""
        return self.store.health() or self.bus.health()


def open_store(config: Config) -> Store:
    """The store the config asks for (not started yet), for tools that need no bus."""
    return open_backend(config).store


def open_backend(config: Config) -> Backend:
    """The store and bus the config asks for (not started yet)."""
    if config.redis_url:
        store = RedisStore(
            config.redis_url,
            prefix=config.redis_prefix,
            node_id=secrets.token_hex(6),
            buffer_bytes=config.redis_buffer_bytes,
        )
        return Backend(store, RedisBus(store))
    sqlite = SQLiteStore(config.data_dir / SQLITE_FILE, commit_interval=config.commit_interval)
    return Backend(sqlite, LocalBus("local"))


def store_exists(config: Config) -> bool:
    """Whether the config names a store that already holds data (for tools that only read)."""
    if config.redis_url:
        return True
    return (config.data_dir / SQLITE_FILE).is_file()


def resolve_secrets(config: Config) -> Config:
    """Fill in the admin token and signing secret: kept in Redis in Redis mode,
    so that every process accepts every token, else in the data dir."""
    if config.redis_url:
        secret, admin = shared_secrets(
            config.redis_url,
            config.redis_prefix,
            secret=config.secret,
            admin_token=config.admin_token,
        )
        return replace(config, secret=secret, admin_token=admin)
    return with_secrets(config)
