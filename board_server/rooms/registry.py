"""Loads rooms on first join and unloads them when idle, without races."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from board_server.bus import Bus, WorkshopEvent
from board_server.errors import BoardError, Close
from board_server.model import RoomKey
from board_server.rooms.keeper import Keeper
from board_server.rooms.peer import PeerState
from board_server.rooms.room import Commands, Room, doc_from_stored
from board_server.storage import DocLog

logger = logging.getLogger("board.room")

PARTICIPANT_LEFT = "participant.left"
# How long after its erasure a workshop's rooms are refused here, whatever
# a request that was under way when it went may still ask.
ERASED_SECONDS = 60.0


class RoomRegistry:
    """Every room this process holds.

    Concurrent joiners of a room that is not loaded yet all await the same
    load task, so they all get the same Room. A room that has been empty for
    ``idle_seconds`` is persisted and dropped; a join during that unload
    waits for it, then loads the room afresh from the store.

    Every loaded room follows its log on the bus, so other processes' updates
    and presence reach it; presence from a process that stops renewing it
    (one that died) is dropped after ``awareness_timeout`` seconds.
    """

    def __init__(
        self,
        log: DocLog,
        bus: Bus,
        *,
        idle_seconds: float,
        compact_threshold: int,
        commands: Commands | None = None,
        awareness_timeout: float = 30.0,
    ) -> None:
        self._log = log
        self._bus = bus
        self.keeper = Keeper(log, bus, compact_threshold=compact_threshold)
        self._commands = commands
        self._idle_seconds = idle_seconds
        self._awareness_timeout = awareness_timeout
        self._sweeper: asyncio.Task[None] | None = None
        bus.subscribe(self._on_event)
        self._loading: dict[RoomKey, asyncio.Task[Room]] = {}
        self._unloading: dict[RoomKey, asyncio.Task[None]] = {}
        self._rooms: dict[RoomKey, Room] = {}
        self._idle: dict[RoomKey, asyncio.TimerHandle] = {}
        self._erased: dict[str, float] = {}  # workshop id -> refused until (monotonic)
        self._closing = False

    @property
    def rooms(self) -> dict[RoomKey, Room]:
        """The rooms loaded now (read-only view for stats and tests)."""
        return dict(self._rooms)

    async def acquire(self, key: RoomKey) -> Room:
        """The loaded room for key; the caller must add a peer before awaiting."""
        while True:
            if self._closing:
                raise RuntimeError("registry is closed")
            self._refuse_erased(key.workshop_id)
            room = self._rooms.get(key)
            if room is not None and not room.closed:
                self._cancel_idle(key)
                return room
            task = self._loading.get(key)
            if task is None:
                task = asyncio.create_task(self._load(key), name=f"load {key}")
                self._loading[key] = task
            room = await asyncio.shield(task)
            if not room.closed:
                self._cancel_idle(key)
                return room

    async def _load(self, key: RoomKey) -> Room:
        try:
            unloading = self._unloading.get(key)
            if unloading is not None:
                await asyncio.shield(unloading)
            stored = await self._log.load_doc(key)
            self._refuse_erased(key.workshop_id)
            room = Room(key, doc_from_stored(stored), self.keeper, commands=self._commands)
            self.keeper.opened(room, len(stored.updates), stored.cursor)
            self._rooms[key] = room
            if self._sweeper is None:
                self._sweeper = asyncio.create_task(self._sweep(), name="awareness sweeper")
            logger.debug("room %s loaded (%d logged updates)", key, len(stored.updates))
            self._arm_idle(key)
            return room
        finally:
            del self._loading[key]

    def release(self, room: Room) -> None:
        """Call after removing a peer; arms the idle unload when the room is empty."""
        if room.idle and self._rooms.get(room.key) is room:
            self._arm_idle(room.key)

    def _arm_idle(self, key: RoomKey) -> None:
        self._cancel_idle(key)
        loop = asyncio.get_running_loop()
        self._idle[key] = loop.call_later(self._idle_seconds, self._start_unload, key)

    def _cancel_idle(self, key: RoomKey) -> None:
        handle = self._idle.pop(key, None)
        if handle is not None:
            handle.cancel()

    def _start_unload(self, key: RoomKey) -> None:
        self._idle.pop(key, None)
        room = self._rooms.get(key)
        if room is None or not room.idle or key in self._unloading:
            return
        del self._rooms[key]
        room.retire()
        task = asyncio.create_task(self._unload(room), name=f"unload {key}")
        self._unloading[key] = task

    async def _unload(self, room: Room) -> None:
        try:
            await room.close(Close.GOING_AWAY, "room unloaded")
            logger.debug("room %s unloaded", room.key)
        except Exception:
            logger.exception("room %s: persisting on unload failed", room.key)
        finally:
            del self._unloading[room.key]

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._awareness_timeout / 6)
            before = time.monotonic() - self._awareness_timeout
            for room in list(self._rooms.values()):
                room.expire_remote_awareness(before)

    async def participant_left(self, workshop_id: str, participant_id: str) -> None:
        """Close the participant's connections on every process."""
        event = WorkshopEvent(workshop_id, PARTICIPANT_LEFT, {"participant": participant_id})
        await self._bus.publish_event(event)

    def _on_event(self, event: WorkshopEvent) -> None:
        if event.kind == PARTICIPANT_LEFT:
            participant = event.data.get("participant")
            if isinstance(participant, str):
                self._close_participant(event.workshop_id, participant)

    def _close_participant(self, workshop_id: str, participant_id: str) -> None:
        for key, room in self._rooms.items():
            if key.workshop_id != workshop_id:
                continue
            for peer in list(room.peers):
                if peer.session.participant_id == participant_id and peer.state is PeerState.OPEN:
                    peer.close(Close.UNAUTHORIZED, "You left the workshop.")

    def _refuse_erased(self, workshop_id: str) -> None:
        until = self._erased.get(workshop_id)
        if until is None:
            return
        if until > time.monotonic():
            raise BoardError("not_found", "This workshop was deleted.")
        del self._erased[workshop_id]

    async def erase(self, workshop_id: str, code: int, reason: str) -> None:
        """The workshop was deleted: close its rooms' peers and unload its rooms
        without keeping anything more of them (no compaction), and refuse its
        rooms for ``ERASED_SECONDS``."""
        self._erased[workshop_id] = time.monotonic() + ERASED_SECONDS
        loading = [t for k, t in self._loading.items() if k.workshop_id == workshop_id]
        if loading:
            await asyncio.gather(*loading, return_exceptions=True)
        rooms = [room for key, room in self._rooms.items() if key.workshop_id == workshop_id]
        for room in rooms:
            self._cancel_idle(room.key)
            del self._rooms[room.key]
            room.discard(code, reason)
        await asyncio.gather(*(self.keeper.dropped(room) for room in rooms))
        unloading = [t for k, t in self._unloading.items() if k.workshop_id == workshop_id]
        if unloading:
            await asyncio.gather(*unloading, return_exceptions=True)

    async def close(
        self, code: int = Close.SERVICE_RESTART, reason: str = "server restarting"
    ) -> None:
        """Close every room's peers and persist every room."""
        self._closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for handle in self._idle.values():
            handle.cancel()
        self._idle.clear()
        if self._loading:
            await asyncio.gather(*self._loading.values(), return_exceptions=True)
        rooms, self._rooms = list(self._rooms.values()), {}
        for room in rooms:
            try:
                await room.close(code, reason)
            except Exception:
                logger.exception("room %s: persisting on shutdown failed", room.key)
        if self._unloading:
            await asyncio.gather(*self._unloading.values(), return_exceptions=True)
