"""Room lifecycle: shared loading, idle unload that really frees the doc, reload."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import eventually, start_server
from pycrdt import Doc, Map
from roomkit import Recorder, settle

from board_server.bus import LocalBus
from board_server.client import BoardClient
from board_server.errors import BoardError
from board_server.model import Role, RoomKey
from board_server.rooms import RoomRegistry, Session
from board_server.storage.sqlite import SQLiteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "board.sqlite3")
    await store.start()
    try:
        yield store
    finally:
        await store.close()


async def test_concurrent_acquires_share_one_load(store: SQLiteStore) -> None:
    registry = RoomRegistry(store, LocalBus("test"), idle_seconds=60, compact_threshold=500)
    key = RoomKey("w", "r1")
    rooms = await asyncio.gather(*(registry.acquire(key) for _ in range(50)))
    assert all(room is rooms[0] for room in rooms)
    assert list(registry.rooms) == [key]
    await registry.close()


async def wait_unloaded(registry: RoomRegistry, key: RoomKey) -> None:
    await eventually(lambda: key not in registry.rooms and not registry._unloading)


async def test_idle_room_unloads_frees_its_doc_and_reloads(tmp_path: Path) -> None:
    server, stop = await start_server(tmp_path / "data", idle_unload_seconds=0.05)
    try:
        workshop: dict[str, Any] = await server.create_workshop()
        key = RoomKey(workshop["id"], "r1")
        async with BoardClient(
            server.http_url,
            workshop["id"],
            "r1",
            (await server.join(workshop["join_code"], room="r1"))["token"],
        ) as client:
            await client.wait_synced()
            client.doc.get("notes", type=Map)["n1"] = "survives unload"
            rooms = server.services.rooms
            await eventually(lambda: "n1" in rooms.rooms[key].doc.get("notes", type=Map))
            room_ref = weakref.ref(rooms.rooms[key])
            doc_ref = weakref.ref(rooms.rooms[key].doc)
        await wait_unloaded(server.services.rooms, key)
        gc.collect()
        assert room_ref() is None, gc.get_referrers(room_ref())
        assert doc_ref() is None

        token = (await server.join(workshop["join_code"], "Later", room="r1"))["token"]
        async with BoardClient(server.http_url, workshop["id"], "r1", token) as later:
            await later.wait_synced()
            assert later.doc.get("notes", type=Map).to_py() == {"n1": "survives unload"}
    finally:
        await stop()


async def test_a_room_that_had_observers_unloads_and_frees_its_docs(tmp_path: Path) -> None:
    server, stop = await start_server(tmp_path / "data", idle_unload_seconds=0.05)
    try:
        workshop: dict[str, Any] = await server.create_workshop()
        key = RoomKey(workshop["id"], "r1")
        url, wid = server.http_url, workshop["id"]
        writer_token = (await server.join(workshop["join_code"], room="r1"))["token"]
        observer_token = await server.role_token(workshop, "observer")
        async with (
            BoardClient(url, wid, "r1", writer_token) as writer,
            BoardClient(url, wid, "r1", observer_token) as observer,
        ):
            await writer.wait_synced()
            await observer.wait_synced()
            writer.doc.get("notes", type=Map)["n1"] = "seen by an observer"
            notes = observer.doc.get("notes", type=Map)
            await observer.wait_until(lambda: notes.get("n1") == "seen by an observer")
            room = server.services.rooms.rooms[key]
            assert room.projection is not None
            refs = [weakref.ref(room), weakref.ref(room.doc), weakref.ref(room.projection),
                    weakref.ref(room.projection.doc)]  # fmt: skip
            del room
        await wait_unloaded(server.services.rooms, key)
        gc.collect()
        assert [ref() for ref in refs] == [None, None, None, None]
    finally:
        await stop()


async def test_unload_persists_a_snapshot(tmp_path: Path) -> None:
    server, stop = await start_server(tmp_path / "data", idle_unload_seconds=0.05)
    try:
        workshop = await server.create_workshop()
        key = RoomKey(workshop["id"], "r1")
        token = (await server.join(workshop["join_code"], room="r1"))["token"]
        async with BoardClient(server.http_url, workshop["id"], "r1", token) as client:
            await client.wait_synced()
            notes = client.doc.get("notes", type=Map)
            for i in range(10):
                notes[f"n{i}"] = i
            room = server.services.rooms.rooms[key]
            await eventually(lambda: len(room.doc.get("notes", type=Map)) == 10)
        await wait_unloaded(server.services.rooms, key)
        store = server.services.store
        assert await store.log_length(key) == 0
        stored = await store.load_doc(key)
        assert stored.snapshot is not None and stored.updates == []
    finally:
        await stop()


async def test_erasing_a_workshop_closes_its_rooms_and_keeps_nothing_more(
    store: SQLiteStore,
) -> None:
    registry = RoomRegistry(store, LocalBus("test"), idle_seconds=60, compact_threshold=500)
    gone, kept = RoomKey("gone", "r1"), RoomKey("kept", "r1")
    room = await registry.acquire(gone)
    await registry.acquire(kept)
    tablet = Recorder()
    room.connect(tablet, Session(Role.PARTICIPANT), queue_limit=16, label="c1")
    board: Doc[Any] = Doc()
    updates: list[bytes] = []
    board.observe(lambda event: updates.append(event.update))
    board.get("notes", type=Map)["logged"] = "before"
    room.apply(updates[-1], None)
    await settle()
    board.get("notes", type=Map)["pending"] = "not logged yet"
    room.apply(updates[-1], None)  # its flush is still to come

    await registry.erase("gone", 4404, "This workshop was deleted.")

    assert tablet.closed == (4404, "This workshop was deleted.")
    assert list(registry.rooms) == [kept]
    await store.flush()
    # Unloaded without a snapshot (that would keep the board), and the
    # update still pending was never logged.
    stored = await store.load_doc(gone)
    assert (stored.snapshot, len(stored.updates)) == (None, 1)
    with pytest.raises(BoardError):
        await registry.acquire(gone)
    await registry.close()
