"""What only the Redis bus has to show: a reader that lags behind a compaction."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import pytest
from buskit import End, Feed, open_ends, updates

from board_server.model import RoomKey

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
