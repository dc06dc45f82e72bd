"""The in-process bus: one process, or several "processes" in one test.

A ``LocalHub`` stands for the shared medium; each ``LocalBus`` attached to it
is one process's end. With one end (the embedded SQLite deployment) nothing
crosses, and the bus only keeps each room's cursor and delivers events to
this process. Delivery is synchronous and in order.

With several ends the hub also keeps every room's published updates, so
that an end that follows a room late gets what was published after its
cursor, as a reader of a Redis stream would. That history grows without
bound: the hub with several ends is for tests.
"""

from __future__ import annotations

import itertools

from board_server.bus.base import EventHandler, RoomFeed, WorkshopEvent, deliver
from board_server.model import RoomKey
from board_server.storage.base import Cursor

_node_ids = itertools.count(1)


class LocalHub:
    """The medium shared by in-process bus ends."""

    def __init__(self) -> None:
        self.ends: list[LocalBus] = []
        self.history: dict[RoomKey, list[tuple[Cursor, bytes]]] = {}

    def attach(self, node_id: str | None = None) -> LocalBus:
        """A new end, as one more process would have."""
        end = LocalBus(node_id or f"local{next(_node_ids)}", self)
        self.ends.append(end)
        return end


class LocalBus:
    """One process's end of an in-process hub."""

    def __init__(self, node_id: str, hub: LocalHub | None = None) -> None:
        self.node_id = node_id
        self._hub = hub
        self._feeds: dict[RoomKey, RoomFeed] = {}
        self._cursors: dict[RoomKey, Cursor] = {}
        self._handlers: list[EventHandler] = []
        self._closed = False

    def _others(self) -> list[LocalBus]:
        if self._hub is None:
            return []
        return [end for end in self._hub.ends if end is not self and not end._closed]

    async def start(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """Stop delivering. Idempotent."""
        self._closed = True
        self._feeds.clear()

    def follow(self, room: RoomKey, cursor: Cursor, feed: RoomFeed) -> None:
        """Deliver the room's updates from other ends to feed, starting after cursor."""
        self._feeds[room] = feed
        self._cursors[room] = cursor
        history = self._hub.history.get(room, []) if self._hub is not None else []
        positions = [position for position, _ in history]
        start = positions.index(cursor) + 1 if cursor in positions else 0
        if start < len(history):
            self._cursors[room] = history[-1][0]
            feed.remote_updates([update for _, update in history[start:]])

    def unfollow(self, room: RoomKey, feed: RoomFeed) -> None:
        """Stop delivering to feed."""
        if self._feeds.get(room) is feed:
            del self._feeds[room]
            del self._cursors[room]

    async def ready(self, room: RoomKey) -> None:
        """Delivery is synchronous: a followed room is ready at once."""
        if room not in self._feeds:
            raise KeyError(f"room {room} is not followed")

    def cursor(self, room: RoomKey) -> Cursor:
        """The last position logged by any end for a followed room."""
        return self._cursors.get(room, "")

    def publish_update(self, room: RoomKey, update: bytes, cursor: Cursor) -> None:
        """Record the position and hand the update to the other ends' feeds."""
        if room in self._feeds:
            self._cursors[room] = cursor
        if self._hub is not None and len(self._hub.ends) > 1:
            self._hub.history.setdefault(room, []).append((cursor, update))
        for end in self._others():
            feed = end._feeds.get(room)
            if feed is not None:
                end._cursors[room] = cursor
                feed.remote_updates([update])

    def publish_awareness(self, room: RoomKey, payload: bytes) -> None:
        """Hand the awareness update to the other ends' feeds."""
        for end in self._others():
            feed = end._feeds.get(room)
            if feed is not None:
                feed.remote_awareness(self.node_id, payload)

    async def publish_event(self, event: WorkshopEvent) -> None:
        """Call every end's handlers, this one's first."""
        for end in [self, *self._others()]:
            deliver(event, end._handlers)

    def subscribe(self, handler: EventHandler) -> None:
        """Call handler for every event from now on."""
        self._handlers.append(handler)

    def health(self) -> str | None:
        """Always healthy."""
        return None
