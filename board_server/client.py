"""An async Python client for tests, benchmarks and bots.

It joins with a code over HTTP, connects to a room over the y-websocket
protocol, keeps a pycrdt Doc in sync, and reconnects with backoff. With
``commands=True`` it also speaks the command channel (type 100): it says
hello on every connect, and offers ``request`` and ``wait_push``. With
``room_id=None`` it opens the workshop socket, which has the channel only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import msgpack
from pycrdt import Doc, Subscription, TransactionEvent
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from board_server.sync import (
    AwarenessEntry,
    AwarenessMessage,
    BoardMessage,
    ProtocolError,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    encode_awareness,
    encode_board,
    encode_sync_step1,
    encode_sync_step2,
    encode_sync_update,
    parse_message,
)
from board_server.sync.awareness import encode_awareness_update, parse_awareness

logger = logging.getLogger("board.client")


class ClientError(Exception):
    """An HTTP call answered with an error, or the server refused the connection."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Joined:
    """The answer to /api/join."""

    token: str
    workshop_id: str
    room_id: str
    participant_id: str


def _post_json(url: str, body: dict[str, Any], token: str | None) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result
    except urllib.error.HTTPError as exc:
        raise ClientError(exc.code, json.loads(exc.read() or b"{}")) from None


async def post_json(url: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    """POST JSON without blocking the event loop; ClientError on an error status."""
    return await asyncio.to_thread(_post_json, url, body, token)


async def join(http_url: str, code: str, name: str, room: str | None = None) -> Joined:
    """Join a workshop with its code, as a participant."""
    body: dict[str, Any] = {"code": code, "name": name}
    if room is not None:
        body["room"] = room
    answer = await post_json(f"{http_url}/api/join", body)
    return Joined(
        answer["token"], answer["workshop"]["id"], answer["room"]["id"], answer["participant"]["id"]
    )


# Close codes after which reconnecting cannot help (y-websocket agrees).
def _terminal(code: int | None) -> bool:
    return code is not None and 4400 <= code < 4500


class BoardClient:
    """A live copy of one room's board.

    ``doc`` is a pycrdt Doc: edit it and the changes go to the server.
    ``synced`` is set once the first sync completes after each (re)connect.
    """

    def __init__(
        self,
        http_url: str,
        workshop_id: str,
        room_id: str | None,
        token: str,
        *,
        reconnect: bool = True,
        doc: Doc[Any] | None = None,
        commands: bool = False,
        capture: bool = False,
    ) -> None:
        ws_base = http_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        path = f"{workshop_id}/{room_id}" if room_id is not None else workshop_id
        self.url = f"{ws_base}/ws/{path}?token={quote(token)}"
        self.board = room_id is not None
        self.commands = commands
        # Every frame received, in order, when capture is on (privacy tests).
        self.received: list[bytes] | None = [] if capture else None
        self.pushes: list[dict[str, Any]] = []
        self.hello: dict[str, Any] | None = None
        self.said_hello = asyncio.Event()
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 1
        self.doc: Doc[Any] = doc if doc is not None else Doc()
        self._changed = asyncio.Event()
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.connections = 0
        self.awareness: dict[int, Any] = {}
        self._reconnect = reconnect
        self._local_state: dict[str, Any] | None = None
        self._clock = 0
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._remote = False
        self._subscription: Subscription | None = self.doc.observe(self._on_local_change)
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def join(
        cls, http_url: str, code: str, name: str, room: str | None = None, **kwargs: Any
    ) -> BoardClient:
        """Join with a code and connect; wait on ``synced`` before reading."""
        joined = await join(http_url, code, name, room)
        client = cls(http_url, joined.workshop_id, joined.room_id, joined.token, **kwargs)
        client.start()
        return client

    def start(self) -> None:
        """Start connecting in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"client {self.url[:60]}")

    async def wait_synced(self, timeout: float = 10.0) -> None:
        """Wait for the current connection to sync."""
        async with asyncio.timeout(timeout):
            await self.synced.wait()

    def set_awareness(self, state: dict[str, Any] | None) -> None:
        """Set our presence state (None to leave) and send it if connected."""
        self._local_state = state
        self._clock += 1
        self._send_awareness()

    def _send_awareness(self) -> None:
        state = "null" if self._local_state is None else json.dumps(self._local_state)
        entry = AwarenessEntry(self.doc.client_id, self._clock, state)
        self._send(encode_awareness(encode_awareness_update([entry])))

    def _send(self, frame: bytes) -> None:
        # While disconnected frames are dropped: the sync handshake on
        # reconnect sends the server whatever it is missing.
        if self._ws is not None:
            self._outbox.put_nowait(frame)

    async def _write(self, ws: ClientConnection) -> None:
        while True:
            frame = await self._outbox.get()
            try:
                await ws.send(frame)
            except ConnectionClosed:
                return

    def _on_local_change(self, event: TransactionEvent) -> None:
        if not self._remote and event.update != b"\x00\x00":
            self._send(encode_sync_update(event.update))

    def _apply_remote(self, update: bytes) -> None:
        self._remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._remote = False
        self._changed.set()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until predicate() holds, re-checking after every remote update
        and awareness change."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def _run(self) -> None:
        delay = 0.1
        try:
            while True:
                try:
                    async with connect(self.url, max_size=None, compression=None) as ws:
                        delay = 0.1
                        try:
                            await self._session(ws)
                        finally:
                            self.close_code = ws.close_code
                            self.close_reason = ws.close_reason or ""
                except (OSError, InvalidStatus, TimeoutError, ConnectionClosed) as exc:
                    logger.debug("connect failed: %r", exc)
                finally:
                    self._ws = None
                    self.synced.clear()
                if not self._reconnect or _terminal(self.close_code):
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        finally:
            self.closed.set()

    async def _session(self, ws: ClientConnection) -> None:
        self._outbox = asyncio.Queue()
        self._ws = ws
        self.connections += 1
        self.close_code = None
        self.said_hello.clear()
        if self.commands:
            hello = self._request_frame("hello", {"v": 1})
            self._send(hello[1])
            self._spawn_hello(hello[0])
        if self.board:
            self._send(encode_sync_step1(self.doc.get_state()))
        if self._local_state is not None:
            self._send_awareness()
        writer = asyncio.create_task(self._write(ws))
        try:
            await self._receive(ws)
        finally:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    def _request_frame(
        self, cmd: str, args: dict[str, Any]
    ) -> tuple[asyncio.Future[dict[str, Any]], bytes]:
        request_id = self._next_id
        self._next_id += 1
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[request_id] = reply
        body = msgpack.packb({"id": request_id, "cmd": cmd, "args": args})
        return reply, encode_board(body)

    def _spawn_hello(self, reply: asyncio.Future[dict[str, Any]]) -> None:
        def done(future: asyncio.Future[dict[str, Any]]) -> None:
            if not future.cancelled() and future.result().get("ok"):
                self.hello = future.result()["result"]
                self.said_hello.set()

        reply.add_done_callback(done)

    async def request(
        self, cmd: str, args: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send a command once hello is answered; the whole reply map
        (``ok``, then ``result`` or ``error`` and ``detail``)."""
        async with asyncio.timeout(timeout):
            await self.said_hello.wait()
            reply, frame = self._request_frame(cmd, args or {})
            self._send(frame)
            return await reply

    async def wait_push(
        self,
        event: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """The data of the first push of ``event`` (received so far or later)
        that satisfies predicate."""
        seen = 0
        async with asyncio.timeout(timeout):
            while True:
                for push in self.pushes[seen:]:
                    if push.get("event") == event and (
                        predicate is None or predicate(push["data"])
                    ):
                        data: dict[str, Any] = push["data"]
                        return data
                seen = len(self.pushes)
                self._changed.clear()
                await self._changed.wait()

    def _on_board_message(self, body: bytes) -> None:
        message = msgpack.unpackb(body)
        if "re" in message:
            reply = self._replies.pop(message["re"], None)
            if reply is not None and not reply.done():
                reply.set_result(message)
        else:
            self.pushes.append(message)
        self._changed.set()

    async def _receive(self, ws: ClientConnection) -> None:
        async for frame in ws:
            if isinstance(frame, str):
                continue
            if self.received is not None:
                self.received.append(frame)
            try:
                message = parse_message(frame)
            except ProtocolError as exc:
                logger.warning("bad frame from server: %s", exc.reason)
                continue
            if isinstance(message, SyncStep1):
                self._send(encode_sync_step2(self.doc.get_update(message.state_vector)))
            elif isinstance(message, SyncStep2):
                self._apply_remote(message.update)
                self.synced.set()
            elif isinstance(message, SyncUpdate):
                self._apply_remote(message.update)
            elif isinstance(message, AwarenessMessage):
                for entry in parse_awareness(message.payload):
                    if entry.client_id == self.doc.client_id:
                        continue
                    if entry.removed:
                        self.awareness.pop(entry.client_id, None)
                    else:
                        self.awareness[entry.client_id] = json.loads(entry.state_json)
                self._changed.set()
            elif isinstance(message, BoardMessage):
                self._on_board_message(message.body)

    async def close(self) -> None:
        """Disconnect and stop reconnecting."""
        self._reconnect = False
        if self._task is not None:
            ws = self._ws
            if ws is not None:
                await ws.close()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._subscription is not None:
            self.doc.unobserve(self._subscription)
            self._subscription = None

    async def __aenter__(self) -> BoardClient:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
