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
from buskit import End, Feed, open_ends, updates

from board_server.bus import WorkshopEvent
from board_server.model import RoomKey

BUS_KINDS = ["local", pytest.param("redis", marks=pytest.mark.redis)]
ROOM = RoomKey("w1", "r1")
OTHER = RoomKey("w1", "r2")


@pytest.fixture(params=BUS_KINDS)
async def ends(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> AsyncIterator[tuple[End, End]]:
    async with open_ends(request.param, tmp_path) as pair:
        yield pair


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
        for end in (a, b):
            await end.bus.ready(ROOM)
        a.bus.publish_awareness(ROOM, b"hello")
        await feed_b.wait_for(awareness=1)
        b.bus.publish_awareness(ROOM, b"hi")
        await feed_a.wait_for(awareness=1)
        heard = len(feed_b.awareness)
        a.bus.publish_awareness(OTHER, b"elsewhere")
        a.bus.publish_awareness(ROOM, b"last")
        await feed_b.wait_for(awareness=heard + 1)
    assert feed_b.awareness[-1] == (a.bus.node_id, b"last")
    assert feed_b.awareness == [(a.bus.node_id, b"hello"), (a.bus.node_id, b"last")]
    assert feed_a.awareness == [(b.bus.node_id, b"hi")]


async def test_ready_is_for_followed_rooms(ends: tuple[End, End]) -> None:
    a, _ = ends
    with pytest.raises(KeyError):
        await a.bus.ready(ROOM)
    a.bus.follow(ROOM, "", Feed())
    async with asyncio.timeout(5):
        await a.bus.ready(ROOM)
    a.bus.unfollow(ROOM, Feed())  # another feed: still followed
    async with asyncio.timeout(5):
        await a.bus.ready(ROOM)


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
