"""The Store contract: every store implementation must pass these tests unchanged.

To add a backend, add its name to STORE_KINDS and a branch to build_store.
"""

from __future__ import annotations

import asyncio
import pathlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from pycrdt import Doc, Map, Subscription, Text, TransactionEvent
from rediskit import REDIS_URL, delete_prefix, stored_under

from board_server.model import (
    AuditEntry,
    BinEntry,
    CastResult,
    Draft,
    Participant,
    RoomInfo,
    RoomKey,
    StoredDoc,
    Tally,
    Versioned,
    VoteKey,
    VoteRules,
    Workshop,
)
from board_server.storage import Store, StoreError
from board_server.storage.base import Cursor
from board_server.storage.dump import WorkshopDump
from board_server.storage.redis import RedisStore
from board_server.storage.sqlite import SQLiteStore

STORE_KINDS = ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]

OpenStore = Callable[[], Awaitable[Store]]


def build_store(kind: str, tmp_path: pathlib.Path, prefix: str, node_id: str) -> Store:
    """A new, unstarted store; every store built for one tmp_path and prefix shares the
    same data."""
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "data" / "board.sqlite3")
    if kind == "redis":
        return RedisStore(REDIS_URL, prefix=prefix, node_id=node_id)
    raise AssertionError(f"unknown store kind {kind!r}")


@pytest.fixture(params=STORE_KINDS)
async def open_store(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> AsyncIterator[OpenStore]:
    """Opens stores on this test's data; closes every one of them after the test."""
    opened: list[Store] = []
    # Unique even when two test sessions share one Redis.
    prefix = f"test:{tmp_path.name}:{secrets.token_hex(4)}:"

    async def open_() -> Store:
        store = build_store(request.param, tmp_path, prefix, f"node{len(opened) + 1}")
        async with asyncio.timeout(5):
            await store.start()
        opened.append(store)
        return store

    yield open_
    try:
        for store in opened:
            async with asyncio.timeout(10):
                await store.close()
    finally:
        if request.param == "redis":
            await delete_prefix(prefix)


@pytest.fixture
async def store(open_store: OpenStore) -> Store:
    return await open_store()


def make_workshop(
    workshop_id: str = "w1", join_code: str = "ABC123", created: float = 1000.0
) -> Workshop:
    return Workshop(
        id=workshop_id,
        title=f"Housing futures {workshop_id}",
        join_code=join_code,
        created=created,
        rooms=(RoomInfo("r1", "Table 1"), RoomInfo("r2", "Table 2")),
        room_capacity=8,
    )


def make_participant(pid: str, workshop_id: str, room_id: str) -> Participant:
    return Participant(id=pid, workshop_id=workshop_id, room_id=room_id, name=pid, created=5.0)


class Board:
    """A pycrdt Doc that records every update it emits, like a room's live document."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()
        self.updates: list[bytes] = []
        self._sub: Subscription = self.doc.observe(self._record)

    def _record(self, event: TransactionEvent) -> None:
        self.updates.append(event.update)

    def add_note(self, note_id: str, text: str) -> None:
        self.doc.get("notes", type=Map)[note_id] = Map({"text": Text(text), "x": 10})

    def edit_title(self, text: str) -> None:
        self.doc.get("title", type=Text).insert(0, text)

    def take_updates(self) -> list[bytes]:
        taken, self.updates = self.updates, []
        return taken


def content(doc: Doc[Any]) -> dict[str, object]:
    return {
        "title": str(doc.get("title", type=Text)),
        "notes": doc.get("notes", type=Map).to_py(),
    }


def parts(stored: StoredDoc) -> tuple[bytes | None, list[bytes]]:
    """What a stored document holds, without its cursor."""
    return stored.snapshot, stored.updates


def position(cursor: Cursor) -> tuple[int, ...]:
    """A cursor's place in its log, for comparing two; both stores' cursors are
    decimal numbers joined by "-" (an SQLite seq, a Redis stream id)."""
    return tuple(int(part) for part in cursor.split("-")) if cursor else ()


class Logged:
    """An on_logged callback that records the cursors it is given, in order."""

    def __init__(self) -> None:
        self.cursors: list[Cursor] = []
        self._changed = asyncio.Event()

    def __call__(self, cursor: Cursor) -> None:
        self.cursors.append(cursor)
        self._changed.set()

    async def wait_for(self, count: int) -> list[Cursor]:
        """The cursors, once there are ``count`` of them."""
        while len(self.cursors) < count:
            self._changed.clear()
            await self._changed.wait()
        return self.cursors


def rebuild(stored: StoredDoc) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    if stored.snapshot is not None:
        doc.apply_update(stored.snapshot)
    for update in stored.updates:
        doc.apply_update(update)
    return doc


def append_all(store: Store, room: RoomKey, updates: list[bytes]) -> Logged:
    """Append the updates; the callback that records their cursors."""
    logged = Logged()
    for update in updates:
        store.append_update(room, update, logged)
    return logged


ROOM = RoomKey("w1", "r1")


# Workshops and participants.
async def test_create_then_get_workshop(store: Store) -> None:
    workshop = make_workshop()
    async with asyncio.timeout(5):
        await store.create_workshop(workshop)
        assert await store.get_workshop("w1") == workshop
        assert await store.get_workshop("nope") is None


async def test_find_by_code_ignores_case_and_whitespace(store: Store) -> None:
    workshop = make_workshop(join_code="K7Q2MX")
    async with asyncio.timeout(5):
        await store.create_workshop(workshop)
        assert await store.find_workshop_by_code("K7Q2MX") == workshop
        assert await store.find_workshop_by_code("  k7q2Mx\n") == workshop
        assert await store.find_workshop_by_code("K7Q2M") is None


async def test_list_workshops_oldest_first(store: Store) -> None:
    late = make_workshop("late", "CODE3", created=300.0)
    early = make_workshop("early", "CODE1", created=100.0)
    middle = make_workshop("middle", "CODE2", created=200.0)
    async with asyncio.timeout(5):
        assert await store.list_workshops() == []
        for workshop in (late, early, middle):
            await store.create_workshop(workshop)
        assert await store.list_workshops() == [early, middle, late]


async def test_duplicate_id_raises(store: Store) -> None:
    first = make_workshop("w1", "CODE1")
    async with asyncio.timeout(5):
        await store.create_workshop(first)
        with pytest.raises(StoreError):
            await store.create_workshop(make_workshop("w1", "CODE2"))
        assert await store.list_workshops() == [first]


async def test_duplicate_join_code_raises_whatever_its_case(store: Store) -> None:
    first = make_workshop("w1", "CODE1")
    async with asyncio.timeout(5):
        await store.create_workshop(first)
        with pytest.raises(StoreError):
            await store.create_workshop(make_workshop("w2", "code1"))
        assert await store.list_workshops() == [first]
        assert await store.get_workshop("w2") is None


async def seat(store: Store, p: Participant, capacity: int = 8, lapse_before: float = 0.0) -> bool:
    return await store.seat_participant(p, capacity=capacity, lapse_before=lapse_before)


async def test_headcounts_per_room(store: Store) -> None:
    async with asyncio.timeout(5):
        await store.create_workshop(make_workshop("w1", "CODE1"))
        await store.create_workshop(make_workshop("w2", "CODE2"))
        assert await store.room_headcounts("w1", lapse_before=0.0) == {}
        for pid, room_id in [("a", "r1"), ("b", "r1"), ("c", "r2"), ("d", "r1")]:
            assert await seat(store, make_participant(pid, "w1", room_id))
        assert await seat(store, make_participant("e", "w2", "r1"))
        assert await store.room_headcounts("w1", lapse_before=0.0) == {"r1": 3, "r2": 1}
        assert await store.room_headcounts("w2", lapse_before=0.0) == {"r1": 1}
        assert await store.get_participant("w1", "c") == make_participant("c", "w1", "r2")
        assert await store.get_participant("w2", "c") is None


async def test_a_full_room_refuses_a_seat_and_writes_nothing(store: Store) -> None:
    async with asyncio.timeout(5):
        for pid in ("a", "b"):
            assert await seat(store, make_participant(pid, "w1", "r1"), capacity=2)
        assert not await seat(store, make_participant("c", "w1", "r1"), capacity=2)
        assert await store.get_participant("w1", "c") is None
        # Someone already seated there may come back, rename or rejoin.
        assert await seat(store, replace(make_participant("a", "w1", "r1"), name="Al"), capacity=2)
        assert (await store.get_participant("w1", "a")) == replace(
            make_participant("a", "w1", "r1"), name="Al"
        )
        assert await store.room_headcounts("w1", lapse_before=0.0) == {"r1": 2}


async def test_seats_never_taken_lapse_and_connected_ones_stay(store: Store) -> None:
    async with asyncio.timeout(5):
        early = replace(make_participant("early", "w1", "r1"), created=10.0)
        late = replace(make_participant("late", "w1", "r1"), created=20.0)
        assert await seat(store, early, capacity=2) and await seat(store, late, capacity=2)
        claimed = await store.claim_seat("w1", "early", capacity=2, lapse_before=0.0, now=11.0)
        assert claimed == replace(early, connected=11.0)
        # Later: "late" never connected and its grace is over; "early" is offline
        # overnight but connected once, so it keeps its seat.
        assert await store.room_headcounts("w1", lapse_before=30.0) == {"r1": 1}
        newcomer = replace(make_participant("new", "w1", "r1"), created=40.0)
        assert await seat(store, newcomer, capacity=2, lapse_before=30.0)
        # The lapsed join connects at last: its seat has gone, the room is full.
        refused = await store.claim_seat("w1", "late", capacity=2, lapse_before=30.0, now=41.0)
        assert refused is None
        assert (await store.get_participant("w1", "late")) == late
        # A connected participant claims again (a reconnect) whatever the count.
        again = await store.claim_seat("w1", "early", capacity=1, lapse_before=30.0, now=42.0)
        assert again == replace(early, connected=11.0)


async def test_a_lapsed_seat_is_taken_again_when_the_room_has_room(store: Store) -> None:
    async with asyncio.timeout(5):
        late = replace(make_participant("late", "w1", "r1"), created=20.0)
        assert await seat(store, late, capacity=2)
        claimed = await store.claim_seat("w1", "late", capacity=2, lapse_before=30.0, now=50.0)
        assert claimed == replace(late, connected=50.0)


async def test_leaving_frees_the_seat_at_once(store: Store) -> None:
    async with asyncio.timeout(5):
        for pid in ("a", "b"):
            assert await seat(store, make_participant(pid, "w1", "r1"), capacity=2)
        assert await store.leave("w1", "a", now=7.0)
        assert not await store.leave("w1", "a", now=8.0)
        assert not await store.leave("w1", "nobody", now=8.0)
        assert await store.room_headcounts("w1", lapse_before=0.0) == {"r1": 1}
        assert (await store.get_participant("w1", "a")) == replace(
            make_participant("a", "w1", "r1"), left=7.0
        )
        assert await store.claim_seat("w1", "a", capacity=2, lapse_before=0.0, now=9.0) is None
        assert await seat(store, make_participant("c", "w1", "r1"), capacity=2)


async def test_moving_rooms_needs_a_seat_in_the_new_room(store: Store) -> None:
    async with asyncio.timeout(5):
        assert await seat(store, make_participant("a", "w1", "r1"), capacity=1)
        assert await seat(store, make_participant("b", "w1", "r2"), capacity=1)
        assert not await seat(store, make_participant("a", "w1", "r2"), capacity=1)
        assert await store.room_headcounts("w1", lapse_before=0.0) == {"r1": 1, "r2": 1}
        assert await store.leave("w1", "b", now=9.0)
        assert await seat(store, make_participant("a", "w1", "r2"), capacity=1)
        assert await store.room_headcounts("w1", lapse_before=0.0) == {"r2": 1}


async def test_concurrent_joins_never_overfill_a_room(store: Store) -> None:
    async with asyncio.timeout(10):
        results = await asyncio.gather(
            *(seat(store, make_participant(f"p{i}", "w1", "r1"), capacity=5) for i in range(20))
        )
        assert sum(results) == 5
        assert await store.room_headcounts("w1", lapse_before=0.0) == {"r1": 5}


async def emptiest(
    store: Store, p: Participant, rooms: list[str], capacity: int
) -> Participant | None:
    return await store.seat_in_emptiest(p, rooms, capacity=capacity, lapse_before=0.0)


async def test_seat_in_emptiest_takes_the_emptiest_room_with_a_free_seat(store: Store) -> None:
    rooms = ["r1", "r2", "r3"]
    async with asyncio.timeout(5):
        for pid, room in [("a", "r1"), ("b", "r1"), ("c", "r2")]:
            assert await seat(store, make_participant(pid, "w1", room), capacity=2)
        placed = await emptiest(store, make_participant("d", "w1", ""), rooms, 2)
        assert placed == make_participant("d", "w1", "r3")
        assert await store.get_participant("w1", "d") == placed
        # r2 and r3 hold one each: a tie goes to the first in order.
        placed = await emptiest(store, make_participant("e", "w1", ""), rooms, 2)
        assert placed is not None and placed.room_id == "r2"
        placed = await emptiest(store, make_participant("f", "w1", ""), rooms, 2)
        assert placed is not None and placed.room_id == "r3"
        # Every room is full: nothing is written.
        assert await emptiest(store, make_participant("g", "w1", ""), rooms, 2) is None
        assert await store.get_participant("w1", "g") is None
        assert await store.room_headcounts("w1", lapse_before=0.0) == {"r1": 2, "r2": 2, "r3": 2}
        # The participant's own seat does not count against it.
        moved = await emptiest(store, make_participant("a", "w1", "r1"), ["r2", "r1"], 2)
        assert moved == make_participant("a", "w1", "r1")


async def test_seats_in_emptiest_taken_at_once_spread_evenly(store: Store) -> None:
    rooms = ["r1", "r2", "r3", "r4"]
    async with asyncio.timeout(10):
        placed = await asyncio.gather(
            *(emptiest(store, make_participant(f"p{i}", "w1", ""), rooms, 10) for i in range(8))
        )
        assert all(p is not None for p in placed)
        assert await store.room_headcounts("w1", lapse_before=0.0) == {r: 2 for r in rooms}


async def test_an_id_of_another_workshop_is_refused(store: Store) -> None:
    async with asyncio.timeout(5):
        assert await seat(store, make_participant("a", "w1", "r1"))
        with pytest.raises(StoreError, match="another workshop"):
            await seat(store, make_participant("a", "w2", "r1"))
        assert await store.get_participant("w2", "a") is None
        assert await store.get_participant("w1", "a") == make_participant("a", "w1", "r1")
        assert await store.room_headcounts("w2", lapse_before=0.0) == {}


async def test_participant_times_round_trip_exactly(store: Store) -> None:
    p = replace(make_participant("a", "w1", "r1"), created=1_712_345_678.123_456_7)
    async with asyncio.timeout(5):
        assert await seat(store, p, lapse_before=1_712_345_678.123_456_7)
        claimed = await store.claim_seat(
            "w1", "a", capacity=8, lapse_before=1_712_345_678.123_456_7, now=0.1 + 0.2
        )
        assert claimed == replace(p, connected=0.1 + 0.2)
        assert await store.get_participant("w1", "a") == replace(p, connected=0.1 + 0.2)


async def test_list_participants_oldest_first_with_those_who_left(store: Store) -> None:
    def joined(pid: str, workshop_id: str, room_id: str, created: float) -> Participant:
        return replace(make_participant(pid, workshop_id, room_id), created=created)

    async with asyncio.timeout(5):
        assert await store.list_participants("w1") == []
        for p in [joined("c", "w1", "r1", 30.0), joined("a", "w1", "r2", 10.0),
                  joined("b", "w1", "r1", 20.0), joined("z", "w1", "r2", 20.0),
                  joined("d", "w2", "r1", 5.0)]:  # fmt: skip
            assert await seat(store, p)
        assert await store.leave("w1", "b", now=40.0)
        claimed = await store.claim_seat("w1", "c", capacity=8, lapse_before=0.0, now=41.0)
        assert claimed is not None
        # Moving rooms rewrites the participant; it is still listed once.
        assert await seat(store, joined("a", "w1", "r1", 10.0))
        assert await store.list_participants("w1") == [
            joined("a", "w1", "r1", 10.0),
            replace(joined("b", "w1", "r1", 20.0), left=40.0),
            joined("z", "w1", "r2", 20.0),
            replace(joined("c", "w1", "r1", 30.0), connected=41.0),
        ]
        assert await store.list_participants("w2") == [joined("d", "w2", "r1", 5.0)]
        assert await store.list_participants("nope") == []


# Control state, audit and presence.
def audit_entry(i: int, room: str | None = "r1") -> AuditEntry:
    return AuditEntry(
        at=1_712_345_678.5 + i,
        actor="Facilitator",
        actor_id="f1",
        action=f"phase.set {i}",
        room=room,
        detail=f"phase {i}",
    )


async def test_control_starts_empty_and_each_put_adds_one_to_the_version(store: Store) -> None:
    async with asyncio.timeout(5):
        assert await store.get_control("w1") is None
        assert await store.list_audit("w1", 10) == []
        assert await store.put_control("w1", 0, b"first", audit_entry(0))
        assert await store.get_control("w1") == Versioned(1, b"first")
        assert await store.put_control("w1", 1, b"second")
        assert await store.get_control("w1") == Versioned(2, b"second")
        assert await store.put_control("w1", 2, b"")
        assert await store.get_control("w1") == Versioned(3, b"")
        assert await store.list_audit("w1", 10) == [audit_entry(0)]
        assert await store.get_control("w2") is None
        assert await store.list_audit("w2", 10) == []


async def test_a_put_on_another_version_writes_nothing(store: Store) -> None:
    async with asyncio.timeout(5):
        assert not await store.put_control("w1", 1, b"ahead of nothing", audit_entry(9))
        assert await store.get_control("w1") is None
        assert await store.list_audit("w1", 10) == []
        assert await store.put_control("w1", 0, b"first", audit_entry(0))
        for expected in (0, 2, -1):
            assert not await store.put_control("w1", expected, b"stale", audit_entry(expected))
        assert await store.get_control("w1") == Versioned(1, b"first")
        assert await store.list_audit("w1", 10) == [audit_entry(0)]


async def test_concurrent_puts_on_one_version_let_exactly_one_win(
    store: Store, open_store: OpenStore
) -> None:
    second = await open_store()
    stores = (store, second)
    async with asyncio.timeout(10):
        results = await asyncio.gather(
            *(
                stores[i % 2].put_control("w1", 0, f"put {i}".encode(), audit_entry(i))
                for i in range(20)
            )
        )
        assert sum(results) == 1
        winner = results.index(True)
        for s in stores:
            assert await s.get_control("w1") == Versioned(1, f"put {winner}".encode())
            assert await s.list_audit("w1", 10) == [audit_entry(winner)]


async def test_read_modify_write_from_two_stores_loses_no_update(
    store: Store, open_store: OpenStore
) -> None:
    second = await open_store()

    async def increment(s: Store, i: int) -> None:
        while True:
            current = await s.get_control("w1")
            version, count = (current.version, int(current.data)) if current else (0, 0)
            if await s.put_control("w1", version, str(count + 1).encode(), audit_entry(i)):
                return

    async with asyncio.timeout(20):
        await asyncio.gather(*(increment((store, second)[i % 2], i) for i in range(10)))
        assert await store.get_control("w1") == Versioned(10, b"10")
        audit = await second.list_audit("w1", 20)
    assert sorted(entry.action for entry in audit) == sorted(f"phase.set {i}" for i in range(10))


async def test_audit_is_newest_first_and_limited(store: Store) -> None:
    odd = replace(audit_entry(3, room=None), at=0.1 + 0.2, detail="")
    entries = [audit_entry(0), audit_entry(1, room="r2"), audit_entry(2), odd, audit_entry(4)]
    async with asyncio.timeout(5):
        for version, entry in enumerate(entries):
            assert await store.put_control("w1", version, b"state", entry)
        assert await store.put_control("w2", 0, b"other", audit_entry(7))
        assert await store.list_audit("w1", 3) == [audit_entry(4), odd, audit_entry(2)]
        assert await store.list_audit("w1", 5) == entries[::-1]
        assert await store.list_audit("w1", 100) == entries[::-1]
        assert await store.list_audit("w1", 1) == [audit_entry(4)]
        assert await store.list_audit("w1", 0) == []
        assert await store.list_audit("w2", 100) == [audit_entry(7)]


async def test_control_and_audit_survive_reopen(store: Store, open_store: OpenStore) -> None:
    async with asyncio.timeout(5):
        assert await store.put_control("w1", 0, b"one", audit_entry(0))
        assert await store.put_control("w1", 1, b"two", audit_entry(1))
        await store.close()
        reopened = await open_store()
        assert await reopened.get_control("w1") == Versioned(2, b"two")
        assert await reopened.list_audit("w1", 10) == [audit_entry(1), audit_entry(0)]
        assert not await reopened.put_control("w1", 0, b"stale", audit_entry(8))
        assert await reopened.put_control("w1", 2, b"three", audit_entry(2))
        assert await reopened.get_control("w1") == Versioned(3, b"three")
        assert await reopened.list_audit("w1", 2) == [audit_entry(2), audit_entry(1)]


async def test_presence_lasts_until_its_time(store: Store) -> None:
    async with asyncio.timeout(5):
        assert await store.online("w1", 0.0) == set()
        await store.touch_presence("w1", ["a", "b"], until=100.0)
        await store.touch_presence("w1", [], until=500.0)
        assert await store.online("w1", 50.0) == {"a", "b"}
        assert await store.online("w1", 99.5) == {"a", "b"}
        # Online until the time, not at it.
        assert await store.online("w1", 100.0) == set()
        await store.touch_presence("w1", ["a"], until=200.0)
        assert await store.online("w1", 150.0) == {"a"}
        assert await store.online("w1", 50.0) == {"a", "b"}


async def test_presence_touched_with_a_past_time_is_offline(store: Store) -> None:
    async with asyncio.timeout(5):
        await store.touch_presence("w1", ["a", "b", "c"], until=100.0)
        await store.touch_presence("w1", ["a", "c"], until=10.0)
        assert await store.online("w1", 50.0) == {"b"}
        await store.touch_presence("w1", ["a"], until=60.0)
        assert await store.online("w1", 50.0) == {"a", "b"}


async def test_presence_is_per_workshop(store: Store) -> None:
    async with asyncio.timeout(5):
        await store.touch_presence("w1", ["a"], until=100.0)
        await store.touch_presence("w2", ["b"], until=100.0)
        await store.touch_presence("w2", ["a"], until=10.0)
        assert await store.online("w1", 50.0) == {"a"}
        assert await store.online("w2", 50.0) == {"b"}
        assert await store.online("w3", 50.0) == set()


# Documents.
async def test_unknown_room_is_empty(store: Store) -> None:
    async with asyncio.timeout(5):
        assert await store.load_doc(ROOM) == StoredDoc(snapshot=None, updates=[], cursor="")
        assert await store.log_length(ROOM) == 0
        assert store.health() is None


async def test_updates_round_trip(store: Store) -> None:
    board = Board()
    board.add_note("n1", "more social housing")
    board.edit_title("Housing")
    board.add_note("n2", "rent caps")
    updates = board.take_updates()
    async with asyncio.timeout(5):
        logged = append_all(store, ROOM, updates)
        await store.flush()
        stored = await store.load_doc(ROOM)
        assert await store.log_length(ROOM) == 3
    assert parts(stored) == (None, updates)
    assert stored.cursor == logged.cursors[-1]
    assert content(rebuild(stored)) == {
        "title": "Housing",
        "notes": {
            "n1": {"text": "more social housing", "x": 10.0},
            "n2": {"text": "rent caps", "x": 10.0},
        },
    }


async def test_on_logged_runs_once_per_append_in_order(store: Store) -> None:
    other = RoomKey("w1", "r2")
    calls: list[tuple[RoomKey, int, Cursor]] = []

    def recorder(room: RoomKey, i: int) -> Callable[[Cursor], None]:
        return lambda cursor: calls.append((room, i, cursor))

    async with asyncio.timeout(5):
        for i in range(6):
            room = ROOM if i % 3 else other
            store.append_update(room, f"update {i}".encode(), recorder(room, i))
        await store.flush()
        await store.flush()
    assert [(room, i) for room, i, _ in calls] == [
        (other, 0), (ROOM, 1), (ROOM, 2), (other, 3), (ROOM, 4), (ROOM, 5),
    ]  # fmt: skip
    for room in (ROOM, other):
        cursors = [position(cursor) for r, _, cursor in calls if r == room]
        assert cursors == sorted(set(cursors))
        assert cursors[0] > position("")


async def test_load_cursor_is_the_last_updates(store: Store) -> None:
    other = RoomKey("w1", "r2")
    async with asyncio.timeout(5):
        in_room = append_all(store, ROOM, [b"\x00\x00", b"\x00\x00"])
        in_other = append_all(store, other, [b"\x00\x00"])
        await store.flush()
        assert (await store.load_doc(ROOM)).cursor == in_room.cursors[1]
        assert (await store.load_doc(other)).cursor == in_other.cursors[0]


async def test_load_includes_updates_not_yet_flushed(store: Store) -> None:
    board = Board()
    board.add_note("n1", "a")
    board.add_note("n2", "b")
    updates = board.take_updates()
    async with asyncio.timeout(5):
        logged = append_all(store, ROOM, updates)
        assert parts(await store.load_doc(ROOM)) == (None, updates)
        assert await store.log_length(ROOM) == 2
        await store.flush()
        stored = await store.load_doc(ROOM)
        assert parts(stored) == (None, updates)
        assert stored.cursor == logged.cursors[-1]


async def test_concurrent_flushes_store_each_update_once(store: Store) -> None:
    board = Board()
    for i in range(3):
        board.add_note(f"n{i}", str(i))
    updates = board.take_updates()
    async with asyncio.timeout(5):
        logged = append_all(store, ROOM, updates)
        loaded = await asyncio.gather(store.load_doc(ROOM), store.flush(), store.flush())
        assert parts(loaded[0]) == (None, updates)
        assert await store.load_doc(ROOM) == StoredDoc(None, updates, logged.cursors[-1])
        assert await store.log_length(ROOM) == 3


async def test_compact_keeps_content_and_empties_log(store: Store) -> None:
    board = Board()
    board.add_note("n1", "a")
    board.edit_title("T")
    async with asyncio.timeout(5):
        # Not flushed (in a store that reports cursors before writing): the
        # snapshot must also replace updates still pending.
        logged = append_all(store, ROOM, board.take_updates())
        upto = (await logged.wait_for(2))[-1]
        snapshot = board.doc.get_update()
        assert await store.compact(ROOM, snapshot, upto)
        assert await store.load_doc(ROOM) == StoredDoc(snapshot, [], upto)
        assert await store.log_length(ROOM) == 0
        await store.flush()
        stored = await store.load_doc(ROOM)
    assert stored == StoredDoc(snapshot, [], upto)
    assert content(rebuild(stored)) == content(board.doc)


async def test_updates_after_compact_survive(store: Store) -> None:
    board = Board()
    board.add_note("n1", "before")
    async with asyncio.timeout(5):
        upto = (await append_all(store, ROOM, board.take_updates()).wait_for(1))[-1]
        snapshot = board.doc.get_update()
        compacting = asyncio.create_task(store.compact(ROOM, snapshot, upto))
        await asyncio.sleep(0)  # compact has been called; what follows is after it
        board.add_note("n2", "during")
        during = board.take_updates()
        append_all(store, ROOM, during)
        assert await compacting
        board.add_note("n3", "after")
        after = board.take_updates()
        logged = append_all(store, ROOM, after)
        assert await store.log_length(ROOM) == 2
        await store.flush()
        stored = await store.load_doc(ROOM)
    assert stored == StoredDoc(snapshot, during + after, logged.cursors[-1])
    assert content(rebuild(stored))["notes"] == {
        "n1": {"text": "before", "x": 10.0},
        "n2": {"text": "during", "x": 10.0},
        "n3": {"text": "after", "x": 10.0},
    }


async def test_compact_up_to_a_middle_cursor_keeps_the_later_updates(
    store: Store, open_store: OpenStore
) -> None:
    board = Board()
    board.add_note("n1", "folded")
    board.edit_title("Folded")
    snapshot = board.doc.get_update()
    board.add_note("n2", "kept")
    board.add_note("n3", "kept too")
    updates = board.take_updates()
    async with asyncio.timeout(5):
        cursors = await append_all(store, ROOM, updates).wait_for(4)
        assert await store.compact(ROOM, snapshot, cursors[1])
        expected = StoredDoc(snapshot, updates[2:], cursors[3])
        assert await store.load_doc(ROOM) == expected
        assert await store.log_length(ROOM) == 2
        await store.close()
        reopened = await open_store()
        stored = await reopened.load_doc(ROOM)
        assert await reopened.log_length(ROOM) == 2
    assert stored == expected
    assert content(rebuild(stored)) == content(board.doc)


async def test_a_stale_compact_changes_nothing(store: Store) -> None:
    board = Board()
    for i in range(3):
        board.add_note(f"n{i}", str(i))
    updates = board.take_updates()
    async with asyncio.timeout(5):
        cursors = await append_all(store, ROOM, updates).wait_for(3)
        newer = board.doc.get_update()
        assert await store.compact(ROOM, newer, cursors[1])
        # A slower compactor arrives with a snapshot that covers less, or as much.
        assert await store.compact(ROOM, b"older", cursors[0])
        assert await store.compact(ROOM, b"as old", cursors[1])
        await store.flush()
        assert await store.load_doc(ROOM) == StoredDoc(newer, updates[2:], cursors[2])
        assert await store.log_length(ROOM) == 1


async def test_rooms_are_independent(store: Store) -> None:
    rooms = [RoomKey(w, r) for w in ("w1", "w2") for r in ("r1", "r2", "r3")]
    boards = {room: Board() for room in rooms}
    logged = {room: Logged() for room in rooms}
    for i, (room, board) in enumerate(boards.items()):
        board.add_note("n", f"note {i}")
        board.edit_title(str(room))
    async with asyncio.timeout(5):
        # Interleave rooms so that each commit mixes them.
        for _ in range(2):
            for room, board in boards.items():
                store.append_update(room, board.updates.pop(0), logged[room])
        compacted = RoomKey("w2", "r1")
        upto = (await logged[compacted].wait_for(2))[-1]
        assert await store.compact(compacted, boards[compacted].doc.get_update(), upto)
        await store.flush()
        for room, board in boards.items():
            stored = await store.load_doc(room)
            assert content(rebuild(stored)) == content(board.doc)
            assert stored.cursor == logged[room].cursors[-1]
            assert await store.log_length(room) == (0 if room == compacted else 2)


async def test_reopen_sees_everything(store: Store, open_store: OpenStore) -> None:
    workshop = make_workshop()
    board = Board()
    board.add_note("n1", "kept in snapshot")
    compacted_room = RoomKey("w1", "r2")
    async with asyncio.timeout(5):
        await store.create_workshop(workshop)
        assert await seat(store, make_participant("p1", "w1", "r1"))
        upto = (await append_all(store, compacted_room, board.updates).wait_for(1))[-1]
        snapshot = board.doc.get_update()
        assert await store.compact(compacted_room, snapshot, upto)
        other = Board()
        other.add_note("n1", "flushed")
        other.add_note("n2", "appended right before close")
        logged = Logged()
        store.append_update(ROOM, other.updates[0], logged)
        await store.flush()
        store.append_update(ROOM, other.updates[1], logged)
        await store.close()

        reopened = await open_store()
        assert await reopened.get_workshop("w1") == workshop
        assert await reopened.room_headcounts("w1", lapse_before=0.0) == {"r1": 1}
        assert await reopened.load_doc(ROOM) == StoredDoc(None, other.updates, logged.cursors[1])
        assert await reopened.load_doc(compacted_room) == StoredDoc(snapshot, [], upto)


async def test_a_second_store_sees_everything_and_logs_after_the_first(
    store: Store, open_store: OpenStore
) -> None:
    board = Board()
    board.add_note("n1", "from the first")
    board.add_note("n2", "from the first too")
    async with asyncio.timeout(5):
        await store.create_workshop(make_workshop())
        assert await seat(store, make_participant("p1", "w1", "r1"))
        before = board.take_updates()
        firsts = append_all(store, ROOM, before)
        await store.flush()

        second = await open_store()
        assert await second.get_workshop("w1") == make_workshop()
        assert await second.room_headcounts("w1", lapse_before=0.0) == {"r1": 1}
        assert await second.load_doc(ROOM) == StoredDoc(None, before, firsts.cursors[1])
        board.add_note("n3", "from the second")
        (update,) = board.take_updates()
        seconds = append_all(second, ROOM, [update])
        await second.flush()
        assert position(seconds.cursors[0]) > position(firsts.cursors[1])
        stored = await store.load_doc(ROOM)
        assert parts(stored) == (None, [*before, update])
        assert stored.cursor == seconds.cursors[0]
        assert content(rebuild(stored)) == content(board.doc)


async def test_updates_durable_without_flush_or_close(store: Store, open_store: OpenStore) -> None:
    board = Board()
    board.add_note("n1", "must survive a crash")
    async with asyncio.timeout(5):
        (cursor,) = await append_all(store, ROOM, board.updates).wait_for(1)
        second = await open_store()
        # Nothing here flushes: the first store writes on its own (SQLite: within
        # its commit interval; Redis: before on_logged).
        while (await second.load_doc(ROOM)).updates != board.updates:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        assert await second.load_doc(ROOM) == StoredDoc(None, board.updates, cursor)


async def test_close_is_idempotent(store: Store, open_store: OpenStore) -> None:
    async with asyncio.timeout(5):
        store.append_update(ROOM, b"\x00\x00")
        await store.close()
        await store.close()
        reopened = await open_store()
        assert await reopened.log_length(ROOM) == 1


async def test_a_closed_store_takes_no_appends(store: Store) -> None:
    async with asyncio.timeout(5):
        await store.close()
        logged = Logged()
        with pytest.raises(StoreError):
            store.append_update(ROOM, b"\x00\x00", logged)
        with pytest.raises(StoreError):
            await store.flush()
    assert logged.cursors == []


# Votes.
VOTE = VoteKey("w1", "v1")
DOTS = VoteRules("dots", budget=3, cap=2)


async def casts(
    store: Store, participant_id: str, moves: list[tuple[str, int]], rules: VoteRules = DOTS
) -> list[str | None]:
    """Each cast in turn; the refusals (None for a cast taken)."""
    return [
        (await store.cast_vote(VOTE, participant_id, item, amount, rules)).refused
        for item, amount in moves
    ]


async def test_dots_hold_the_budget_and_the_cap_and_can_be_taken_back(store: Store) -> None:
    moves = [("a", 1), ("a", 1), ("a", 1), ("b", 1), ("c", 1), ("a", -1), ("c", 1), ("b", -2)]
    assert await casts(store, "p1", moves) == [
        None, None, "over_budget", None, "over_budget", None, None, "invalid"
    ]  # fmt: skip
    assert await store.get_ballot(VOTE, "p1") == {"a": 1, "b": 1, "c": 1}
    assert await store.get_ballot(VOTE, "p2") == {}
    assert await store.vote_voters(VOTE) == {"p1"}


async def test_a_cast_reports_the_ballot_after_it_and_a_refusal_changes_nothing(
    store: Store,
) -> None:
    taken = await store.cast_vote(VOTE, "p1", "a", 2, DOTS)
    refused = await store.cast_vote(VOTE, "p1", "b", 2, DOTS)
    assert taken == CastResult(None, {"a": 2})
    assert refused == CastResult("over_budget", {"a": 2})


async def test_taking_every_dot_back_leaves_no_voter(store: Store) -> None:
    assert await casts(store, "p1", [("a", 1), ("a", -1)]) == [None, None]
    assert await store.get_ballot(VOTE, "p1") == {}
    assert await store.vote_voters(VOTE) == set()


async def test_a_budget_is_split_in_whole_units(store: Store) -> None:
    rules = VoteRules("budget", budget=100, cap=100)
    moves = [("a", 60), ("b", 50), ("b", 40), ("c", 1)]
    assert await casts(store, "p1", moves, rules) == [None, "over_budget", None, "over_budget"]
    assert await store.get_ballot(VOTE, "p1") == {"a": 60, "b": 40}


async def test_a_score_is_set_changed_and_cleared(store: Store) -> None:
    rules = VoteRules("scale")
    moves = [("a", 4), ("a", 2), ("b", 6), ("b", -1), ("c", 5), ("c", 0)]
    assert await casts(store, "p1", moves, rules) == [None, None, "invalid", "invalid", None, None]
    assert await store.get_ballot(VOTE, "p1") == {"a": 2}


async def test_closing_keeps_the_tally_and_forgets_who_gave_what(store: Store) -> None:
    rules = VoteRules("scale")
    assert await store.get_tally(VOTE) is None
    await casts(store, "p1", [("a", 5), ("b", 1)], rules)
    await casts(store, "p2", [("a", 1)], rules)
    await casts(store, "p3", [("a", 5), ("a", 0)], rules)  # changed their mind: no voter
    expected = Tally({"a": 6, "b": 1}, {"a": (1, 0, 0, 0, 1), "b": (1, 0, 0, 0, 0)}, 2)
    assert await store.close_vote(VOTE, "scale") == expected
    assert await store.get_tally(VOTE) == expected
    assert await store.close_vote(VOTE, "scale") == expected
    assert await store.get_ballot(VOTE, "p1") == {}
    assert await store.vote_voters(VOTE) == set()
    late = await store.cast_vote(VOTE, "p4", "a", 3, rules)
    assert late == CastResult("closed", {})
    assert await store.get_tally(VOTE) == expected


async def test_a_named_vote_keeps_who_gave_what_after_closing(
    store: Store, open_store: OpenStore
) -> None:
    await casts(store, "p2", [("b", 1), ("a", 1)])
    await casts(store, "facilitator:f1", [("a", 2)])
    await casts(store, "p1", [("a", 1), ("b", 1), ("b", -1)])
    expected = Tally(
        {"a": 4, "b": 1}, {}, 3,
        {"a": (("facilitator:f1", 2), ("p1", 1), ("p2", 1)), "b": (("p2", 1),)},
    )  # fmt: skip
    assert await store.close_vote(VOTE, "dots", named=True) == expected
    assert await store.close_vote(VOTE, "dots", named=True) == expected
    await store.close()
    assert await (await open_store()).get_tally(VOTE) == expected


async def test_a_dots_tally_has_no_spread(store: Store) -> None:
    await casts(store, "p1", [("a", 2), ("b", 1)])
    await casts(store, "p2", [("b", 1)])
    assert await store.close_vote(VOTE, "dots") == Tally({"a": 2, "b": 2}, {}, 2)


async def test_votes_are_independent(store: Store) -> None:
    other = VoteKey("w1", "v2")
    await casts(store, "p1", [("a", 2)])
    assert (await store.cast_vote(other, "p1", "a", 2, DOTS)).refused is None
    await store.close_vote(other, "dots")
    assert await store.get_ballot(VOTE, "p1") == {"a": 2}
    assert (await store.cast_vote(VOTE, "p1", "b", 1, DOTS)).refused is None


async def test_one_persons_flood_through_two_stores_never_overspends(
    open_store: OpenStore,
) -> None:
    one, two = await open_store(), await open_store()
    items = ["a", "b", "c", "d", "e"]
    results = await asyncio.gather(
        *((one, two)[i % 2].cast_vote(VOTE, "p1", items[i % 5], 1, DOTS) for i in range(200))
    )
    refusals = [r.refused for r in results]
    assert refusals.count(None) == 3
    assert refusals.count("over_budget") == 197
    ballot = await one.get_ballot(VOTE, "p1")
    assert sum(ballot.values()) == 3
    assert max(ballot.values()) <= 2
    assert await two.get_ballot(VOTE, "p1") == ballot


async def test_ballots_survive_reopen(store: Store, open_store: OpenStore) -> None:
    await casts(store, "p1", [("a", 2)])
    await store.close()
    again = await open_store()
    assert await again.get_ballot(VOTE, "p1") == {"a": 2}


# Drafts.
W = "w1"


def draft(draft_id: str, author: str = "p1", room: str = "r1", created: float = 1.0) -> Draft:
    return Draft(draft_id, room, author, created, f"body of {draft_id}".encode())


async def test_a_draft_is_listed_to_its_author_only(store: Store) -> None:
    assert await store.add_draft(W, draft("d2", created=2.0), 100)
    assert await store.add_draft(W, draft("d1", created=1.0), 100)
    assert await store.add_draft(W, draft("d3", author="p2"), 100)
    assert await store.list_drafts(W, "p1") == [draft("d1", created=1.0), draft("d2", created=2.0)]
    assert await store.list_drafts(W, "p2") == [draft("d3", author="p2")]
    assert await store.list_drafts(W, "p3") == []
    assert await store.list_drafts("w2", "p1") == []


async def test_only_the_author_edits_or_deletes_a_draft(store: Store) -> None:
    await store.add_draft(W, draft("d1"), 100)
    assert not await store.edit_draft(W, "d1", "p2", b"theirs")
    assert not await store.delete_draft(W, "d1", "p2")
    assert not await store.edit_draft(W, "nope", "p1", b"x")
    assert not await store.delete_draft(W, "nope", "p1")
    assert await store.edit_draft(W, "d1", "p1", b"mine")
    assert [d.body for d in await store.list_drafts(W, "p1")] == [b"mine"]
    assert await store.delete_draft(W, "d1", "p1")
    assert await store.list_drafts(W, "p1") == []
    assert not await store.delete_draft(W, "d1", "p1")


async def test_counts_are_per_room_and_skip_sealed_drafts(store: Store) -> None:
    for i, room in enumerate(["r1", "r1", "r2"]):
        await store.add_draft(W, draft(f"d{i}", author=f"p{i}", room=room), 100)
    assert await store.count_drafts(W) == {"r1": 2, "r2": 1}
    await store.seal_drafts(W, "r1")
    assert await store.count_drafts(W) == {"r2": 1}
    assert await store.count_drafts("w2") == {}


async def test_the_limit_counts_waiting_drafts_per_author(store: Store) -> None:
    assert await store.add_draft(W, draft("d1"), 2)
    assert await store.add_draft(W, draft("d2"), 2)
    assert not await store.add_draft(W, draft("d3"), 2)
    assert await store.add_draft(W, draft("e1", author="p2"), 2)
    assert [d.id for d in await store.list_drafts(W, "p1")] == ["d1", "d2"]
    # Sealed drafts no longer count: the reveal has them.
    await store.seal_drafts(W, "r1")
    assert await store.add_draft(W, draft("d3"), 2)


async def test_sealing_takes_the_rooms_drafts_and_freezes_them(store: Store) -> None:
    await store.add_draft(W, draft("d1", created=1.0), 100)
    await store.add_draft(W, draft("d2", author="p2", created=2.0), 100)
    await store.add_draft(W, draft("d3", room="r2"), 100)
    sealed = await store.seal_drafts(W, "r1")
    assert sealed == [
        replace(draft("d1", created=1.0), sealed=True),
        replace(draft("d2", author="p2", created=2.0), sealed=True),
    ]
    # The author can no longer change them, nor sees them as waiting.
    assert not await store.edit_draft(W, "d1", "p1", b"late")
    assert not await store.delete_draft(W, "d1", "p1")
    assert [d.id for d in await store.list_drafts(W, "p1")] == ["d3"]
    # A reveal cut short finds them again, with the ones written since.
    await store.add_draft(W, draft("d4", created=4.0), 100)
    again = await store.seal_drafts(W, "r1")
    assert [d.id for d in again] == ["d1", "d2", "d4"]
    await store.drop_drafts(W, ["d1", "d2"])
    assert [d.id for d in await store.seal_drafts(W, "r1")] == ["d4"]
    assert await store.count_drafts(W) == {"r2": 1}


async def test_one_authors_flood_through_two_stores_holds_the_limit(
    open_store: OpenStore,
) -> None:
    one, two = await open_store(), await open_store()
    added = await asyncio.gather(
        *((one, two)[i % 2].add_draft(W, draft(f"d{i}"), 10) for i in range(60))
    )
    assert added.count(True) == 10
    assert len(await two.list_drafts(W, "p1")) == 10


async def test_drafts_survive_reopen(store: Store, open_store: OpenStore) -> None:
    await store.add_draft(W, draft("d1"), 100)
    await store.close()
    again = await open_store()
    assert await again.list_drafts(W, "p1") == [draft("d1")]


# Erasure and retention.
def _holding(found: dict[str, bytes], needle: str) -> list[str]:
    """The names of the files or keys whose bytes hold the needle."""
    return sorted(name for name, data in found.items() if needle.encode() in data)


async def _everything_stored(store: Store) -> dict[str, bytes]:
    """Every byte the store keeps: the SQLite file and its journals, or every
    Redis key under the store's prefix with all it holds."""
    if isinstance(store, SQLiteStore):
        return {f.name: f.read_bytes() for f in store.path.parent.glob(f"{store.path.name}*")}
    assert isinstance(store, RedisStore)
    under = await stored_under(store.keys.prefix)
    return {key.decode(): key + b"".join(parts) for key, parts in under.items()}


async def _fill(store: Store, tag: str, code: str) -> Workshop:
    """A workshop named by ``tag`` with something of every kind the store keeps,
    each holding the tag: rooms, participants, control, audit, presence,
    ballots and a named tally, drafts, and boards with a snapshot and a log."""
    workshop = Workshop(
        id=f"w{tag}", title=f"Title {tag}", join_code=code, created=100.0,
        rooms=(RoomInfo("r1", f"Room one {tag}"), RoomInfo("r2", f"Room two {tag}")),
        room_capacity=8,
    )  # fmt: skip
    await store.create_workshop(workshop)
    for n, room in enumerate(["r1", "r2"]):
        person = Participant(f"p{n}{tag}", workshop.id, room, f"Name {n} {tag}", 5.0)
        assert await store.seat_participant(person, capacity=8, lapse_before=0.0)
    audit = AuditEntry(1.0, "facilitator", f"actor{tag}", "banner.set", "r1", f"Banner {tag}")
    assert await store.put_control(workshop.id, 0, f"control {tag}".encode(), audit)
    await store.touch_presence(workshop.id, [f"p0{tag}"], 1e12)
    rules = VoteRules("dots", 3, 3)
    await store.cast_vote(VoteKey(workshop.id, f"open{tag}"), f"p0{tag}", f"item{tag}", 1, rules)
    named = VoteKey(workshop.id, f"named{tag}")
    await store.cast_vote(named, f"p1{tag}", f"pick{tag}", 2, rules)
    await store.close_vote(named, "dots", named=True)
    await store.add_draft(workshop.id, Draft(f"d1{tag}", "r1", f"p0{tag}", 1.0,
                                             f"Draft {tag}".encode()), 100)  # fmt: skip
    await store.add_draft(workshop.id, Draft(f"d2{tag}", "r2", f"p1{tag}", 2.0,
                                             f"Sealed {tag}".encode()), 100)  # fmt: skip
    await store.seal_drafts(workshop.id, "r2")
    await store.record_activity(workshop.id, 50.0)
    await store.bin_put(workshop.id, BinEntry("r1", f"hid{tag}", 3.0, f"Hidden {tag}".encode()))
    board, room = Board(), RoomKey(workshop.id, "r1")
    board.add_note("n1", f"Note {tag}")
    cursors = await append_all(store, room, board.take_updates()).wait_for(1)
    assert await store.compact(room, board.doc.get_update(), cursors[-1])
    board.add_note("n2", f"Later {tag}")
    await append_all(store, room, board.take_updates()).wait_for(1)
    await store.flush()
    other = Board()
    other.add_note("n3", f"Pending {tag}")
    append_all(store, RoomKey(workshop.id, "r2"), other.take_updates())  # left unflushed
    return workshop


async def test_deleting_a_workshop_leaves_no_byte_of_it_and_the_other_intact(
    store: Store,
) -> None:
    gone_tag, kept_tag = f"gone{secrets.token_hex(5)}", f"kept{secrets.token_hex(5)}"
    gone = await _fill(store, gone_tag, "GONE42")
    kept = await _fill(store, kept_tag, "KEPT42")
    await store.flush()
    # The search finds what is there: each needle is stored before the deletion.
    needles = [gone_tag, "GONE42", f"Note {gone_tag}", f"Name 0 {gone_tag}", f"Draft {gone_tag}",
               f"Hidden {gone_tag}"]  # fmt: skip
    before = await _everything_stored(store)
    assert [n for n in needles if not _holding(before, n)] == []

    assert await store.delete_workshop(gone.id) is True
    await store.flush()

    after = await _everything_stored(store)
    assert {n: found for n in needles if (found := _holding(after, n))} == {}
    assert await store.get_workshop(gone.id) is None
    assert await store.find_workshop_by_code("GONE42") is None
    assert await store.list_workshops() == [kept]
    assert await store.list_participants(gone.id) == []
    assert await store.get_control(gone.id) is None
    assert await store.list_audit(gone.id, 10) == []
    assert await store.online(gone.id, 0.0) == set()
    assert await store.count_drafts(gone.id) == {}
    assert await store.bin_list(gone.id) == []
    assert await store.get_tally(VoteKey(gone.id, f"named{gone_tag}")) is None
    assert parts(await store.load_doc(RoomKey(gone.id, "r1"))) == (None, [])
    assert parts(await store.load_doc(RoomKey(gone.id, "r2"))) == (None, [])
    assert await store.idle_workshops(1e12) == [kept.id]
    assert await store.delete_workshop(gone.id) is False
    # The other workshop keeps everything.
    assert await store.find_workshop_by_code("KEPT42") == kept
    assert [p.name for p in await store.list_participants(kept.id)] == [
        f"Name 0 {kept_tag}", f"Name 1 {kept_tag}"
    ]  # fmt: skip
    assert await store.get_control(kept.id) == Versioned(1, f"control {kept_tag}".encode())
    assert [e.detail for e in await store.list_audit(kept.id, 10)] == [f"Banner {kept_tag}"]
    assert await store.online(kept.id, 0.0) == {f"p0{kept_tag}"}
    assert await store.get_ballot(VoteKey(kept.id, f"open{kept_tag}"), f"p0{kept_tag}") == {
        f"item{kept_tag}": 1
    }
    assert await store.count_drafts(kept.id) == {"r1": 1}
    assert [e.body for e in await store.bin_list(kept.id)] == [f"Hidden {kept_tag}".encode()]
    assert [d.body for d in await store.seal_drafts(kept.id, "r2")] == [
        f"Sealed {kept_tag}".encode()
    ]
    doc = rebuild(await store.load_doc(RoomKey(kept.id, "r1")))
    assert {k: str(v["text"]) for k, v in doc.get("notes", type=Map).items()} == {
        "n1": f"Note {kept_tag}", "n2": f"Later {kept_tag}"
    }  # fmt: skip
    assert len((await store.load_doc(RoomKey(kept.id, "r2"))).updates) == 1


async def test_deleting_an_unknown_workshop_changes_nothing(store: Store) -> None:
    await store.create_workshop(make_workshop("w1", "CODE1"))
    assert await store.delete_workshop("w2") is False
    assert [w.id for w in await store.list_workshops()] == ["w1"]


async def test_a_workshop_is_idle_from_its_last_activity_or_else_its_creation(
    store: Store,
) -> None:
    await store.create_workshop(make_workshop("early", "CODE1", created=100.0))
    await store.create_workshop(make_workshop("late", "CODE2", created=300.0))
    assert await store.idle_workshops(200.0) == ["early"]
    await store.record_activity("early", 250.0)
    assert await store.idle_workshops(200.0) == []
    await store.record_activity("early", 150.0)  # an older time changes nothing
    assert await store.idle_workshops(200.0) == []
    assert await store.idle_workshops(260.0) == ["early"]
    assert await store.idle_workshops(400.0) == ["early", "late"]
    await store.record_activity("unknown", 500.0)  # a workshop not held: nothing kept
    assert await store.idle_workshops(1e12) == ["early", "late"]


async def test_activity_recorded_through_one_store_counts_in_another(
    open_store: OpenStore,
) -> None:
    one, two = await open_store(), await open_store()
    await one.create_workshop(make_workshop("w1", "CODE1", created=100.0))
    await two.record_activity("w1", 900.0)
    assert await one.idle_workshops(500.0) == []
    assert await one.idle_workshops(1000.0) == ["w1"]


# The moderation bin.
async def test_the_bin_keeps_hidden_notes_until_one_is_taken_out(store: Store) -> None:
    first = BinEntry("r1", "n1", 10.0, b"first note")
    later = BinEntry("r2", "n2", 20.0, b"later note")
    await store.bin_put(W, later)
    await store.bin_put(W, first)
    await store.bin_put("w2", BinEntry("r1", "n1", 5.0, b"another workshop's"))
    assert await store.bin_list(W) == [first, later]
    assert await store.bin_take(W, "r1", "n1") == first
    assert await store.bin_take(W, "r1", "n1") is None
    assert await store.bin_take(W, "r2", "n1") is None
    assert await store.bin_list(W) == [later]
    assert await store.bin_list("w2") == [BinEntry("r1", "n1", 5.0, b"another workshop's")]
    # Hiding the same note again (restored, then hidden) keeps its newest copy.
    await store.bin_put(W, BinEntry("r2", "n2", 30.0, b"edited since"))
    assert await store.bin_list(W) == [BinEntry("r2", "n2", 30.0, b"edited since")]


async def test_a_note_is_taken_out_of_the_bin_once_however_many_race(store: Store) -> None:
    await store.bin_put(W, BinEntry("r1", "n1", 1.0, b"once"))
    taken = await asyncio.gather(*(store.bin_take(W, "r1", "n1") for _ in range(8)))
    assert [t for t in taken if t is not None] == [BinEntry("r1", "n1", 1.0, b"once")]


async def test_the_bin_survives_reopen(store: Store, open_store: OpenStore) -> None:
    await store.bin_put(W, BinEntry("r1", "n1", 1.0, b"kept"))
    await store.close()
    again = await open_store()
    assert await again.bin_list(W) == [BinEntry("r1", "n1", 1.0, b"kept")]


# Whole workshops, for backups.
OpenKind = Callable[[str], Awaitable[Store]]


@pytest.fixture
async def fresh_store(tmp_path: pathlib.Path) -> AsyncIterator[OpenKind]:
    """Opens an empty store of the kind asked for, apart from the test's own
    store; closes each one (and deletes a Redis one's keys) afterwards."""
    opened: list[tuple[Store, str]] = []

    async def open_(kind: str) -> Store:
        n = len(opened) + 1
        prefix = f"test:{tmp_path.name}:{secrets.token_hex(4)}:fresh{n}:"
        store = build_store(kind, tmp_path / f"fresh{n}", prefix, f"fresh{n}")
        async with asyncio.timeout(5):
            await store.start()
        opened.append((store, prefix))
        return store

    yield open_
    for store, prefix in opened:
        try:
            async with asyncio.timeout(10):
                await store.close()
        finally:
            if isinstance(store, RedisStore):
                await delete_prefix(prefix)


def notes_of(board: bytes) -> dict[str, str]:
    """Each note's text on a board given as one update."""
    doc: Doc[Any] = Doc()
    doc.apply_update(board)
    return {k: str(v["text"]) for k, v in doc.get("notes", type=Map).items()}


async def test_a_dump_holds_everything_of_the_workshop_and_nothing_else(store: Store) -> None:
    workshop = await _fill(store, "t", "DUMP42")
    await _fill(store, "x", "OTHR42")
    async with asyncio.timeout(10):
        dump = await store.dump_workshop(workshop.id)
        assert await store.dump_workshop("nope") is None
    assert dump is not None
    assert dump.workshop == workshop
    assert dump.participants == (
        Participant("p0t", "wt", "r1", "Name 0 t", 5.0),
        Participant("p1t", "wt", "r2", "Name 1 t", 5.0),
    )
    assert dump.control == Versioned(1, b"control t")
    assert dump.audit == (AuditEntry(1.0, "facilitator", "actort", "banner.set", "r1", "Banner t"),)
    assert dump.ballots == {"opent": {"p0t": {"itemt": 1}}}
    assert dump.tallies == {"namedt": Tally({"pickt": 2}, {}, 1, {"pickt": (("p1t", 2),)})}
    assert dump.drafts == (
        Draft("d1t", "r1", "p0t", 1.0, b"Draft t"),
        Draft("d2t", "r2", "p1t", 2.0, b"Sealed t", sealed=True),
    )
    assert dump.bin == (BinEntry("r1", "hidt", 3.0, b"Hidden t"),)
    assert dump.last_active == 50.0
    # A snapshot and the log after it, and an update not yet written, each as one update.
    assert {room: notes_of(board) for room, board in dump.boards.items()} == {
        "r1": {"n1": "Note t", "n2": "Later t"},
        "r2": {"n3": "Pending t"},
    }


async def test_an_empty_workshop_dumps_empty_and_loads_back(store: Store) -> None:
    workshop = make_workshop("w1", "EMPTY1")
    await store.create_workshop(workshop)
    async with asyncio.timeout(10):
        dump = await store.dump_workshop("w1")
        assert dump == WorkshopDump(workshop, (), {}, None, (), {}, {}, (), (), None)
        assert await store.delete_workshop("w1")
        await store.load_workshop(dump)
        assert await store.dump_workshop("w1") == dump
        assert await store.list_workshops() == [workshop]
        assert parts(await store.load_doc(RoomKey("w1", "r1"))) == (None, [])


@pytest.mark.redis
async def test_a_dump_loaded_into_a_fresh_store_of_either_kind_dumps_the_same(
    store: Store, fresh_store: OpenKind
) -> None:
    workshop = await _fill(store, "t", "DUMP42")
    for i in range(600):  # more than one command's worth of audit entries
        assert await store.put_control(workshop.id, i + 1, b"state", audit_entry(i, room=None))
    async with asyncio.timeout(20):
        dump = await store.dump_workshop(workshop.id)
        assert dump is not None and len(dump.audit) == 601
        for kind in ("sqlite", "redis"):
            other = await fresh_store(kind)
            await other.load_workshop(dump)
            assert await other.dump_workshop(workshop.id) == dump, kind
            assert await other.find_workshop_by_code("dump42") == workshop
            assert await other.list_audit(workshop.id, 2) == [audit_entry(599, None),
                                                              audit_entry(598, None)]  # fmt: skip


async def test_a_loaded_workshop_carries_on_where_the_dump_left_it(store: Store) -> None:
    workshop = await _fill(store, "t", "DUMP42")
    async with asyncio.timeout(10):
        dump = await store.dump_workshop(workshop.id)
        assert dump is not None
        assert await store.delete_workshop(workshop.id)
        await store.load_workshop(dump)
        assert await store.list_workshops() == [workshop]
        assert await store.online(workshop.id, 0.0) == set()  # presence is not kept
        assert await store.idle_workshops(40.0) == []
        assert await store.idle_workshops(200.0) == [workshop.id]
        # Control, votes and drafts go on from their stored state.
        assert not await store.put_control(workshop.id, 0, b"stale")
        assert await store.put_control(workshop.id, 1, b"next")
        rules = VoteRules("dots", 3, 3)
        open_vote, named = VoteKey(workshop.id, "opent"), VoteKey(workshop.id, "namedt")
        assert await store.vote_voters(open_vote) == {"p0t"}
        assert await store.cast_vote(open_vote, "p0t", "itemt", 1, rules) == CastResult(
            None, {"itemt": 2}
        )
        assert (await store.cast_vote(named, "p0t", "pickt", 1, rules)).refused == "closed"
        assert await store.count_drafts(workshop.id) == {"r1": 1}
        assert await store.list_drafts(workshop.id, "p0t") == [
            Draft("d1t", "r1", "p0t", 1.0, b"Draft t")
        ]
        assert await store.bin_take(workshop.id, "r1", "hidt") == dump.bin[0]
        # The board is the room's snapshot; later updates follow it and compact.
        room = RoomKey(workshop.id, "r1")
        assert parts(await store.load_doc(room)) == (dump.boards["r1"], [])
        board = Board()
        board.doc.apply_update(dump.boards["r1"])
        board.add_note("n4", "After the restore")
        cursors = await append_all(store, room, board.take_updates()).wait_for(1)
        loaded = await store.load_doc(room)
        assert loaded.cursor == cursors[-1]
        assert content(rebuild(loaded))["notes"] == content(board.doc)["notes"]
        assert await store.compact(room, board.doc.get_update(), cursors[-1])
        assert parts(await store.load_doc(room)) == (board.doc.get_update(), [])


async def test_a_load_whose_id_code_or_participant_is_taken_writes_nothing(
    store: Store,
) -> None:
    workshop = await _fill(store, "t", "DUMP42")
    async with asyncio.timeout(10):
        dump = await store.dump_workshop(workshop.id)
        assert dump is not None
        with pytest.raises(StoreError, match="exists"):
            await store.load_workshop(dump)
        same_code = replace(dump, workshop=replace(workshop, id="w2"), participants=())
        with pytest.raises(StoreError, match="join code 'DUMP42' exists"):
            await store.load_workshop(same_code)
        same_people = replace(
            dump,
            workshop=replace(workshop, id="w3", join_code="NEW042"),
            participants=tuple(replace(p, workshop_id="w3") for p in dump.participants),
        )
        with pytest.raises(StoreError, match="participant 'p0t' belongs to another workshop"):
            await store.load_workshop(same_people)
        for refused in ("w2", "w3"):
            assert await store.get_workshop(refused) is None
            assert await store.list_participants(refused) == []
            assert await store.get_control(refused) is None
            assert await store.bin_list(refused) == []
        assert await store.find_workshop_by_code("NEW042") is None
        assert await store.dump_workshop(workshop.id) == dump
