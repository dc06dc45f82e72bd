"""The Bus contract: the in-process bus and the Redis bus pass these tests unchanged.

Each test has two ends, A and B, standing for two server processes that
share one store: two ends of one LocalHub over one SQLite file, or two
RedisStore + RedisBus pairs on one key prefix of the real Redis.
"""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import pytest
from buskit import End, Feed, updates
from rediskit import REDIS_URL, delete_prefix

from board_server.bus import LocalHub, WorkshopEvent
from board_server.bus.redis import RedisBus
from board_server.model import RoomKey
from board_server.storage import Store
from board_server.storage.redis import RedisStore
from board_server.storage.sqlite import SQLiteStore

BUS_KINDS = ["local", pytest.param("redis", marks=pytest.mark.redis)]
ROOM = RoomKey("w1", "r1")
OTHER = RoomKey("w1", "r2")


@pytest.fixture(params=BUS_KINDS)
async def ends(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> AsyncIterator[tuple[End, End]]:
    made: list[End] = []
    prefix = f"test:{tmp_path.name}:"
    if request.param == "local":
        store = SQLiteStore(tmp_path / "board.sqlite3")
        hub = LocalHub()
        made = [End(store, hub.attach("a")), End(store, hub.attach("b"))]
        starts: list[Store] = [store]
    else:
        stores = [RedisStore(REDIS_URL, prefix=prefix, node_id=n) for n in ("a", "b")]
        made = [End(s, RedisBus(s)) for s in stores]
        starts = list(stores)
    async with asyncio.timeout(5):
        for store in starts:
            await store.start()
        for end in made:
            await end.bus.start()
    try:
        yield made[0], made[1]
    finally:
        async with asyncio.timeout(10):
            for end in made:
                await end.bus.close()
            for store in starts:
                await store.close()
            if request.param == "redis":
                await delete_prefix(prefix)


async def test_updates_reach_the_other_process_in_order_and_not_their_sender(
    ends: tuple[End, End],
) -> None:
    a, b = ends
    feed_a, feed_b = Feed(), Feed()
    a.bus.follow(ROOM, "", feed_a)
    b.bus.follow(ROOM, "", feed_b)
    from_a, from_b = updates(5, "a"), updates(1, "b")
    async with asyncio.timeout(5):
        cursors = [await a.append(ROOM, u) for u in from_a]
        await feed_b.wait_for(updates=5)
        assert feed_b.updates == from_a
        assert b.bus.cursor(ROOM) == cursors[-1]
        # Once B's own update has reached A, A has heard all it will: not its own.
        await b.append(ROOM, from_b[0])
        await feed_a.wait_for(updates=1)
    assert feed_a.updates == from_b
    assert feed_b.updates == from_a


async def test_a_late_follower_starts_at_its_cursor_with_no_gap_and_no_double(
    ends: tuple[End, End],
) -> None:
    a, b = ends
    early, late = updates(3, "e"), updates(2, "l")
    feed_b = Feed()
    async with asyncio.timeout(5):
        for update in early:
            await a.append(ROOM, update)
        await a.store.flush()
        stored = await b.store.load_doc(ROOM)
        assert stored.updates == early
        for update in late:
            await a.append(ROOM, update)
        b.bus.follow(ROOM, stored.cursor, feed_b)
        await feed_b.wait_for(updates=2)
    assert feed_b.updates == late


async def test_awareness_reaches_the_followers_of_its_room_only(ends: tuple[End, End]) -> None:
    a, b = ends
    feed_a, feed_b = Feed(), Feed()
    a.bus.follow(ROOM, "", feed_a)
    a.bus.follow(OTHER, "", Feed())
    b.bus.follow(ROOM, "", feed_b)
    async with asyncio.timeout(5):
        # Wait until both ends have really subscribed: a round trip each way.
        while not feed_b.awareness:
            a.bus.publish_awareness(ROOM, b"hello")
            await asyncio.sleep(0.05)
        while not feed_a.awareness:
            b.bus.publish_awareness(ROOM, b"hi")
            await asyncio.sleep(0.05)
        heard = len(feed_b.awareness)
        a.bus.publish_awareness(OTHER, b"elsewhere")
        a.bus.publish_awareness(ROOM, b"last")
        await feed_b.wait_for(awareness=heard + 1)
    assert feed_b.awareness[-1] == (a.bus.node_id, b"last")
    assert {payload for _, payload in feed_b.awareness} == {b"hello", b"last"}
    assert {node for node, _ in feed_a.awareness} == {b.bus.node_id}


async def test_events_reach_every_process_the_sender_included(ends: tuple[End, End]) -> None:
    a, b = ends
    heard: dict[str, list[WorkshopEvent]] = {"a": [], "b": []}
    both = asyncio.Event()

    def listener(name: str) -> object:
        def handle(event: WorkshopEvent) -> None:
            heard[name].append(event)
            if heard["a"] and heard["b"]:
                both.set()

        return handle

    a.bus.subscribe(listener("a"))  # type: ignore[arg-type]
    b.bus.subscribe(listener("b"))  # type: ignore[arg-type]
    event = WorkshopEvent("w1", "participant.left", {"participant": "p7"})
    async with asyncio.timeout(5):
        await a.bus.publish_event(event)
        await both.wait()
    assert heard == {"a": [event], "b": [event]}


async def test_an_unfollowed_room_delivers_nothing(ends: tuple[End, End]) -> None:
    a, b = ends
    feed_room, feed_other = Feed(), Feed()
    b.bus.follow(ROOM, "", feed_room)
    b.bus.follow(OTHER, "", feed_other)
    b.bus.unfollow(ROOM, feed_room)
    # Unfollowing with a feed that was replaced changes nothing.
    b.bus.unfollow(OTHER, Feed())
    async with asyncio.timeout(5):
        await a.append(ROOM, updates(1, "x")[0])
        await a.append(OTHER, updates(1, "y")[0])
        await feed_other.wait_for(updates=1)
    assert feed_room.updates == []
