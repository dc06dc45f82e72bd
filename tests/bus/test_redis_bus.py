"""What only the Redis bus has to show: a reader that lags behind a compaction."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import pytest
from buskit import End, Feed, updates
from rediskit import REDIS_URL, delete_prefix

from board_server.bus.redis import RedisBus
from board_server.model import RoomKey
from board_server.storage.redis import RedisStore

pytestmark = pytest.mark.redis
ROOM = RoomKey("w1", "r1")


@pytest.fixture
async def ends(tmp_path: pathlib.Path) -> AsyncIterator[tuple[End, End]]:
    prefix = f"test:{tmp_path.name}:"
    stores = [RedisStore(REDIS_URL, prefix=prefix, node_id=n) for n in ("a", "b")]
    made = [End(store, RedisBus(store)) for store in stores]
    async with asyncio.timeout(5):
        for end in made:
            await end.store.start()
            await end.bus.start()
    try:
        yield made[0], made[1]
    finally:
        async with asyncio.timeout(10):
            for end in made:
                await end.bus.close()
                await end.store.close()
        await delete_prefix(prefix)


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
