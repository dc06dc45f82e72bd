"""Fan-out of one frame to many connections: socket writes first, the rest
through their peers."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from board_server.rooms.frame import Frame
from board_server.rooms.peer import Peer, RawWrite

logger = logging.getLogger("board.room")


class Audience:
    """Who a broadcast goes to, split into direct socket writes and the rest.

    Built once per change of its peers and reused for every broadcast."""

    __slots__ = ("by_peer", "others", "writes")

    def __init__(self, peers: Iterable[Peer]) -> None:
        self.by_peer: dict[Peer, RawWrite] = {}
        self.others: list[Peer] = []
        for peer in peers:
            write = peer.direct()
            if write is None:
                self.others.append(peer)
            else:
                self.by_peer[peer] = write
        self.writes = list(self.by_peer.values())

    def send(self, frame: Frame, skip: Peer | None, where: object) -> bool:
        """Send the frame's bytes to everyone but ``skip``; False if a direct
        write failed (every direct peer was then sent the frame again, the
        careful way, and the caller should rebuild its audience)."""
        skip_write = self.by_peer.get(skip) if skip is not None else None
        wire = frame.wire
        fine = True
        try:
            for write in self.writes:
                if write is not skip_write:
                    write(wire)
        except Exception:
            # A socket closed without telling its peer (a bug): resend to all
            # the careful way; a second copy of a message changes nothing.
            logger.exception("room %s: direct write failed; resending", where)
            fine = False
            for peer in self.by_peer:
                if peer is not skip:
                    peer.send(frame)
        for peer in self.others:
            if peer is not skip:
                peer.send(frame)
        return fine
