"""What only the Redis bus has to show: a reader that lags behind a compaction,
and rooms that only one process follows, which it does not read."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import pytest
from buskit import End, Feed, open_ends, updates
from conftest import eventually

from board_server.bus.redis import RedisBus, stream_id
from board_server.model import RoomKey
from board_server.storage import redis as redis_store
from board_server.storage.redis import RedisStore

pytestmark = pytest.mark.redis
ROOM = RoomKey("w1", "r1")


@pytest.fixture
async def ends(tmp_path: pathlib.Path) -> AsyncIterator[tuple[End, End]]:
    async with open_ends("redis", tmp_path) as pair:
        yield pair


async def test_a_reader_behind_a_compaction_still_gets_every_entry_after_its_cursor(
    ends: tuple[End, End],
) -> None:
    a, b = ends
    written = updates(3, "n")
    feed = Feed()
    async with asyncio.timeout(5):
        cursors = [await a.append(ROOM, update) for update in written]
        # A compacts up to its last update while B has read nothing yet.
        assert await a.store.compact(ROOM, b"snapshot of n0..n2", cursors[-1])
        stored = await a.store.load_doc(ROOM)
        assert (stored.snapshot, stored.updates, stored.cursor) == (
            b"snapshot of n0..n2",
            [],
            cursors[-1],
        )
        assert await a.store.log_length(ROOM) == 0
        # B's reader was still at the start: the entries are there for it.
        b.bus.follow(ROOM, "", feed)
        await feed.wait_for(updates=3)
    assert feed.updates == written


def reading(end: End, room: RoomKey) -> bool:
    bus = end.bus
    assert isinstance(bus, RedisBus)
    return bus.reads(room)


async def xadd_as_another_process(end: End, room: RoomKey, update: bytes) -> str:
    """An entry written the way a process whose announcement was lost writes it."""
    store = end.store
    assert isinstance(store, RedisStore)
    entry = await store.client.xadd(store.keys.log(room), {"u": update, "n": "c"})
    return str(entry.decode())


async def test_a_room_no_other_process_follows_is_not_read_and_a_late_follower_loses_nothing(
    ends: tuple[End, End], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = ends
    # Compaction may trim every entry it covers, however young.
    monkeypatch.setattr(redis_store, "TRIM_GRACE_MS", 0)
    feed_a, feed_b = Feed(), Feed()
    alone, later, from_b = updates(4, "s"), updates(2, "l"), updates(2, "b")
    async with asyncio.timeout(5):
        a.bus.follow(ROOM, "", feed_a)
        await eventually(lambda: not reading(a, ROOM))
        cursors = [await a.append(ROOM, update) for update in alone]
        # Not read, yet the cursor follows A's own entries, and compaction trims them.
        assert a.bus.cursor(ROOM) == cursors[-1]
        assert not reading(a, ROOM)
        assert await a.store.compact(ROOM, b"snapshot of s0..s3", a.bus.cursor(ROOM))
        assert await a.store.log_length(ROOM) == 0
        stored = await b.store.load_doc(ROOM)
        assert (stored.snapshot, stored.updates) == (b"snapshot of s0..s3", [])
        # B follows from the snapshot's cursor: A reads the room again.
        b.bus.follow(ROOM, stored.cursor, feed_b)
        await eventually(lambda: reading(a, ROOM))
        for update in from_b:
            await b.append(ROOM, update)
        await feed_a.wait_for(updates=2)
        for update in later:
            await a.append(ROOM, update)
        await feed_b.wait_for(updates=2)
    assert feed_a.updates == from_b
    assert feed_b.updates == later


async def test_a_solo_room_is_read_again_when_its_own_append_finds_an_entry_it_has_not_seen(
    ends: tuple[End, End],
) -> None:
    a, _ = ends
    feed = Feed()
    mine, theirs = updates(2, "m"), updates(1, "t")
    async with asyncio.timeout(5):
        a.bus.follow(ROOM, "", feed)
        await eventually(lambda: not reading(a, ROOM))
        first = await a.append(ROOM, mine[0])
        unseen = await xadd_as_another_process(a, ROOM, theirs[0])
        last = await a.append(ROOM, mine[1])
        # The cursor stops before the unseen entry, and the reader fetches it.
        await feed.wait_for(updates=1)
        assert stream_id(first) < stream_id(unseen) < stream_id(last)
        assert a.bus.cursor(ROOM) == last
    assert feed.updates == theirs


async def test_a_solo_room_is_read_again_when_the_count_finds_another_follower(
    tmp_path: pathlib.Path,
) -> None:
    async with open_ends("redis", tmp_path, share_check=0.05) as (a, _):
        store = a.store
        assert isinstance(store, RedisStore)
        feed = Feed()
        theirs = updates(1, "t")
        listener = store.client.pubsub()
        try:
            async with asyncio.timeout(5):
                a.bus.follow(ROOM, "", feed)
                await eventually(lambda: not reading(a, ROOM))
                # A follower whose announcement A never heard: A counts it.
                await listener.subscribe(store.keys.awareness(ROOM))
                await eventually(lambda: reading(a, ROOM))
                await xadd_as_another_process(a, ROOM, theirs[0])
                await feed.wait_for(updates=1)
        finally:
            await listener.aclose()
    assert feed.updates == theirs
