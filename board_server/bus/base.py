"""The Bus protocol: what one server process tells the others, and hears from them.

Three kinds of traffic cross it:
- **room updates**, in each room's log order: a process follows the rooms it
  holds from a cursor (``StoredDoc.cursor``) and is handed the updates other
  processes logged after it, with no gap and no double;
- **awareness** (presence), which is ephemeral and may be lost;
- **workshop events** (a participant left; later phases, timer and votes),
  delivered to every process, the sender's included.

Rooms never import an implementation; ``storage.open`` picks one. Each
passes tests/bus/test_conformance.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from board_server.model import RoomKey
from board_server.storage.base import Cursor


@dataclass(frozen=True)
class WorkshopEvent:
    """Something every process must act on; ``data`` holds msgpack-able values."""

    workshop_id: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


EventHandler = Callable[[WorkshopEvent], None]

logger = logging.getLogger("board.bus")


def deliver(event: WorkshopEvent, handlers: Iterable[EventHandler]) -> None:
    """Call every handler; one that fails is logged and does not stop the others."""
    for handler in handlers:
        try:
            handler(event)
        except Exception:
            logger.exception("handler of %s event failed", event.kind)


class RoomFeed(Protocol):
    """Where a followed room's traffic from other processes goes (a loaded Room)."""

    def remote_updates(self, updates: list[bytes]) -> None:
        """Updates other processes logged, in log order; every one is already durable."""

    def remote_awareness(self, node_id: str, payload: bytes) -> None:
        """An awareness update sent by a connection on process ``node_id``."""


class Bus(Protocol):
    """One process's end of the bus."""

    node_id: str
    """Names this process among those sharing the bus."""

    async def start(self) -> None:
        """Connect and start reading."""

    async def close(self) -> None:
        """Stop reading and release connections. Idempotent."""

    def follow(self, room: RoomKey, cursor: Cursor, feed: RoomFeed) -> None:
        """Deliver the room's traffic from other processes to ``feed``, starting
        with the first update logged after ``cursor``. Replaces an earlier feed."""

    def unfollow(self, room: RoomKey, feed: RoomFeed) -> None:
        """Stop delivering to ``feed`` (no-op if another feed replaced it)."""

    async def ready(self, room: RoomKey) -> None:
        """Wait until the followed room's awareness from other processes reaches
        this end (updates never need it: they are read from the cursor)."""

    def cursor(self, room: RoomKey) -> Cursor:
        """The followed room's position: every update logged at or before it
        has reached the feed (or came from it). Compaction snapshots up to here."""

    def publish_update(self, room: RoomKey, update: bytes, cursor: Cursor) -> None:
        """This process logged ``update`` at ``cursor``; tell the others, if the
        log itself does not (a Redis stream does: there, this only returns)."""

    def publish_awareness(self, room: RoomKey, payload: bytes) -> None:
        """Send an awareness update to the room's followers on other processes."""

    async def publish_event(self, event: WorkshopEvent) -> None:
        """Deliver an event to every process's handlers, this one's included."""

    def subscribe(self, handler: EventHandler) -> None:
        """Call ``handler`` for every workshop event from now on."""

    def health(self) -> str | None:
        """None while the bus works; otherwise why not, in plain words."""
