"""Recording feeds and process ends for tests of the bus."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pycrdt import Doc, Map

from board_server.bus import Bus
from board_server.model import RoomKey
from board_server.storage import Store


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
