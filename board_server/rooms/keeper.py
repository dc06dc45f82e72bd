"""Persistence policy for loaded rooms: the log, the bus and compaction.

A room hands every update it accepts to its keeper and fans it out only when
the keeper says the update is as safe as the store promises. The keeper
appends it to the document log, tells the other processes, counts it, and
compacts the room's log into a snapshot once enough updates have piled up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from board_server.bus import Bus
from board_server.storage import DocLog

if TYPE_CHECKING:
    from board_server.rooms.room import Room

logger = logging.getLogger("board.room")

# After a failed compaction, wait this long before the next try of that room,
# doubling up to the maximum, so that a failing store is not hammered.
RETRY_FIRST = 5.0
RETRY_MAX = 300.0


class _Counter:
    __slots__ = ("failures", "not_before", "since", "task")

    def __init__(self) -> None:
        self.since = 0  # updates logged since the last compaction
        self.task: asyncio.Task[None] | None = None
        self.failures = 0
        self.not_before = 0.0


class Keeper:
    """Logs, publishes and compacts the rooms of one process."""

    def __init__(
        self,
        log: DocLog,
        bus: Bus,
        *,
        compact_threshold: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.bus = bus
        self._threshold = compact_threshold
        self._clock = clock
        self._counters: dict[Room, _Counter] = {}

    def opened(self, room: Room, logged: int, cursor: str) -> None:
        """A room was loaded with ``logged`` updates after its snapshot, up to cursor."""
        counter = self._counters[room] = _Counter()
        counter.since = logged
        self.bus.follow(room.key, cursor, room)

    def append(self, room: Room, update: bytes, then: Callable[[], None]) -> None:
        """Log an update of the room; ``then`` runs once it may be fanned out.

        Raises StoreError (keeping nothing) when the log takes no more.
        """
        key = room.key
        bus = self.bus

        def logged(cursor: str) -> None:
            bus.publish_update(key, update, cursor)
            then()

        self.log.append_update(key, update, logged)
        self.count(room, 1)

    def count(self, room: Room, n: int) -> None:
        """``n`` more updates follow the room's snapshot; compact when due."""
        counter = self._counters.get(room)
        if counter is None:
            return
        counter.since += n
        if (
            counter.since >= self._threshold
            and counter.task is None
            and self._clock() >= counter.not_before
        ):
            counter.task = asyncio.create_task(
                self._compact(room, counter), name=f"compact {room.key}"
            )

    async def _compact(self, room: Room, counter: _Counter) -> None:
        try:
            await self.compact(room)
        finally:
            counter.task = None

    async def compact(self, room: Room, *, scrub: bool = False) -> bool:
        """Fold the room's log up to the bus cursor into a snapshot of its document.

        False if another process was compacting it or the store failed; a
        failure is logged once per attempt with the room, and the next attempt
        waits (RETRY_FIRST, doubling) instead of following every update.
        """
        counter = self._counters.get(room)
        if counter is None:
            return False  # unloaded or given up: its cursor is no longer its own
        # Taken together, synchronously: the document holds every update up to the cursor.
        snapshot = room.doc.get_update()
        upto = self.bus.cursor(room.key)
        since = counter.since
        try:
            done = await self.log.compact(room.key, snapshot, upto, scrub=scrub)
        except Exception:
            counter.failures += 1
            delay = min(RETRY_MAX, RETRY_FIRST * 2 ** (counter.failures - 1))
            counter.not_before = self._clock() + delay
            logger.exception(
                "room %s: compaction failed (%d in a row); next try in %.0f s",
                room.key, counter.failures, delay,
            )  # fmt: skip
            return False
        counter.failures = 0
        counter.not_before = 0.0
        # Compacted here or by another process: either way, count afresh.
        counter.since = max(0, counter.since - since)
        if done:
            logger.debug("room %s: compacted %d updates", room.key, since)
        return done

    async def settled(self, room: Room) -> None:
        """Wait for the room's running compaction, if there is one."""
        counter = self._counters.get(room)
        if counter is not None and counter.task is not None:
            await asyncio.gather(counter.task, return_exceptions=True)

    async def closed(self, room: Room) -> None:
        """The room is unloading: wait for its compaction, compact what is left,
        then stop following it."""
        counter = self._counters.get(room)
        try:
            if counter is not None:
                await self.settled(room)
                if counter.since:
                    await self.compact(room)
        finally:
            self._counters.pop(room, None)
            self.bus.unfollow(room.key, room)

    async def dropped(self, room: Room) -> None:
        """The room is unloading and must not be kept (its workshop was deleted):
        wait for a compaction under way, then stop following it, compacting nothing."""
        try:
            await self.settled(room)
        finally:
            self._counters.pop(room, None)
            self.bus.unfollow(room.key, room)

    def broken(self, room: Room) -> None:
        """The room gave up (its log refused an update): stop following it."""
        self.bus.unfollow(room.key, room)
        self._counters.pop(room, None)

    def publish_awareness(self, room: Room, payload: bytes) -> None:
        """Send a local connection's awareness update to the other processes."""
        self.bus.publish_awareness(room.key, payload)
