"""A minimal WebSocket client for the load generator: cheap per received frame.

A full client library (``websockets``) costs about 30 us of Python per
received frame once frames arrive one at a time, and a receiver here gets up
to tens of thousands of frames a second, on the same two cores as the server
under test. This client is an asyncio Protocol: the event loop hands it
bytes, it cuts them into frames and calls ``on_message`` synchronously, with
no task switch per frame. Sending is a synchronous ``transport.write``.

Scope: binary messages, continuation frames, ping/pong, close. No extensions
(no permessage-deflate is offered), no TLS. Client frames use a zero masking
key: the payload goes out unchanged, which every server accepts (RFC 6455
asks for an unpredictable key to protect proxies; there are none here).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct
from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

_ZERO_MASK = b"\x00\x00\x00\x00"


class HandshakeError(ConnectionError):
    """The server did not switch protocols."""


def _frame(opcode: int, payload: bytes) -> bytes:
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + _ZERO_MASK + payload


class WebSocket(asyncio.Protocol):
    """One client connection. Use ``await WebSocket.connect(url, on_message)``."""

    def __init__(self, on_message: Callable[[bytes], None], request: bytes) -> None:
        self.on_message = on_message
        self.close_code: int | None = None
        self.open = False
        self._request = request
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._fragments: list[bytes] = []
        self._skipping = False
        self._handshaking = True
        loop = asyncio.get_running_loop()
        self.handshake: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    @classmethod
    async def connect(
        cls, url: str, on_message: Callable[[bytes], None], timeout: float = 30.0
    ) -> WebSocket:
        """Open a connection and finish the opening handshake (bounded)."""
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"
        port = parts.port or 80
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        loop = asyncio.get_running_loop()
        protocol = cls(on_message, request)
        async with asyncio.timeout(timeout):
            await loop.create_connection(lambda: protocol, host, port)
            await protocol.handshake
        return protocol

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same API.
        self._transport = cast(asyncio.Transport, transport)
        self._transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if not self.handshake.done():
            self.handshake.set_exception(HandshakeError("connection lost during handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self._buffer:
            data = self._buffer + data
            self._buffer = b""
        if self._handshaking:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self._buffer = data
                return
            status = data[: data.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                self.handshake.set_exception(HandshakeError(status.decode(errors="replace")))
                self._abort()
                return
            self._handshaking = False
            self.open = True
            self.handshake.set_result(None)
            data = data[end + 4 :]
        self._parse(data)

    def _parse(self, data: bytes) -> None:
        pos = 0
        size = len(data)
        while size - pos >= 2:
            first = data[pos]
            length = data[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                start = pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                start = pos + 10
            end = start + length
            if end > size:
                break
            pos = end
            opcode = first & 0x0F
            if opcode == OP_BINARY and first & 0x80:
                self.on_message(data[start:end])
            elif opcode in (OP_BINARY, OP_TEXT, OP_CONT):
                self._fragment(first, opcode, data[start:end])
            elif opcode == OP_PING:
                self._write(_frame(OP_PONG, data[start:end]))
            elif opcode == OP_CLOSE:
                payload = data[start:end]
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                if self.open:
                    self.open = False
                    self._write(_frame(OP_CLOSE, payload[:2]))
                self._abort()
                return
        if pos < size:
            self._buffer = data[pos:]

    def _fragment(self, first: int, opcode: int, payload: bytes) -> None:
        final = first & 0x80
        if opcode == OP_TEXT:
            # The protocol is binary; text messages are skipped, fragments too.
            self._skipping = not final
            return
        if opcode == OP_CONT and self._skipping:
            self._skipping = not final
            return
        self._fragments.append(payload)
        if final:
            message = b"".join(self._fragments)
            self._fragments = []
            self.on_message(message)

    def _write(self, data: bytes) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(data)

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # API

    def send(self, message: bytes) -> None:
        """Send one binary message (never waits; the transport buffers)."""
        if self.open:
            self._write(_frame(OP_BINARY, message))

    async def close(self, timeout: float = 2.0) -> None:
        """Close with 1000, wait for the server's close (bounded), then drop."""
        if self.open:
            self.open = False
            self._write(_frame(OP_CLOSE, struct.pack("!H", 1000)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        self._abort()
        if not self.closed.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.closed), 1.0)

    @property
    def buffered(self) -> int:
        """Bytes waiting in the transport's write buffer."""
        return self._transport.get_write_buffer_size() if self._transport else 0
