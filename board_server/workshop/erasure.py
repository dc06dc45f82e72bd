"""Deleting a workshop: from the store, then from every process.

The store deletes the workshop first (``Store.delete_workshop``), so that no
process finds it again. Each process then closes the workshop's sockets with
4404, unloads its rooms without compacting them (a snapshot would bring the
board back), forgets what it cached, and sweeps the store once more for
anything its own writers raced in meanwhile. The deleting process does so
before it answers; the others on the ``workshop.deleted`` event, or, should
that event be lost, when their check every few seconds finds the workshop
gone (which also catches a deletion by ``board-server delete``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from board_server.bus import Bus, WorkshopEvent
from board_server.config import Config
from board_server.errors import Close
from board_server.rooms import RoomRegistry
from board_server.storage import Store, StoreError
from board_server.storage.open import open_backend
from board_server.workshop.hub import CommandHub
from board_server.workshop.service import WorkshopService

logger = logging.getLogger("board.retention")

DELETED = "workshop.deleted"
DELETED_REASON = "This workshop was deleted."
CHECK_SECONDS = 5.0
"""How often a process checks that the workshops it serves still exist."""
RECENT_SECONDS = 60.0
"""A workshop forgotten this recently is not forgotten again for its event."""
COMMANDS_TIMEOUT = 5.0


class Eraser:
    """Deletes workshops, and makes this process let go of deleted ones."""

    def __init__(
        self,
        store: Store,
        bus: Bus,
        workshops: WorkshopService,
        commands: CommandHub,
        rooms: RoomRegistry,
        *,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._store = store
        self._bus = bus
        self._workshops = workshops
        self._commands = commands
        self._rooms = rooms
        self._check_seconds = check_seconds
        self._recent: dict[str, float] = {}  # workshop id -> forgotten until (monotonic)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._checker: asyncio.Task[None] | None = None
        bus.subscribe(self._on_event)

    async def start(self) -> None:
        """Start checking that the workshops served here still exist."""
        self._checker = asyncio.create_task(self._check_loop(), name="deleted workshops check")

    async def close(self) -> None:
        """Stop every task of the eraser."""
        pending = [*self._tasks, *([self._checker] if self._checker else [])]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    async def delete(self, workshop_id: str) -> bool:
        """Delete the workshop from the store and from every process; False if
        there was none. Its sockets here are closed once this returns."""
        if not await self._store.delete_workshop(workshop_id):
            return False
        await self._forget(workshop_id)
        await self._bus.publish_event(WorkshopEvent(workshop_id, DELETED))
        return True

    def _on_event(self, event: WorkshopEvent) -> None:
        if event.kind == DELETED and not self._forgotten_lately(event.workshop_id):
            task = asyncio.create_task(self._forget(event.workshop_id), name="forget workshop")
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("letting go of a deleted workshop failed", exc_info=task.exception())

    def _forgotten_lately(self, workshop_id: str) -> bool:
        now = time.monotonic()
        for gone in [w for w, until in self._recent.items() if until <= now]:
            del self._recent[gone]
        return workshop_id in self._recent

    async def _forget(self, workshop_id: str) -> None:
        """Close the workshop's sockets here with 4404, drop its rooms uncompacted
        and what this process cached of it, then sweep the store again for what
        raced the deletion (a queued update, a compaction, a command)."""
        self._recent[workshop_id] = time.monotonic() + RECENT_SECONDS
        self._workshops.forget(workshop_id)
        running = self._commands.forget(workshop_id, Close.NOT_FOUND, DELETED_REASON)
        await self._rooms.erase(workshop_id, Close.NOT_FOUND, DELETED_REASON)
        if running:
            await asyncio.wait(running, timeout=COMMANDS_TIMEOUT)
        await self._store.delete_workshop(workshop_id)

    async def _check_loop(self) -> None:
        while True:
            await asyncio.sleep(self._check_seconds)
            served = self._commands.workshops_here() | {k.workshop_id for k in self._rooms.rooms}
            for workshop_id in sorted(served):
                try:
                    if await self._store.get_workshop(workshop_id) is None:
                        logger.info("workshop %s is gone from the store: letting go", workshop_id)
                        await self._forget(workshop_id)
                except StoreError as exc:  # an outage: the next round checks again
                    logger.warning("workshop %s not checked: %s", workshop_id, exc)


async def delete_stored(config: Config, workshop_id: str) -> bool:
    """``board-server delete``: delete the workshop from the configured store
    and tell the running processes (Redis mode); False if there was none."""
    backend = open_backend(config)
    await backend.start()
    try:
        if not await backend.store.delete_workshop(workshop_id):
            return False
        await backend.bus.publish_event(WorkshopEvent(workshop_id, DELETED))
        return True
    finally:
        await backend.close()
