"""RedisStore behaviour beyond the Store contract: several processes, the
compaction lock and its fencing, outages, and the shared secrets."""

from __future__ import annotations

import asyncio
import logging
import pathlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from conftest import eventually
from rediskit import REDIS_URL, delete_prefix
from redisproc import RedisProcess

import board_server.storage.redis as redis_store
from board_server.model import Participant, RoomKey, StoredDoc, VoteKey, VoteRules
from board_server.storage import StoreError
from board_server.storage.keys import Keys
from board_server.storage.redis import RedisStore, shared_secrets

pytestmark = pytest.mark.redis

ROOM = RoomKey("w1", "r1")

OpenStore = Callable[..., Awaitable[RedisStore]]


@pytest.fixture
async def prefix(tmp_path: pathlib.Path) -> AsyncIterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    name = f"test:{tmp_path.name}:{secrets.token_hex(4)}:"
    yield name
    await delete_prefix(name)


@pytest.fixture
async def open_store(prefix: str) -> AsyncIterator[OpenStore]:
    """Opens RedisStores (each its own connection pool, like separate processes)."""
    opened: list[RedisStore] = []

    async def open_(url: str = REDIS_URL, **options: Any) -> RedisStore:
        store = RedisStore(url, prefix=prefix, node_id=f"node{len(opened) + 1}", **options)
        async with asyncio.timeout(5):
            await store.start()
        opened.append(store)
        return store

    yield open_
    for store in opened:
        async with asyncio.timeout(10):
            await store.close()


async def appended(store: RedisStore, room: RoomKey, updates: list[bytes]) -> list[str]:
    """Append and flush; the cursors on_logged gave, in order."""
    cursors: list[str] = []
    for update in updates:
        store.append_update(room, update, cursors.append)
    await store.flush()
    return cursors


def update(i: int) -> bytes:
    return f"update {i}".encode()


async def test_entries_carry_the_update_and_the_node(open_store: OpenStore) -> None:
    store = await open_store()
    async with asyncio.timeout(5):
        (cursor,) = await appended(store, ROOM, [update(1)])
        entries = await store.client.xrange(store.keys.log(ROOM))
    assert entries == [(cursor.encode(), {b"u": update(1), b"n": b"node1"})]


class Watcher:
    """Gives a cursor for the rooms in ``cursors``, moved over what it is told
    lands right after it."""

    def __init__(self, *asking: RoomKey) -> None:
        self.cursors = dict.fromkeys(asking, "")
        self.told: list[tuple[RoomKey, str, bool | None]] = []

    def solo_cursor(self, room: RoomKey) -> str | None:
        return self.cursors.get(room)

    def logged(self, room: RoomKey, cursor: str, gap: bool | None) -> None:
        self.told.append((room, cursor, gap))
        if gap is False:
            self.cursors[room] = cursor


async def test_the_writer_tells_its_watcher_whether_an_update_lands_right_after_its_cursor(
    open_store: OpenStore,
) -> None:
    one, two = await open_store(), await open_store()
    other = RoomKey("w1", "r2")
    watcher = Watcher(ROOM)
    one.watch_log(watcher)
    async with asyncio.timeout(5):
        (first,) = await appended(one, ROOM, [update(1)])
        (second,) = await appended(one, ROOM, [update(2)])
        (between,) = await appended(two, ROOM, [update(3)])
        # One batch: two updates of the asking room, one of another room.
        one.append_update(ROOM, update(4))
        one.append_update(other, update(5))
        one.append_update(ROOM, update(6))
        await one.flush()
        entries = [e.decode() for e, _ in await one.client.xrange(one.keys.log(ROOM))]
        (fifth,) = [e.decode() for e, _ in await one.client.xrange(one.keys.log(other))]
        watcher.cursors[ROOM] = entries[-1]
        (last,) = await appended(one, ROOM, [update(7)])
    assert entries[:3] == [first, second, between]
    fourth, sixth = entries[3:]
    assert watcher.told == [
        (ROOM, first, False),
        (ROOM, second, False),
        (ROOM, fourth, True),
        (other, fifth, None),
        (ROOM, sixth, True),
        (ROOM, last, False),
    ]


async def test_compact_refuses_while_another_process_holds_the_lock(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = await open_store(), await open_store()
    inside, resume = asyncio.Event(), asyncio.Event()
    real_eval = first._eval

    async def paused_eval(name: str, *args: Any) -> Any:
        if name == "compact":
            inside.set()
            await resume.wait()
        return await real_eval(name, *args)

    monkeypatch.setattr(first, "_eval", paused_eval)
    async with asyncio.timeout(5):
        cursors = await appended(first, ROOM, [update(i) for i in range(3)])
        compacting = asyncio.create_task(first.compact(ROOM, b"first", cursors[0]))
        await inside.wait()  # the first holds the lock
        assert not await second.compact(ROOM, b"second", cursors[1])
        unchanged = StoredDoc(None, [update(0), update(1), update(2)], cursors[2])
        assert await second.load_doc(ROOM) == unchanged
        resume.set()
        assert await compacting
        assert await second.load_doc(ROOM) == StoredDoc(
            b"first", [update(1), update(2)], cursors[2]
        )
        # The lock was released: the second compacts now.
        assert await second.compact(ROOM, b"second", cursors[1])
        assert await first.load_doc(ROOM) == StoredDoc(b"second", [update(2)], cursors[2])


async def test_a_lock_left_by_a_crashed_compactor_expires(open_store: OpenStore) -> None:
    store = await open_store()
    keys, client = store.keys, store.client
    async with asyncio.timeout(5):
        cursors = await appended(store, ROOM, [update(i) for i in range(3)])
        # A compactor took the lock, then its process died.
        fence = await client.incr(keys.fencing)
        assert await client.set(keys.compaction_lock(ROOM), fence, nx=True, px=30_000)
        assert not await store.compact(ROOM, b"snapshot", cursors[1])
        assert await client.pexpire(keys.compaction_lock(ROOM), 1)  # 30 s later
        while await client.exists(keys.compaction_lock(ROOM)):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        assert await store.compact(ROOM, b"snapshot", cursors[1])
        assert await store.load_doc(ROOM) == StoredDoc(b"snapshot", [update(2)], cursors[2])
        assert not await client.exists(keys.compaction_lock(ROOM))


async def test_a_compactor_whose_fence_was_superseded_writes_nothing(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, other = await open_store(), await open_store()
    keys, client = slow.keys, slow.client
    real_take_lock = slow._take_lock
    newer: list[int] = []

    async def take_lock_then_pause(room: RoomKey) -> int | None:
        fence = await real_take_lock(room)
        # The process paused past the lock's expiry, and another compactor took it.
        await client.delete(keys.compaction_lock(room))
        newer.append(await client.incr(keys.fencing))
        await client.set(keys.compaction_lock(room), newer[0], px=30_000)
        return fence

    monkeypatch.setattr(slow, "_take_lock", take_lock_then_pause)
    async with asyncio.timeout(5):
        cursors = await appended(other, ROOM, [update(i) for i in range(3)])
        assert not await slow.compact(ROOM, b"stale", cursors[2])
        assert await other.load_doc(ROOM) == StoredDoc(
            None, [update(0), update(1), update(2)], cursors[2]
        )
        # Its release left the newer holder's lock alone.
        assert await client.get(keys.compaction_lock(ROOM)) == str(newer[0]).encode()


async def test_concurrent_seats_through_three_processes_never_overfill(
    open_store: OpenStore,
) -> None:
    stores = [await open_store() for _ in range(3)]
    rooms = ["r1", "r2", "r3", "r4"]
    people = [
        Participant(f"p{i}", "w1", rooms[i % 4], f"P{i}", created=100.0 + i) for i in range(40)
    ]
    async with asyncio.timeout(10):
        results = await asyncio.gather(
            *(
                stores[i % 3].seat_participant(p, capacity=5, lapse_before=0.0)
                for i, p in enumerate(people)
            )
        )
        counts = await stores[0].room_headcounts("w1", lapse_before=0.0)
        seated = {p.id for p, ok in zip(people, results, strict=True) if ok}
        ids = await stores[1].client.smembers(stores[1].keys.participants("w1"))
        for p in people:
            expected = p if p.id in seated else None
            assert await stores[2].get_participant("w1", p.id) == expected
    assert counts == {"r1": 5, "r2": 5, "r3": 5, "r4": 5}
    assert len(seated) == 20
    assert ids == {i.encode() for i in seated}


async def test_a_participant_seated_through_two_processes_at_once_is_stored_once(
    open_store: OpenStore,
) -> None:
    first, second = await open_store(), await open_store()
    ann = Participant("ann", "w1", "r1", "Ann", created=100.0)
    async with asyncio.timeout(5):
        results = await asyncio.gather(
            first.seat_participant(ann, capacity=1, lapse_before=0.0),
            second.seat_participant(replace(ann, name="Annie"), capacity=1, lapse_before=0.0),
        )
        assert list(results) == [True, True]  # one took the seat; the other was already in it
        assert await first.room_headcounts("w1", lapse_before=0.0) == {"r1": 1}
        assert await first.client.smembers(first.keys.participants("w1")) == {b"ann"}


async def test_an_outage_keeps_updates_and_logs_them_when_redis_returns(
    open_store: OpenStore, private_redis: RedisProcess
) -> None:
    store = await open_store(private_redis.url, buffer_bytes=3 * len(update(0)))
    cursors: list[str] = []
    logged_all = asyncio.Event()

    def on_logged(cursor: str) -> None:
        cursors.append(cursor)
        if len(cursors) == 3:
            logged_all.set()

    async with asyncio.timeout(20):
        (before,) = await appended(store, ROOM, [b"before"])
        await private_redis.stop()
        for i in range(3):
            store.append_update(ROOM, update(i), on_logged)
        await eventually(lambda: store.health() is not None)
        health = store.health()
        assert health is not None
        assert health.startswith(f"Redis at 127.0.0.1:{private_redis.port} is unreachable: ")
        with pytest.raises(StoreError, match="the buffer for Redis is full"):
            store.append_update(ROOM, update(3), on_logged)
        assert cursors == []

        await private_redis.start()
        await logged_all.wait()
        assert store.health() is None
        positions = [tuple(map(int, c.split("-"))) for c in [before, *cursors]]
        assert positions == sorted(set(positions))
        stored = await store.load_doc(ROOM)
        assert stored == StoredDoc(None, [b"before", update(0), update(1), update(2)], cursors[2])


async def test_close_during_an_outage_reports_what_it_loses(
    open_store: OpenStore,
    private_redis: RedisProcess,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(redis_store, "CLOSE_TIMEOUT", 0.05)
    store = await open_store(private_redis.url)
    async with asyncio.timeout(10):
        await private_redis.stop()
        store.append_update(ROOM, update(1))
        store.append_update(ROOM, update(2))
        with caplog.at_level(logging.ERROR, logger="board.storage"):
            await store.close()
    lost = [r.getMessage() for r in caplog.records if "lost" in r.getMessage()]
    assert len(lost) == 1
    assert lost[0].startswith(
        f"closing the store with 2 updates not written to Redis at 127.0.0.1:{private_redis.port}"
    )
    with pytest.raises(StoreError, match="is closed"):
        store.append_update(ROOM, update(3))


def test_shared_secrets_agree_across_processes(prefix: str) -> None:
    first = shared_secrets(REDIS_URL, prefix, secret=None, admin_token=None)
    second = shared_secrets(REDIS_URL, prefix, secret=None, admin_token=None)
    assert first == second
    assert len(first[0]) == 43 and len(first[1]) == 32  # token_urlsafe(32) and (24)


def test_given_secrets_win_and_are_not_stored(prefix: str) -> None:
    given = shared_secrets(REDIS_URL, prefix, secret="my secret", admin_token="my token")
    assert given == ("my secret", "my token")
    stored = shared_secrets(REDIS_URL, prefix, secret=None, admin_token=None)
    assert stored[0] not in ("my secret", "my token")
    assert stored[1] not in ("my secret", "my token")
    mixed = shared_secrets(REDIS_URL, prefix, secret="my secret", admin_token=None)
    assert mixed == ("my secret", stored[1])


async def test_keys_live_under_the_prefix(open_store: OpenStore, prefix: str) -> None:
    store = await open_store()
    async with asyncio.timeout(5):
        await appended(store, ROOM, [update(1)])
        assert await store.seat_participant(
            Participant("ann", "w1", "r1", "Ann", 5.0), capacity=1, lapse_before=0.0
        )
        found = {key.decode() async for key in store.client.scan_iter(match=f"{prefix}*")}
    keys = Keys(prefix)
    assert found == {
        keys.log(ROOM), keys.participant("w1", "ann"), keys.participants("w1"),
        keys.participant_owner("ann"),
    }  # fmt: skip


async def test_a_closed_vote_leaves_no_key_or_value_naming_a_voter(
    open_store: OpenStore, prefix: str
) -> None:
    store = await open_store()
    vote = VoteKey("w1", "v1")
    voter = f"voter-{secrets.token_hex(6)}"
    async with asyncio.timeout(5):
        cast = await store.cast_vote(vote, voter, "n1", 2, VoteRules("dots", 3, 3))
        assert cast.refused is None
        keys = [key async for key in store.client.scan_iter(match=f"{prefix}*")]
        assert any(voter.encode() in key for key in keys)  # the ballot, while open
        await store.close_vote(vote, "dots")
        keys = [key async for key in store.client.scan_iter(match=f"{prefix}*")]
        dumps = [await store.client.dump(key) for key in keys]
    assert keys == [f"{prefix}vote:w1:v1:tally".encode()]
    assert all(voter.encode() not in key for key in keys)
    assert all(voter.encode() not in (dump or b"") for dump in dumps)
