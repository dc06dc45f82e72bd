"""The outgoing side of one connection: a bounded queue and its writer task."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger("board.connection")

# "Try again later": y-websocket reconnects on it (it gives up on 4400-4499),
# and a reconnect resyncs the client. The full table is in docs/protocol.md.
CLOSE_TOO_SLOW = 1013
# How long a close may wait on a socket that is not draining.
CLOSE_TIMEOUT = 2.0


class Transport(Protocol):
    """Where a peer's frames go: a WebSocket or a test double."""

    async def send_bytes(self, data: bytes) -> None:
        """Send one binary frame, waiting while the socket is backed up."""

    async def close(self, code: int, reason: str) -> None:
        """Close the connection with this code."""


class PeerState(enum.Enum):
    """Lifecycle of a peer's outgoing side."""

    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class Peer:
    """One connection as a room sees it.

    ``send`` never waits: frames queue up to ``queue_limit`` and a writer task
    drains them. A client that falls that far behind is closed with 1013 so
    it can never slow its room; it resyncs when it reconnects.

    The peer is created by the task that serves its connection. If a close
    cannot complete (the client stopped reading), that task is cancelled so
    the connection is released; ``abandoned`` tells it why.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        read_only: bool,
        sees_awareness: bool,
        queue_limit: int,
        label: str,
    ) -> None:
        self.transport = transport
        self.read_only = read_only
        self.sees_awareness = sees_awareness
        self.label = label
        self.state = PeerState.OPEN
        self.dropped_writes = 0
        self.close_code: int | None = None
        self.close_reason = ""
        self.unknown_logged = False
        self.abandoned = False
        self.on_close: Callable[[Peer], None] | None = None
        self._owner = asyncio.current_task()
        self._queue_limit = queue_limit
        self._queue: deque[bytes] = deque()
        self._ready = asyncio.Event()
        self._writer = asyncio.create_task(self._write_loop(), name=f"writer {label}")
        self._closer: asyncio.Task[None] | None = None

    def send(self, frame: bytes) -> None:
        """Queue a frame; close the peer with 1013 if its queue is full."""
        if self.state is not PeerState.OPEN:
            return
        if len(self._queue) >= self._queue_limit:
            self.close(CLOSE_TOO_SLOW, "client too slow; reconnect to resync")
            return
        self._queue.append(frame)
        self._ready.set()

    def close(self, code: int, reason: str) -> None:
        """Start closing with this code; frames still queued are discarded."""
        if self.state is not PeerState.OPEN:
            return
        self.state = PeerState.CLOSING
        self.close_code = code
        self.close_reason = reason
        self._queue.clear()
        self._writer.cancel()
        self._closer = asyncio.create_task(self._close(code, reason), name=f"close {self.label}")
        if self.on_close is not None:
            self.on_close(self)

    async def _close(self, code: int, reason: str) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.transport.close(code, reason)
        except TimeoutError:
            logger.info("close of %s timed out; dropping the connection", self.label)
            self.abandoned = True
            if self._owner is not None and self._owner is not asyncio.current_task():
                self._owner.cancel()
        except (OSError, RuntimeError) as exc:
            logger.debug("close of %s did not complete: %r", self.label, exc)

    async def _write_loop(self) -> None:
        queue = self._queue
        try:
            while True:
                await self._ready.wait()
                while queue:
                    await self.transport.send_bytes(queue.popleft())
                self._ready.clear()
        except (OSError, RuntimeError) as exc:
            # The socket went away under us; the receive loop sees the
            # disconnect and cleans up.
            logger.debug("send to %s failed: %r", self.label, exc)
            self.state = PeerState.CLOSED

    async def aclose(self) -> None:
        """Stop the writer and wait for a pending close. Idempotent."""
        if self.state is PeerState.OPEN:
            self.state = PeerState.CLOSED
        self._writer.cancel()
        tasks: list[asyncio.Task[None]] = [self._writer]
        if self._closer is not None:
            tasks.append(self._closer)
        await asyncio.gather(*tasks, return_exceptions=True)
        self.state = PeerState.CLOSED

    @property
    def queued(self) -> int:
        """Frames waiting to be sent."""
        return len(self._queue)
