"""The board socket's fast path, on uvicorn's sans-I/O WebSocket protocol.

Starlette still runs the connection (auth, room lookup, lifetime), but once a
connection is attached to its room, frames skip the ASGI queue both ways:
- incoming binary frames are handed to the room straight from
  ``data_received``, without pausing and resuming the socket per message;
- outgoing frames are written to the transport as ready-made WebSocket
  frames, one encode shared by every peer (``rooms.frame.Frame``);
- while a socket takes writes as they come (open, not backed up), its room
  calls the transport's own ``write`` directly (``direct()``), and the
  protocol calls ``on_change`` whenever that stops or starts being true.
Close is abortive when the client does not read: after ``ABORT_AFTER``
seconds the transport is aborted, so a stalled tablet never holds a socket.

This subclasses uvicorn internals, so pyproject pins uvicorn's minor version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from board_server.rooms.frame import Frame

EXTENSION = "board.socket"
ABORT_AFTER = 2.0

FrameHandler = Callable[[bytes], None]
RawWrite = Callable[[bytes], object]


class BoardSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O protocol with a direct path for attached board sockets."""

    on_binary: FrameHandler | None = None
    on_change: Callable[[], None] | None = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # Every path that sends a close frame sets close_sent (ours, uvicorn's
    # keepalive timeout and parser errors, the app's close); from then on
    # no data frame may follow, so the room must stop writing directly.
    _close_sent = False

    @property
    def close_sent(self) -> bool:
        return self._close_sent

    @close_sent.setter
    def close_sent(self, value: bool) -> None:
        self._close_sent = value
        self._changed()

    def handle_close(self, event: Any) -> None:
        super().handle_close(event)
        self._changed()

    def shutdown(self) -> None:
        super().shutdown()
        self._changed()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._changed()

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if self.handshake_initiated and not self.close_sent:
            extensions = cast(dict[str, Any], self.scope["extensions"])
            extensions[EXTENSION] = {"socket": self}

    def attach(self, on_binary: FrameHandler) -> None:
        """Route binary frames to on_binary from now on, starting with those queued."""
        queued = []
        while not self.queue.empty():
            queued.append(self.queue.get_nowait())
        self.on_binary = on_binary
        for message in queued:
            data = message.get("bytes") if message["type"] == "websocket.receive" else None
            if data is not None and not self.close_sent:
                on_binary(data)
            elif data is None:
                self.queue.put_nowait(message)
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()

    def send_receive_event_to_app(self) -> None:
        if self.on_binary is None or self.curr_msg_data_type != "bytes":
            super().send_receive_event_to_app()
            return
        frames, self.frames = self.frames, []
        if not self.close_sent:
            self.on_binary(frames[0] if len(frames) == 1 else b"".join(frames))

    # Mirrors ``writable`` as a plain attribute: write() runs once per peer
    # per broadcast, and an attribute read is far cheaper than Event.is_set().
    backed_up = False

    def pause_writing(self) -> None:
        self.backed_up = True
        super().pause_writing()
        self._changed()

    def resume_writing(self) -> None:
        self.backed_up = False
        super().resume_writing()
        self._changed()

    def direct(self) -> RawWrite | None:
        """The transport's own write, while framed bytes may go straight to it."""
        if self.close_sent or self.backed_up or self.transport.is_closing():
            return None
        return cast(RawWrite, self.transport.write)

    def write(self, frame: Frame) -> bool:
        """Write a framed message now; False if the socket is backed up."""
        transport = self.transport
        if self.close_sent or transport.is_closing():
            return True  # dropped: the connection is going away
        if self.backed_up:
            return False
        transport.write(frame.wire)
        return True

    async def drain(self) -> None:
        """Wait until the transport's buffer is below its low-water mark."""
        await self.writable.wait()

    def close(self, code: int, reason: str) -> None:
        """Send a close frame without waiting; abort if the client never answers."""
        if self.close_sent or self.transport.is_closing():
            return
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(ABORT_AFTER, self.transport.abort)


def board_socket_of(scope: Any) -> BoardSocketProtocol | None:
    """The fast-path protocol of a WebSocket scope, if the server runs ours."""
    extension = scope.get("extensions", {}).get(EXTENSION)
    return None if extension is None else cast(BoardSocketProtocol, extension["socket"])
