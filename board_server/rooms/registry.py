"""Loads rooms on first join and unloads them when idle, without races."""

from __future__ import annotations

import asyncio
import logging

from board_server.model import RoomKey
from board_server.rooms.peer import PeerState
from board_server.rooms.room import Room, doc_from_stored
from board_server.storage import Store

logger = logging.getLogger("board.room")


class RoomRegistry:
    """Every room this process holds.

    Concurrent joiners of a room that is not loaded yet all await the same
    load task, so they all get the same Room. A room that has been empty for
    ``idle_seconds`` is persisted and dropped; a join during that unload
    waits for it, then loads the room afresh from the store.
    """

    def __init__(self, store: Store, *, idle_seconds: float, compact_threshold: int) -> None:
        self._store = store
        self._idle_seconds = idle_seconds
        self._compact_threshold = compact_threshold
        self._loading: dict[RoomKey, asyncio.Task[Room]] = {}
        self._unloading: dict[RoomKey, asyncio.Task[None]] = {}
        self._rooms: dict[RoomKey, Room] = {}
        self._idle: dict[RoomKey, asyncio.TimerHandle] = {}
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
            stored = await self._store.load_doc(key)
            room = Room(
                key,
                doc_from_stored(stored),
                self._store,
                log_length=len(stored.updates),
                compact_threshold=self._compact_threshold,
            )
            self._rooms[key] = room
            logger.debug("room %s loaded (%d logged updates)", key, len(stored.updates))
            self._arm_idle(key)
            return room
        finally:
            del self._loading[key]

    def release(self, room: Room) -> None:
        """Call after removing a peer; arms the idle unload when the room is empty."""
        if not room.peers and self._rooms.get(room.key) is room:
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
        if room is None or room.peers or key in self._unloading:
            return
        del self._rooms[key]
        room.closed = True
        task = asyncio.create_task(self._unload(room), name=f"unload {key}")
        self._unloading[key] = task

    async def _unload(self, room: Room) -> None:
        try:
            await room.close(1001, "room unloaded")
            logger.debug("room %s unloaded", room.key)
        except Exception:
            logger.exception("room %s: persisting on unload failed", room.key)
        finally:
            del self._unloading[room.key]

    def close_participant(
        self, workshop_id: str, participant_id: str, code: int, reason: str
    ) -> int:
        """Close every connection of this participant, in any room; returns how many."""
        closed = 0
        for key, room in self._rooms.items():
            if key.workshop_id != workshop_id:
                continue
            for peer in list(room.peers):
                if peer.participant_id == participant_id and peer.state is PeerState.OPEN:
                    peer.close(code, reason)
                    closed += 1
        return closed

    async def close(self, code: int = 1012, reason: str = "server restarting") -> None:
        """Close every room's peers and persist every room."""
        self._closing = True
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
