"""A recording transport for tests that drive a real Room without sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from board_server.rooms import Frame, Peer


class Recorder:
    """A transport that keeps what it is sent; the room under test is real.

    Like the board socket, it offers a direct write for wire bytes; frames
    from either path are recorded as the client would read them.
    """

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.wires: list[bytes] = []
        self.closed: tuple[int, str] | None = None
        self.peer: Peer | None = None

    def write(self, frame: Frame) -> bool:
        self.write_wire(frame.wire)
        return True

    def direct(self) -> Callable[[bytes], object] | None:
        return None if self.closed else self.write_wire

    def write_wire(self, wire: bytes) -> None:
        self.wires.append(wire)
        self.frames.append(unframe(wire))

    async def drain(self) -> None:
        return None

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def clear(self) -> None:
        self.frames.clear()
        self.wires.clear()


def unframe(wire: bytes) -> bytes:
    """The payload of one unmasked binary frame, as a client reads it."""
    assert wire[0] == 0x82
    length = wire[1]
    if length == 126:
        return wire[4:]
    if length == 127:
        return wire[10:]
    return wire[2:]


async def settle() -> None:
    """Let the room's flush callback and the writer tasks run."""
    for _ in range(5):
        await asyncio.sleep(0)
