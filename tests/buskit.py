"""Recording feeds and process ends for tests of the bus."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pycrdt import Doc, Map
from rediskit import REDIS_URL, delete_prefix

from board_server.bus import Bus, LocalHub
from board_server.bus.redis import SHARE_CHECK, RedisBus
from board_server.model import RoomKey
from board_server.storage import Store
from board_server.storage.redis import RedisStore
from board_server.storage.sqlite import SQLiteStore


class Feed:
    """A room feed that records what reaches it and lets a test wait for it."""

    def __init__(self) -> None:
        self.updates: list[bytes] = []
        self.awareness: list[tuple[str, bytes]] = []
        self._changed = asyncio.Event()

    def remote_updates(self, updates: list[bytes]) -> None:
        self.updates.extend(updates)
        self._changed.set()

    def remote_awareness(self, node_id: str, payload: bytes) -> None:
        self.awareness.append((node_id, payload))
        self._changed.set()

    async def wait_for(self, updates: int = 0, awareness: int = 0) -> None:
        async with asyncio.timeout(5):
            while len(self.updates) < updates or len(self.awareness) < awareness:
                self._changed.clear()
                await self._changed.wait()


@dataclass
class End:
    """One process's store and bus."""

    store: Store
    bus: Bus

    def append(self, room: RoomKey, update: bytes) -> asyncio.Future[str]:
        """Log an update the way a room's keeper does; resolves to its cursor."""
        logged: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_logged(cursor: str) -> None:
            self.bus.publish_update(room, update, cursor)
            logged.set_result(cursor)

        self.store.append_update(room, update, on_logged)
        return logged


def updates(count: int, tag: str = "") -> list[bytes]:
    """Distinct, valid Yjs updates (the bus never looks inside them)."""
    doc: Doc[object] = Doc()
    made: list[bytes] = []
    doc.observe(lambda event: made.append(event.update))
    for i in range(count):
        doc.get("notes", type=Map)[f"{tag}{i}"] = i
    return made


@contextlib.asynccontextmanager
async def open_ends(
    kind: str, tmp_path: pathlib.Path, *, share_check: float = SHARE_CHECK
) -> AsyncIterator[tuple[End, End]]:
    """Two started ends sharing one store's data: two ends of one LocalHub over
    one SQLite file ("local"), or two RedisStore + RedisBus pairs on one key
    prefix of the suite's Redis ("redis"), whose keys are deleted afterwards;
    their buses count each room's followers every ``share_check`` seconds."""
    prefix = f"test:{tmp_path.name}:"
    if kind == "local":
        store = SQLiteStore(tmp_path / "board.sqlite3")
        hub = LocalHub()
        made = [End(store, hub.attach("a")), End(store, hub.attach("b"))]
        stores: list[Store] = [store]
    else:
        redis_stores = [RedisStore(REDIS_URL, prefix=prefix, node_id=n) for n in ("a", "b")]
        made = [End(s, RedisBus(s, share_check=share_check)) for s in redis_stores]
        stores = list(redis_stores)
    async with asyncio.timeout(5):
        for store in stores:
            await store.start()
        for end in made:
            await end.bus.start()
    try:
        yield made[0], made[1]
    finally:
        async with asyncio.timeout(10):
            for end in made:
                await end.bus.close()
            for store in stores:
                await store.close()
            if kind == "redis":
                await delete_prefix(prefix)
