"""One connection as its room sees it: its session, incoming frames, and the
outgoing side (direct writes, and a bounded backlog)."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from board_server.errors import Close
from board_server.rooms.frame import Frame
from board_server.rooms.session import Session
from board_server.sync import ProtocolError

logger = logging.getLogger("board.connection")

RawWrite = Callable[[bytes], object]


class InvalidUpdate(Exception):
    """A well-framed update that Yjs cannot apply; nothing of it was kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AwarenessTooLarge(Exception):
    """An awareness update over the limits (``Room``): the connection closes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PeerOwner(Protocol):
    """The room a peer belongs to, as the peer calls it."""

    def receive(self, peer: Peer, data: bytes) -> None:
        """Handle one frame; raises ProtocolError or InvalidUpdate for bad input."""

    def peer_changed(self, peer: Peer) -> None:
        """The peer's ``direct()`` may have changed."""

    def peer_closed(self, peer: Peer) -> None:
        """The peer started closing; the room should let it go."""


class Transport(Protocol):
    """Where a peer's frames go: the board socket, or a recorder in tests.

    After ``attach(peer)``, the transport hands the peer every binary frame
    (``peer.received``) and tells it when ``direct()`` may have changed
    (``peer.transport_changed``).
    """

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
    """One connection as a room sees it. Rooms create peers (``Room.connect``).

    ``send`` never waits. A frame is written straight to the socket; only
    while the socket is backed up do frames wait in a backlog, drained by a
    task. A client whose backlog passes ``queue_limit`` is closed with 1013
    so it can never slow its room; it resyncs when it reconnects.

    ``direct()`` hands a room the socket's own write while nothing stands
    between a frame and the socket (open, no backlog, not backed up), so a
    fan-out to hundreds of peers costs one call each; ``peer_changed`` tells the
    room when that may have changed.
    """

    def __init__(
        self,
        owner: PeerOwner,
        transport: Transport,
        session: Session,
        *,
        queue_limit: int,
        label: str,
    ) -> None:
        self.owner = owner
        self.transport = transport
        self.session = session
        self.label = label
        self.state = PeerState.OPEN
        self.dropped_writes = 0
        self.close_code: int | None = None
        self.close_reason = ""
        self.unknown_logged = False
        self._queue_limit = queue_limit
        self._backlog: deque[Frame] = deque()
        self._drainer: asyncio.Task[None] | None = None

    @property
    def read_only(self) -> bool:
        """Board writes from this connection are dropped."""
        return self.session.read_only

    @property
    def sees_awareness(self) -> bool:
        """Presence reaches this connection."""
        return self.session.sees_awareness

    def received(self, data: bytes) -> None:
        """One binary frame from the client; bad input closes this connection only."""
        if self.state is not PeerState.OPEN:
            return
        try:
            self.owner.receive(self, data)
        except ProtocolError as exc:
            self.close(Close.BAD_FRAME, f"malformed message: {exc.reason}")
        except InvalidUpdate as exc:
            self.close(Close.INVALID_UPDATE, exc.reason)
        except AwarenessTooLarge as exc:
            self.close(Close.TOO_LARGE, exc.reason)
        except Exception:
            # A bug of ours: this connection goes, the room and the server stay.
            logger.exception("frame from %s failed", self.label)
            self.close(Close.INTERNAL_ERROR, "internal error")

    def hello(self) -> None:
        """The connection speaks the command channel from now on."""
        self.session = replace(self.session, commands=True)

    def transport_changed(self) -> None:
        """The transport's ``direct()`` may have changed."""
        self._changed()

    def _changed(self) -> None:
        self.owner.peer_changed(self)

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
            self.close(Close.TRY_AGAIN_LATER, "client too slow; reconnect to resync")
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
        self.owner.peer_closed(self)
