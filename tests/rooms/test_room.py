"""Fan-out: one encode shared by every peer, batching, read-only drops, slow peers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import eventually, start_server
from pycrdt import Doc, Map, Text, merge_updates
from roomkit import Recorder, settle
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from board_server.bus import LocalBus
from board_server.client import BoardClient
from board_server.model import Role, RoomKey
from board_server.rooms import Commands, Frame, Keeper, Peer, Room, Session
from board_server.rooms.room import BUSY_PEERS, BUSY_WINDOW
from board_server.storage.sqlite import SQLiteStore
from board_server.sync import (
    SyncUpdate,
    encode_awareness,
    encode_board,
    encode_sync_step1,
    encode_sync_update,
    parse_message,
)
from board_server.sync.awareness import AwarenessEntry, encode_awareness_update


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    store = SQLiteStore(tmp_path / "board.sqlite3")
    await store.start()
    try:
        yield open_room(store, RoomKey("w", "r1"), compact_threshold=10_000)
    finally:
        await store.close()


def open_room(
    store: SQLiteStore, key: RoomKey, *, compact_threshold: int, commands: Commands | None = None
) -> Room:
    """A room as the registry opens it, on a store and the in-process bus."""
    keeper = Keeper(store, LocalBus("test"), compact_threshold=compact_threshold)
    room = Room(key, Doc(), keeper, commands=commands)
    keeper.opened(room, 0, "")
    return room


def make_peer(room: Room, read_only: bool = False) -> tuple[Peer, Recorder]:
    recorder = Recorder()
    session = Session(Role.VIEWER if read_only else Role.PARTICIPANT)
    recorder.peer = peer = room.connect(recorder, session, queue_limit=64, label="t")
    return peer, recorder


def edit(text: str) -> bytes:
    doc: Doc[Any] = Doc()
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    doc.get("notes", type=Map)["n"] = text
    return updates[0]


async def test_one_encoded_frame_is_shared_and_the_sender_is_skipped(room: Room) -> None:
    (a, rec_a), (b, rec_b), (c, rec_c) = make_peer(room), make_peer(room), make_peer(room)
    await settle()
    for rec in (rec_a, rec_b, rec_c):
        rec.clear()
    update = edit("hello")
    room.receive(a, encode_sync_update(update))
    await settle()
    assert rec_a.frames == []
    assert rec_b.frames == [encode_sync_update(update)]
    # One WebSocket encoding, the same bytes object, written to both peers.
    assert rec_b.wires[0] is rec_c.wires[0]
    for peer in (a, b, c):
        peer.close(1000, "test over")


class Stalling(Recorder):
    """A recorder whose socket can back up, like a tablet that stops reading."""

    def __init__(self) -> None:
        super().__init__()
        self.backed_up = False
        self.resumed = asyncio.Event()
        self.direct_writes = 0

    def write(self, frame: Frame) -> bool:
        return False if self.backed_up else super().write(frame)

    def direct(self) -> Callable[[bytes], object] | None:
        return None if self.backed_up or self.closed else self.count_direct

    def write_wire(self, wire: bytes) -> None:
        assert self.closed is None, "written after close"
        super().write_wire(wire)

    def count_direct(self, wire: bytes) -> None:
        self.direct_writes += 1
        self.write_wire(wire)

    def back_up(self, value: bool) -> None:
        self.backed_up = value
        if value:
            self.resumed.clear()
        else:
            self.resumed.set()
        assert self.peer is not None
        self.peer.transport_changed()

    async def drain(self) -> None:
        await self.resumed.wait()


def stalling_peer(room: Room) -> tuple[Peer, Stalling]:
    recorder = Stalling()
    session = Session(Role.PARTICIPANT)
    recorder.peer = peer = room.connect(recorder, session, queue_limit=64, label="s")
    return peer, recorder


async def test_a_backed_up_peer_gets_every_frame_in_order_without_holding_the_others(
    room: Room,
) -> None:
    (writer, _), (reader, rec_reader) = make_peer(room), make_peer(room)
    slow, rec_slow = stalling_peer(room)
    await settle()
    rec_reader.clear()
    rec_slow.clear()
    updates = [edit(f"v{i}") for i in range(4)]
    room.receive(writer, encode_sync_update(updates[0]))
    await settle()
    assert rec_slow.direct_writes == 1
    rec_slow.back_up(True)
    for update in updates[1:3]:
        room.receive(writer, encode_sync_update(update))
        await settle()
    # The reader is not held up; the backed-up peer has nothing new yet.
    assert rec_reader.frames == [encode_sync_update(u) for u in updates[:3]]
    assert rec_slow.frames == [encode_sync_update(updates[0])]
    rec_slow.back_up(False)
    await settle()
    room.receive(writer, encode_sync_update(updates[3]))
    await settle()
    # Nothing lost, nothing reordered, and direct writes again once drained.
    assert rec_slow.frames == [encode_sync_update(u) for u in updates]
    assert rec_slow.direct_writes == 2
    for peer in (writer, reader, slow):
        peer.close(1000, "test over")


async def test_a_closed_peer_gets_no_frame_even_before_it_leaves_the_room(room: Room) -> None:
    (writer, _), (reader, rec_reader) = make_peer(room), make_peer(room)
    closing, rec_closing = stalling_peer(room)
    first, second = edit("one"), edit("two")
    room.receive(writer, encode_sync_update(first))
    await settle()
    assert rec_closing.direct_writes == 1
    # Closed, and still in room.peers until the room's deferred remove runs.
    closing.close(1000, "bye")
    assert closing in room.peers
    room.receive(writer, encode_sync_update(second))
    room._flush()
    assert rec_closing.frames[-1] == encode_sync_update(first)
    assert rec_reader.frames[-1] == encode_sync_update(second)
    for peer in (writer, reader):
        peer.close(1000, "test over")


async def test_a_failing_direct_write_falls_back_to_sending_to_everyone(
    room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    (writer, _), (a, rec_a), (b, rec_b) = make_peer(room), make_peer(room), make_peer(room)
    await settle()
    rec_a.clear()
    rec_b.clear()

    def broken(wire: bytes) -> None:
        raise RuntimeError("unable to perform operation; the handler is closed")

    rec_a.direct = lambda: broken  # type: ignore[method-assign]
    assert rec_a.peer is not None
    rec_a.peer.transport_changed()
    update = edit("still arrives")
    room.receive(writer, encode_sync_update(update))
    await settle()
    # a's direct write failed, so everyone got the frame the careful way (b
    # may have it twice, which Yjs ignores); the room keeps working.
    assert rec_a.frames == [encode_sync_update(update)]
    assert set(rec_b.frames) == {encode_sync_update(update)}
    assert [r.getMessage() for r in caplog.records] == ["room w/r1: direct write failed; resending"]
    for peer in (writer, a, b):
        peer.close(1000, "test over")


async def test_updates_in_one_tick_are_merged_into_one_frame(room: Room) -> None:
    (a, _), (b, _), (watcher, rec) = make_peer(room), make_peer(room), make_peer(room)
    await settle()
    rec.clear()
    first, second = edit("from a"), edit("from b")
    room.receive(a, encode_sync_update(first))
    room.receive(b, encode_sync_update(second))
    await settle()
    assert len(rec.frames) == 1
    message = parse_message(rec.frames[0])
    assert isinstance(message, SyncUpdate)
    assert message.update == merge_updates(first, second)
    check: Doc[Any] = Doc()
    check.apply_update(message.update)
    # Both edits are in the one frame; the same winner as on the server.
    notes = check.get("notes", type=Map).to_py()
    assert notes == room.doc.get("notes", type=Map).to_py()
    assert notes is not None and notes["n"] in ("from a", "from b")
    for peer in (a, b, watcher):
        peer.close(1000, "test over")


async def test_read_only_writes_are_dropped_and_counted(room: Room) -> None:
    (viewer, rec_viewer), (writer, rec_writer) = make_peer(room, read_only=True), make_peer(room)
    await settle()
    rec_writer.clear()
    before = room.doc.get_state()
    text_doc: Doc[Any] = Doc()
    updates: list[bytes] = []
    text_doc.observe(lambda event: updates.append(event.update))
    text_doc.get("title", type=Text).insert(0, "viewer")
    awareness = encode_awareness(encode_awareness_update([AwarenessEntry(7, 1, "{}")]))
    room.receive(viewer, encode_sync_update(updates[0]))
    room.receive(viewer, b"\x00\x01" + encode_sync_update(updates[0])[2:])
    room.receive(viewer, awareness)
    await settle()
    assert viewer.dropped_writes == 3
    assert room.doc.get_state() == before
    assert rec_writer.frames == []
    assert len(room.awareness) == 0
    # The viewer hears its own awareness back (keep-alive), nobody else does.
    assert rec_viewer.frames[-1] == awareness
    # A viewer is never asked for its state, so it has nothing to send back.
    assert not any(frame[:2] == b"\x00\x00" for frame in rec_viewer.frames)
    for peer in (viewer, writer):
        peer.close(1000, "test over")


async def test_stalled_client_is_closed_and_never_blocks_its_room(tmp_path: Path) -> None:
    server, stop = await start_server(tmp_path / "data", send_queue_limit=8)
    try:
        workshop = await server.create_workshop()
        key = RoomKey(workshop["id"], "r1")

        async def token(name: str) -> str:
            joined = await server.join(workshop["join_code"], name, room="r1")
            value: str = joined["token"]
            return value

        writer = BoardClient(server.http_url, workshop["id"], "r1", await token("W"))
        reader = BoardClient(server.http_url, workshop["id"], "r1", await token("R"))
        url = f"{server.ws_url}/ws/{workshop['id']}/r1?token={await token('Slow')}"
        # A tiny receive buffer, max_queue=1 and no recv(): the client stops
        # reading from its socket almost at once.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.config.port))
        async with asyncio.timeout(60), connect(url, max_queue=1, sock=sock) as stalled:
            await stalled.send(encode_sync_step1(b"\x00"))
            async with writer, reader:
                await writer.wait_synced()
                await reader.wait_synced()
                room = server.services.rooms.rooms[key]
                await eventually(lambda: len(room.peers) == 3)
                notes = writer.doc.get("notes", type=Map)
                reader_notes = reader.doc.get("notes", type=Map)
                blob = "x" * 300_000
                for i in range(60):
                    notes[f"n{i}"] = f"{i}{blob}"
                    # The reader keeps receiving while the stalled client backs up.
                    await reader.wait_until(lambda i=i: f"n{i}" in reader_notes, timeout=10)
                await eventually(lambda: len(room.peers) == 2, timeout=10)
                assert len(reader_notes) == 60
            with pytest.raises(ConnectionClosed):
                while True:
                    await stalled.recv()
            assert stalled.close_code == 1013
            assert stalled.close_reason == "client too slow; reconnect to resync"
    finally:
        await stop()


async def write_notes(room: Room, count: int) -> Peer:
    """A writer peer sends count updates, one note each and each logged on
    its own (the room logs what arrives in one tick as one update); returns
    the peer."""
    writer, _ = make_peer(room)
    source: Doc[Any] = Doc()
    updates: list[bytes] = []
    source.observe(lambda event: updates.append(event.update))
    notes = source.get("notes", type=Map)
    for i in range(count):
        notes[f"n{i}"] = i
        room.receive(writer, encode_sync_update(updates[-1]))
        await settle()
    return writer


async def test_log_is_compacted_past_the_threshold(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "board.sqlite3")
    await store.start()
    key = RoomKey("w", "r1")
    try:
        room = open_room(store, key, compact_threshold=50)
        writer = await write_notes(room, 120)
        await room.close(1001, "test over")
        writer.close(1000, "test over")
        # 120 updates crossed the threshold twice; the rest were folded on close.
        assert await store.log_length(key) == 0
        stored = await store.load_doc(key)
        rebuilt: Doc[Any] = Doc()
        assert stored.snapshot is not None
        rebuilt.apply_update(stored.snapshot)
        assert rebuilt.get("notes", type=Map).to_py() == {f"n{i}": i for i in range(120)}
    finally:
        await store.close()


async def test_compaction_runs_while_the_room_is_live(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "board.sqlite3")
    await store.start()
    key = RoomKey("w", "r1")
    try:
        room = open_room(store, key, compact_threshold=50)
        writer = await write_notes(room, 60)
        await room._keeper.settled(room)
        # Compacted at the 50th update while the writer went on: the snapshot
        # holds what came before, the log what came after, and together all 60.
        assert not room.closed
        stored = await store.load_doc(key)
        assert stored.snapshot is not None
        assert 0 < len(stored.updates) <= 10
        rebuilt: Doc[Any] = Doc()
        rebuilt.apply_update(stored.snapshot)
        for update in stored.updates:
            rebuilt.apply_update(update)
        assert rebuilt.get("notes", type=Map).to_py() == {f"n{i}": i for i in range(60)}
        writer.close(1000, "test over")
    finally:
        await store.close()


async def test_unknown_message_types_are_logged_once_per_connection(
    room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    peer, _ = make_peer(room)
    with caplog.at_level("INFO", logger="board.room"):
        for _ in range(3):
            room.receive(peer, b"\x42\x00")
        room.receive(peer, b"\x43")
    assert [record.getMessage() for record in caplog.records] == [
        "room w/r1: ignoring message type 66 from t"
    ]
    peer.close(1000, "test over")


async def test_big_room_merges_updates_within_the_busy_window(room: Room) -> None:
    peers = [make_peer(room) for _ in range(BUSY_PEERS)]
    writer, watcher = peers[0][0], peers[1][1]
    first, second, third = edit("one"), edit("two"), edit("three")
    room.receive(writer, encode_sync_update(first))
    await settle()
    watcher.clear()
    # Right after a flush, updates wait for the window and leave as one frame.
    room.receive(writer, encode_sync_update(second))
    await settle()
    room.receive(writer, encode_sync_update(third))
    assert watcher.frames == []
    await asyncio.sleep(BUSY_WINDOW * 2)
    assert len(watcher.frames) == 1
    message = parse_message(watcher.frames[0])
    assert isinstance(message, SyncUpdate)
    assert message.update == merge_updates(second, third)
    for peer, _ in peers:
        peer.close(1000, "test over")


async def test_small_room_flushes_on_the_next_iteration(room: Room) -> None:
    (writer, _), (reader, watcher) = make_peer(room), make_peer(room)
    await settle()
    watcher.clear()
    updates = [edit(text) for text in ("one", "two", "three")]
    for update in updates:
        room.receive(writer, encode_sync_update(update))
        await settle()
        # Sent without waiting for any window: the room has two peers.
        assert watcher.frames[-1] == encode_sync_update(update)
    assert len(watcher.frames) == 3
    writer.close(1000, "test over")
    reader.close(1000, "test over")


class CommandLog:
    """An injected command handler that records who sent what."""

    def __init__(self) -> None:
        self.calls: list[tuple[RoomKey, Session, bytes]] = []

    def handle(self, room: Room, peer: Peer, body: bytes) -> None:
        self.calls.append((room.key, peer.session, body))


async def test_command_messages_go_to_the_injected_handler_with_the_senders_session(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "board.sqlite3")
    await store.start()
    commands = CommandLog()
    try:
        room = open_room(store, RoomKey("w", "r1"), compact_threshold=500, commands=commands)
        participant = Session(Role.PARTICIPANT, participant_id="p1")
        viewer = Session(Role.VIEWER)
        recorders = [Recorder(), Recorder()]
        peers = [
            room.connect(recorders[0], participant, queue_limit=64, label="a"),
            room.connect(recorders[1], viewer, queue_limit=64, label="b"),
        ]
        room.receive(peers[0], encode_board(b"\x81\xa3cmd\xa5hello"))
        room.receive(peers[1], encode_board(b"\x80"))
        assert commands.calls == [
            (RoomKey("w", "r1"), participant, b"\x81\xa3cmd\xa5hello"),
            (RoomKey("w", "r1"), viewer, b"\x80"),
        ]
        for peer in peers:
            peer.close(1000, "test over")
    finally:
        await store.close()
