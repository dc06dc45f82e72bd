"""The board socket's own frame parser, driven byte by byte from a raw client.

The server parses complete binary frames and pongs itself, and leaves every
other frame, and all that follows it, to websockets. These tests send frames
split anywhere, run together, fragmented, unmasked or mixed with control
frames, and check what a user would see: every edit arrives, in order, and
protocol errors still get their close codes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RunningServer, eventually, start_server
from pycrdt import Doc, Map
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from board_server.api.socket import BoardSocketProtocol
from board_server.client import BoardClient
from board_server.model import RoomKey
from board_server.sync import encode_sync_update


class RawClient:
    """A WebSocket client whose bytes on the wire are chosen by the test."""

    def __init__(self, url: str, *, answer_pings: bool = True) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        self.answer_pings = answer_pings
        self.frames: list[Frame] = []
        self.closed = asyncio.Event()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RawClient:
        uri = self.protocol.uri
        self._reader, self._writer = await asyncio.open_connection(uri.host, uri.port)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while self.protocol.state is State.CONNECTING:
            self.protocol.receive_data(await self._reader.read(65536))
        assert self.protocol.state is State.OPEN, self.protocol.handshake_exc
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None and self._writer is not None
        self._task.cancel()
        self._writer.close()

    def _flush(self) -> None:
        assert self._writer is not None
        self._writer.write(b"".join(self.protocol.data_to_send()))

    async def _read(self) -> None:
        assert self._reader is not None
        while data := await self._reader.read(65536):
            self.protocol.receive_data(data)
            events = self.protocol.events_received()
            self.frames.extend(event for event in events if isinstance(event, Frame))
            # The protocol queues a pong for every ping it reads.
            if self.answer_pings:
                self._flush()
            else:
                self.protocol.data_to_send()
        self.closed.set()

    def framed(self, opcode: Opcode, payload: bytes, *, fin: bool = True) -> bytes:
        """A masked client frame, as a conforming client would send it."""
        self.protocol.send_frame(Frame(opcode, payload, fin=fin))
        return b"".join(self.protocol.data_to_send())

    async def send_raw(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    def close_code(self) -> int | None:
        close = self.protocol.close_rcvd
        return None if close is None else close.code


def note_updates(count: int, *, big: int = 0) -> list[bytes]:
    """count updates, each adding note n<i>; note n1 is big characters long."""
    doc: Doc[Any] = Doc()
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    notes = doc.get("notes", type=Map)
    for i in range(count):
        notes[f"n{i}"] = "x" * big if i == 1 and big else f"note {i}"
    return [encode_sync_update(update) for update in updates]


@pytest.fixture
async def room(server: RunningServer, workshop: dict[str, Any]) -> AsyncIterator[BoardClient]:
    """A synced participant in room r1 who watches what the raw client writes."""
    watcher = await BoardClient.join(server.http_url, workshop["join_code"], "W", room="r1")
    try:
        await watcher.wait_synced()
        yield watcher
    finally:
        await watcher.close()


async def raw_url(server: RunningServer, workshop: dict[str, Any]) -> str:
    joined = await server.join(workshop["join_code"], "Raw", room="r1")
    return f"{server.ws_url}/ws/{workshop['id']}/r1?token={joined['token']}"


def server_socket(server: RunningServer, workshop: dict[str, Any]) -> BoardSocketProtocol:
    """The server's protocol object of the raw client (the room's newest peer)."""
    room = server.services.rooms.rooms[RoomKey(workshop["id"], "r1")]
    peer = max(room.peers, key=lambda p: int(p.label[1:]))
    assert isinstance(peer.transport, BoardSocketProtocol)
    return peer.transport


def server_notes(server: RunningServer, workshop: dict[str, Any]) -> dict[str, Any]:
    room = server.services.rooms.rooms[RoomKey(workshop["id"], "r1")]
    notes: dict[str, Any] = room.doc.get("notes", type=Map).to_py() or {}
    return notes


async def test_frames_split_anywhere_or_run_together_all_arrive(
    server: RunningServer, workshop: dict[str, Any], room: BoardClient
) -> None:
    # 60 notes; one 70,000 characters long, so every length encoding is used.
    messages = note_updates(60, big=70_000)
    async with RawClient(await raw_url(server, workshop)) as raw:
        wire = b"".join(raw.framed(Opcode.BINARY, message) for message in messages)
        rng = random.Random(7)
        sent = 0
        while sent < len(wire):
            size = rng.choice((1, 2, 3, 5, 9, 200, 5000))
            await raw.send_raw(wire[sent : sent + size])
            sent += size
        notes = room.doc.get("notes", type=Map)
        await room.wait_until(lambda: len(notes) == 60, timeout=10)
        assert notes["n59"] == "note 59"
        assert notes["n1"] == "x" * 70_000
        # A big frame arriving in slow pieces, with nothing after it.
        room_doc: Doc[Any] = Doc()
        room_doc.apply_update(room.doc.get_update())
        big_updates: list[bytes] = []
        room_doc.observe(lambda event: big_updates.append(event.update))
        room_doc.get("notes", type=Map)["last"] = "y" * 50_000
        last = raw.framed(Opcode.BINARY, encode_sync_update(big_updates[0]))
        for piece in (last[:3], last[3:20_000], last[20_000:-1], last[-1:]):
            await raw.send_raw(piece)
            await asyncio.sleep(0.05)
        await room.wait_until(lambda: notes.get("last") == "y" * 50_000, timeout=5)
        # All of it was read by the board's own parser.
        assert server_socket(server, workshop).parses_frames
        assert not raw.closed.is_set()


async def test_a_ping_is_answered_and_what_follows_is_read_by_websockets(
    server: RunningServer, workshop: dict[str, Any], room: BoardClient
) -> None:
    first, second, third = note_updates(3)
    async with RawClient(await raw_url(server, workshop)) as raw:
        await raw.send_raw(raw.framed(Opcode.BINARY, first))
        notes = room.doc.get("notes", type=Map)
        await room.wait_until(lambda: "n0" in notes, timeout=5)
        assert server_socket(server, workshop).parses_frames
        # A ping between two updates, in one write.
        await raw.send_raw(
            raw.framed(Opcode.BINARY, second)
            + raw.framed(Opcode.PING, b"are you there")
            + raw.framed(Opcode.BINARY, third)
        )
        await room.wait_until(lambda: "n2" in notes, timeout=5)
        assert notes["n1"] == "note 1"
        await eventually(lambda: any(f.opcode is Opcode.PONG for f in raw.frames))
        pongs = [f.data for f in raw.frames if f.opcode is Opcode.PONG]
        assert pongs == [b"are you there"]
        assert not server_socket(server, workshop).parses_frames


async def test_a_fragmented_message_is_put_together(
    server: RunningServer, workshop: dict[str, Any], room: BoardClient
) -> None:
    (message,) = note_updates(1)
    async with RawClient(await raw_url(server, workshop)) as raw:
        half = len(message) // 2
        await raw.send_raw(
            raw.framed(Opcode.BINARY, message[:half], fin=False)
            + raw.framed(Opcode.CONT, message[half:])
        )
        notes = room.doc.get("notes", type=Map)
        await room.wait_until(lambda: notes.get("n0") == "note 0", timeout=5)


async def test_an_unmasked_frame_gets_1002_and_the_room_carries_on(
    server: RunningServer, workshop: dict[str, Any], room: BoardClient
) -> None:
    first, second = note_updates(2)
    async with RawClient(await raw_url(server, workshop)) as raw:
        await raw.send_raw(raw.framed(Opcode.BINARY, first))
        notes = room.doc.get("notes", type=Map)
        await room.wait_until(lambda: "n0" in notes, timeout=5)
        # RFC 6455: a client must mask its frames.
        await raw.send_raw(bytes((0x82, len(second))) + second)
        await asyncio.wait_for(raw.closed.wait(), timeout=5)
        assert raw.close_code() == 1002
    # What was accepted stays; the unmasked update was not applied.
    room.doc.get("notes", type=Map)["by watcher"] = "still here"
    await eventually(lambda: server_notes(server, workshop).get("by watcher") == "still here")
    assert server_notes(server, workshop) == {"n0": "note 0", "by watcher": "still here"}
    assert not room.closed.is_set()


async def test_a_close_frame_gets_its_answer(
    server: RunningServer, workshop: dict[str, Any], room: BoardClient
) -> None:
    async with RawClient(await raw_url(server, workshop)) as raw:
        assert server_socket(server, workshop).parses_frames
        raw.protocol.send_close(1000, "bye")
        await raw.send_raw(b"".join(raw.protocol.data_to_send()))
        await asyncio.wait_for(raw.closed.wait(), timeout=5)
        assert raw.close_code() == 1000


@pytest.mark.parametrize("answers", [True, False])
async def test_keepalive_pings_are_answered_on_the_fast_path(tmp_path: Path, answers: bool) -> None:
    server, stop = await start_server(tmp_path / "data", ping_interval=0.2)
    try:
        workshop = await server.create_workshop()
        async with RawClient(await raw_url(server, workshop), answer_pings=answers) as raw:
            await asyncio.sleep(1.0)
            pings = [f for f in raw.frames if f.opcode is Opcode.PING]
            if answers:
                # Four or so pings came and were answered: still open, and
                # the pongs were read without leaving the board's parser.
                assert len(pings) >= 3
                assert not raw.closed.is_set()
                assert server_socket(server, workshop).parses_frames
            else:
                await asyncio.wait_for(raw.closed.wait(), timeout=5)
                assert raw.close_code() == 1011
                assert raw.protocol.close_rcvd is not None
                assert raw.protocol.close_rcvd.reason == "keepalive ping timeout"
    finally:
        await stop()
