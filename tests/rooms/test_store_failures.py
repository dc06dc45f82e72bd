"""What a store failure means for a room, shown with a real store that is made to fail.

- A compaction that fails is logged with its room and retried later, not on
  every following update.
- An update the log refuses reaches nobody: every connection of the room is
  closed with 1013, so that each reconnects to a freshly loaded room and
  resends what the room lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map
from roomkit import Recorder, settle

from board_server.bus import LocalBus
from board_server.model import Role, RoomKey
from board_server.rooms import Keeper, Peer, Room, RoomRegistry, Session
from board_server.storage import StoreError
from board_server.storage.base import OnLogged
from board_server.storage.sqlite import SQLiteStore
from board_server.sync import encode_sync_update

KEY = RoomKey("w", "r1")


class FailingStore(SQLiteStore):
    """The real SQLite store, with switches that make appends or compactions fail."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fail_appends = False
        self.fail_compactions = False
        self.compactions = 0

    def append_update(
        self, room: RoomKey, update: bytes, on_logged: OnLogged | None = None
    ) -> None:
        if self.fail_appends:
            raise StoreError("disk full")
        super().append_update(room, update, on_logged)

    async def compact(
        self, room: RoomKey, snapshot: bytes, upto: str, *, scrub: bool = False
    ) -> bool:
        self.compactions += 1
        if self.fail_compactions:
            raise StoreError("database is locked")
        return await super().compact(room, snapshot, upto, scrub=scrub)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FailingStore]:
    store = FailingStore(tmp_path / "board.sqlite3")
    await store.start()
    try:
        yield store
    finally:
        await store.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def connect(room: Room) -> tuple[Peer, Recorder]:
    recorder = Recorder()
    recorder.peer = peer = room.connect(
        recorder, Session(Role.PARTICIPANT), queue_limit=64, label="t"
    )
    return peer, recorder


def note_updates(count: int) -> list[bytes]:
    doc: Doc[Any] = Doc()
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for i in range(count):
        doc.get("notes", type=Map)[f"n{i}"] = i
    return updates


async def test_a_failed_compaction_is_logged_with_its_room_and_waits_before_the_next_try(
    store: FailingStore, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    keeper = Keeper(store, LocalBus("test"), compact_threshold=5, clock=clock)
    room = Room(KEY, Doc(), keeper)
    keeper.opened(room, 0, "")
    writer, _ = connect(room)
    updates = note_updates(31)
    store.fail_compactions = True
    async with asyncio.timeout(5):
        for update in updates[:30]:
            room.receive(writer, encode_sync_update(update))
            await settle()
        # One try at the threshold; the 25 updates after it did not retry.
        assert store.compactions == 1
        failures = [r for r in caplog.records if "compaction failed" in r.getMessage()]
        assert [r.getMessage() for r in failures] == [
            "room w/r1: compaction failed (1 in a row); next try in 5 s"
        ]
        assert failures[0].exc_info is not None
        # Once the wait is over and the store works, the next update compacts.
        store.fail_compactions = False
        clock.now += 5.0
        room.receive(writer, encode_sync_update(updates[30]))
        await settle()
        await keeper.settled(room)
        assert store.compactions == 2
        assert await store.log_length(KEY) == 0
        stored = await store.load_doc(KEY)
    rebuilt: Doc[Any] = Doc()
    assert stored.snapshot is not None
    rebuilt.apply_update(stored.snapshot)
    assert rebuilt.get("notes", type=Map).to_py() == {f"n{i}": float(i) for i in range(31)}
    writer.close(1000, "test over")


async def test_an_update_the_log_refuses_reaches_nobody_and_every_client_resyncs(
    store: FailingStore, caplog: pytest.LogCaptureFixture
) -> None:
    registry = RoomRegistry(store, LocalBus("test"), idle_seconds=60, compact_threshold=500)
    first, lost = note_updates(2)
    async with asyncio.timeout(5):
        room = await registry.acquire(KEY)
        (writer, rec_writer), (_, rec_other) = connect(room), connect(room)
        room.receive(writer, encode_sync_update(first))
        await settle()
        assert rec_other.frames[-1] == encode_sync_update(first)
        rec_other.clear()
        store.fail_appends = True
        room.receive(writer, encode_sync_update(lost))
        await settle()
        # Nobody heard the update the log refused; everyone is told to reconnect.
        assert rec_other.frames == []
        refused = (1013, "The board could not be saved; reconnecting.")
        assert rec_writer.closed == rec_other.closed == refused
        assert room.closed
        assert "room w/r1: the log refused an update (disk full)" in caplog.text
        # The store works again; the writer reconnects to a fresh room and
        # resends what it has (its sync step 2), which is kept this time.
        store.fail_appends = False
        fresh = await registry.acquire(KEY)
        assert fresh is not room
        assert fresh.doc.get("notes", type=Map).to_py() == {"n0": 0.0}
        again, _ = connect(fresh)
        fresh.receive(again, encode_sync_update(lost))
        await settle()
        await store.flush()
        stored = await store.load_doc(KEY)
    rebuilt: Doc[Any] = Doc()
    for update in stored.updates:
        rebuilt.apply_update(update)
    assert rebuilt.get("notes", type=Map).to_py() == {"n0": 0.0, "n1": 1.0}
    again.close(1000, "test over")
    await registry.close()
