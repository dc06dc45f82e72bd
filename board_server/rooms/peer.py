"""The outgoing side of one connection: direct writes, and a bounded backlog."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable
from typing import Protocol

from board_server.rooms.frame import Frame

logger = logging.getLogger("board.connection")

RawWrite = Callable[[bytes], object]

# "Try again later": y-websocket reconnects on it (it gives up on 4400-4499),
# and a reconnect resyncs the client. The full table is in docs/protocol.md.
CLOSE_TOO_SLOW = 1013


class Transport(Protocol):
    """Where a peer's frames go: the board socket, or a recorder in tests."""

    on_change: Callable[[], None] | None
    """Called whenever ``direct()`` may have changed."""

    def write(self, frame: Frame) -> bool:
        """Write the frame now; False (and nothing written) if the socket is backed up."""

    def direct(self) -> RawWrite | None:
        """A write for a frame's wire bytes that needs no checks, while there is one."""

    async def drain(self) -> None:
        """Wait until the socket accepts writes again."""

    def close(self, code: int, reason: str) -> None:
        """Start closing with this code; never waits on the client."""


class PeerState(enum.Enum):
    """Lifecycle of a peer's outgoing side."""

    OPEN = "open"
    CLOSING = "closing"


class Peer:
    """One connection as a room sees it.

    ``send`` never waits. A frame is written straight to the socket; only
    while the socket is backed up do frames wait in a backlog, drained by a
    task. A client whose backlog passes ``queue_limit`` is closed with 1013
    so it can never slow its room; it resyncs when it reconnects.

    ``direct()`` hands a room the socket's own write while nothing stands
    between a frame and the socket (open, no backlog, not backed up), so a
    fan-out to hundreds of peers costs one call each; ``on_change`` tells the
    room when that may have changed.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        read_only: bool,
        sees_awareness: bool,
        queue_limit: int,
        label: str,
        participant_id: str | None = None,
    ) -> None:
        self.transport = transport
        self.participant_id = participant_id
        self.read_only = read_only
        self.sees_awareness = sees_awareness
        self.label = label
        self.state = PeerState.OPEN
        self.dropped_writes = 0
        self.close_code: int | None = None
        self.close_reason = ""
        self.unknown_logged = False
        self.on_close: Callable[[Peer], None] | None = None
        self.on_change: Callable[[], None] | None = None
        self._queue_limit = queue_limit
        self._backlog: deque[Frame] = deque()
        self._drainer: asyncio.Task[None] | None = None
        transport.on_change = self._changed

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def direct(self) -> RawWrite | None:
        """The socket's own write for wire bytes, or None while frames must go through send."""
        if self.state is not PeerState.OPEN or self._backlog:
            return None
        return self.transport.direct()

    def send(self, frame: Frame) -> None:
        """Write or queue a frame; close the peer with 1013 if its backlog is full."""
        if self.state is not PeerState.OPEN:
            return
        if not self._backlog and self.transport.write(frame):
            return
        if len(self._backlog) >= self._queue_limit:
            self.close(CLOSE_TOO_SLOW, "client too slow; reconnect to resync")
            return
        self._backlog.append(frame)
        if len(self._backlog) == 1:
            self._changed()
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain(), name=f"drain {self.label}")

    async def _drain(self) -> None:
        backlog = self._backlog
        try:
            while backlog:
                await self.transport.drain()
                while backlog and self.transport.write(backlog[0]):
                    backlog.popleft()
        finally:
            self._drainer = None
            if not backlog:
                self._changed()

    def close(self, code: int, reason: str) -> None:
        """Close with this code; frames still waiting are dropped. Idempotent."""
        if self.state is not PeerState.OPEN:
            return
        self.state = PeerState.CLOSING
        self.close_code = code
        self.close_reason = reason
        self._backlog.clear()
        if self._drainer is not None:
            self._drainer.cancel()
        self.transport.close(code, reason)
        self._changed()
        if self.on_close is not None:
            self.on_close(self)
