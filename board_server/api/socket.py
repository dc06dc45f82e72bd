"""The board socket's fast path, on uvicorn's sans-I/O WebSocket protocol.

Starlette still runs the connection (auth, room lookup, lifetime), but once a
connection is attached to its room, frames skip the ASGI queue both ways:
- incoming binary frames are handed to the room straight from
  ``data_received``, without pausing and resuming the socket per message;
- complete, final, masked binary frames and pongs are parsed here
  (``_receive_frames``); at the first frame of any other kind (close, ping,
  text, fragment, oversize, bad framing) the connection hands that frame and
  everything after it to websockets' parser for good, so every edge case of
  RFC 6455 stays with websockets;
- outgoing frames are written to the transport as ready-made WebSocket
  frames, one encode shared by every peer (``rooms.frame.Frame``);
- while a socket takes writes as they come (open, not backed up), its room
  calls the transport's own ``write`` directly (``direct()``), and the
  protocol tells the attached peer (``transport_changed``) whenever that
  stops or starts being true.
Close is abortive when the client does not read: after ``ABORT_AFTER``
seconds the transport is aborted, so a stalled tablet never holds a socket.

This subclasses uvicorn internals, so pyproject pins uvicorn's minor version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame as WsFrame
from websockets.frames import Opcode

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets built without its C extension
    from websockets.utils import apply_mask

from board_server.rooms.frame import Frame
from board_server.rooms.peer import Peer, RawWrite

EXTENSION = "board.socket"
ABORT_AFTER = 2.0

_FIN_BINARY = 0x82
_FIN_PONG = 0x8A
_MASKED = 0x80
_MAX_CONTROL = 125


class BoardSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O protocol with a direct path for attached board sockets."""

    # The attached peer, and its frame handler (read once per frame).
    peer: Peer | None = None
    on_binary: Callable[[bytes], None] | None = None

    def _changed(self) -> None:
        if self.peer is not None:
            self.peer.transport_changed()

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
            # websockets has parsed the request and no byte after it: its
            # frame parser sits at a frame boundary, so ours can take over.
            if not self.conn.reader.buffer:
                self._partial = bytearray()

    # Bytes of an incomplete frame while this protocol parses frames itself;
    # None while websockets parses them (before the handshake, and for good
    # after the first frame this parser leaves to it).
    _partial: bytearray | None = None
    # The size of the frame that _partial starts, once its header is in.
    _awaiting = 0

    @property
    def parses_frames(self) -> bool:
        """True while incoming frames skip websockets' parser."""
        return self._partial is not None

    def data_received(self, data: bytes) -> None:
        if self._partial is None:
            super().data_received(data)
        else:
            self._receive_frames(data)

    def _receive_frames(self, data: bytes) -> None:
        partial = self._partial
        assert partial is not None
        if partial:
            partial += data
            if len(partial) < self._awaiting:
                return  # a big frame still arriving: no copy per chunk
            data = bytes(partial)
            partial.clear()
        size = len(data)
        limit = self.conn.max_message_size
        start = 0
        awaiting = 0
        while size - start >= 2:
            first, second = data[start], data[start + 1]
            if (first != _FIN_BINARY and first != _FIN_PONG) or second < _MASKED:
                self._leave_to_websockets(data[start:])
                return
            length = second & 0x7F
            head = start + 2
            if length == 126:
                if size - head < 2:
                    break
                length = int.from_bytes(data[head : head + 2], "big")
                head += 2
            elif length == 127:
                if size - head < 8:
                    break
                length = int.from_bytes(data[head : head + 8], "big")
                head += 8
            if (limit is not None and length > limit) or (
                first == _FIN_PONG and length > _MAX_CONTROL
            ):
                self._leave_to_websockets(data[start:])
                return
            end = head + 4 + length
            if end > size:
                awaiting = end - start
                break
            payload = apply_mask(data[head + 4 : end], data[head : head + 4])
            start = end
            if first == _FIN_PONG:
                self.handle_pong(WsFrame(Opcode.PONG, payload))
            elif self.on_binary is not None and not self.close_sent:
                self.on_binary(payload)
            else:
                # Not attached yet, or closing: as uvicorn would (queue or drop).
                self.curr_msg_data_type = "bytes"
                self.frames = [payload]
                self.send_receive_event_to_app()
        if start < size:
            partial += data[start:]
        self._awaiting = awaiting

    def _leave_to_websockets(self, rest: bytes) -> None:
        self._partial = None
        super().data_received(rest)

    def attach(self, peer: Peer) -> None:
        """Hand binary frames to the peer from now on, starting with those queued,
        and tell it whenever ``direct()`` may have changed."""
        queued = []
        while not self.queue.empty():
            queued.append(self.queue.get_nowait())
        self.peer = peer
        self.on_binary = on_binary = peer.received
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
