"""Room locks: participants' board writes are dropped and counted while locked,
and arrive once the room unlocks (docs/protocol.md, "Locks")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import RunningServer, eventually
from pycrdt import Doc, Map

from board_server.client import BoardClient
from board_server.model import RoomKey
from board_server.rooms import Peer, Room
from board_server.sync import SyncStep1, parse_message


@dataclass
class Tablet:
    """A participant's synced board in r1."""

    client: BoardClient
    id: str

    def write(self, key: str, value: str) -> None:
        self.client.doc.get("notes", type=Map)[key] = value


@dataclass
class LockRoom:
    """Room r1 with the facilitator's channel and board, and tablets."""

    server: RunningServer
    workshop: dict[str, Any]
    opened: list[BoardClient] = field(default_factory=list)

    @property
    def room(self) -> Room:
        return self.server.services.rooms.rooms[RoomKey(self.workshop["id"], "r1")]

    def peer_of(self, tablet: Tablet) -> Peer:
        (peer,) = [p for p in self.room.peers if p.session.participant_id == tablet.id]
        return peer

    async def _open(self, room: str | None, token: str, **kwargs: Any) -> BoardClient:
        client = BoardClient(self.server.http_url, self.workshop["id"], room, token, **kwargs)
        self.opened.append(client)
        client.start()
        async with asyncio.timeout(10):
            await (client.said_hello if room is None else client.synced).wait()
        return client

    async def start(self) -> None:
        token = self.workshop["facilitator_token"]
        self.channel = await self._open(None, token, commands=True)
        self.facilitator = await self._open("r1", token)

    async def tablet(self, name: str, **kwargs: Any) -> Tablet:
        joined = await self.server.join(self.workshop["join_code"], name, room="r1")
        client = await self._open("r1", joined["token"], **kwargs)
        return Tablet(client, joined["participant"]["id"])

    async def lock(self, locked: bool) -> None:
        reply = await self.channel.request("room.lock", {"room": "r1", "locked": locked})
        assert reply["ok"] is True, reply
        assert reply["result"]["state"]["rooms"]["r1"]["locked"] is locked


def notes(holder: BoardClient | Room) -> dict[str, Any]:
    found: dict[str, Any] = holder.doc.get("notes", type=Map).to_py()
    return found


def step1_count(client: BoardClient) -> int:
    """How many sync step 1 messages the server has sent this client."""
    assert client.received is not None
    return sum(isinstance(parse_message(frame), SyncStep1) for frame in client.received)


@pytest.fixture
async def lock_room(server: RunningServer, workshop: dict[str, Any]) -> AsyncIterator[LockRoom]:
    live = LockRoom(server, workshop)
    try:
        await live.start()
        yield live
    finally:
        for client in reversed(live.opened):
            await client.close()


async def test_a_locked_room_drops_participants_writes_but_not_the_facilitators(
    lock_room: LockRoom,
) -> None:
    a = await lock_room.tablet("A")
    b = await lock_room.tablet("B")
    await lock_room.lock(True)

    a.write("a1", "while locked")
    b.write("b1", "also while locked")
    await eventually(lambda: lock_room.peer_of(a).dropped_writes == 1)
    await eventually(lambda: lock_room.peer_of(b).dropped_writes == 1)
    lock_room.facilitator.doc.get("notes", type=Map)["f1"] = "the facilitator's"
    await a.client.wait_until(lambda: "f1" in notes(a.client))
    await b.client.wait_until(lambda: "f1" in notes(b.client))

    assert notes(lock_room.room) == {"f1": "the facilitator's"}
    assert notes(lock_room.facilitator) == {"f1": "the facilitator's"}
    assert notes(a.client) == {"a1": "while locked", "f1": "the facilitator's"}
    assert notes(b.client) == {"b1": "also while locked", "f1": "the facilitator's"}
    assert lock_room.peer_of(a).dropped_writes == 1
    assert lock_room.peer_of(b).dropped_writes == 1

    # Presence still flows, both ways, and is not counted as a dropped write.
    pointer_a = {"cursor": {"space": "board", "x": 1, "y": 1}}
    pointer_b = {"cursor": {"space": "board", "x": 2, "y": 2}}
    a.client.set_awareness(pointer_a)
    await b.client.wait_until(lambda: pointer_a in b.client.awareness.values())
    b.client.set_awareness(pointer_b)
    await a.client.wait_until(lambda: pointer_b in a.client.awareness.values())
    assert lock_room.peer_of(a).dropped_writes == 1
    assert lock_room.peer_of(b).dropped_writes == 1

    state = (await lock_room.channel.request("state"))["result"]["state"]
    assert [room["locked"] for room in state["rooms"].values()] == [True, False]


async def test_other_rooms_are_not_locked(
    lock_room: LockRoom, server: RunningServer, workshop: dict[str, Any]
) -> None:
    await lock_room.lock(True)
    c = await BoardClient.join(server.http_url, workshop["join_code"], "C", room="r2")
    d = await BoardClient.join(server.http_url, workshop["join_code"], "D", room="r2")
    lock_room.opened += [c, d]
    await c.wait_synced()
    await d.wait_synced()
    c.doc.get("notes", type=Map)["c1"] = "in room 2"
    await d.wait_until(lambda: notes(d) == {"c1": "in room 2"})


async def test_unlock_asks_the_refused_tablet_for_its_edits(lock_room: LockRoom) -> None:
    a = await lock_room.tablet("A", capture=True)
    b = await lock_room.tablet("B")
    assert step1_count(a.client) == 1  # on connect
    await lock_room.lock(True)
    a.write("a1", "first")
    a.write("a2", "second")
    await eventually(lambda: lock_room.peer_of(a).dropped_writes == 2)

    await lock_room.lock(False)
    await b.client.wait_until(lambda: notes(b.client) == {"a1": "first", "a2": "second"})
    assert notes(lock_room.room) == {"a1": "first", "a2": "second"}
    # y-websocket semantics: the server asked A again with its own sync step 1,
    # and A answered with the edits the room lacked.
    assert step1_count(a.client) == 2
    assert lock_room.peer_of(a).dropped_writes == 2
    # B wrote nothing while locked: it was not asked.
    a.write("a3", "after")
    await b.client.wait_until(lambda: "a3" in notes(b.client))


async def test_lock_unlock_race_keeps_both_edits(lock_room: LockRoom) -> None:
    a = await lock_room.tablet("A", capture=True)
    b = await lock_room.tablet("B")
    await lock_room.lock(True)
    a.write("x1", "just after the lock")
    await eventually(lambda: lock_room.peer_of(a).dropped_writes == 1)
    await lock_room.lock(False)
    # At once, without waiting for the server's step 1: this edit depends on x1.
    a.write("x2", "just after the unlock")

    both = {"x1": "just after the lock", "x2": "just after the unlock"}
    await b.client.wait_until(lambda: notes(b.client) == both)
    assert notes(lock_room.room) == both
    assert notes(lock_room.facilitator) == both
    assert step1_count(a.client) == 2
    # A newcomer loads both from the room.
    c = await lock_room.tablet("C")
    assert notes(c.client) == both


async def test_offline_edits_wait_for_the_unlock(lock_room: LockRoom) -> None:
    b = await lock_room.tablet("B")
    b.write("b0", "before the lock")
    await lock_room.lock(True)
    # A tablet comes back with edits it made offline (kept in its doc).
    offline: Doc[Any] = Doc()
    offline.get("notes", type=Map)["off1"] = "written on the bus"
    offline.get("notes", type=Map)["off2"] = "and in the queue"
    a = await lock_room.tablet("A", doc=offline)
    # It synced (it has the room), but its answer to the server's step 1 was dropped.
    await a.client.wait_until(lambda: "b0" in notes(a.client))
    await eventually(lambda: lock_room.peer_of(a).dropped_writes == 1)
    lock_room.facilitator.doc.get("notes", type=Map)["f1"] = "marker"
    await b.client.wait_until(lambda: "f1" in notes(b.client))
    assert notes(b.client) == {"b0": "before the lock", "f1": "marker"}
    assert notes(lock_room.room) == {"b0": "before the lock", "f1": "marker"}

    await lock_room.lock(False)
    everything = {
        "b0": "before the lock", "f1": "marker",
        "off1": "written on the bus", "off2": "and in the queue",
    }  # fmt: skip
    await b.client.wait_until(lambda: notes(b.client) == everything)
    assert notes(lock_room.room) == everything
    assert notes(a.client) == everything


async def test_a_tablet_that_reconnects_during_the_lock_keeps_its_edits(
    lock_room: LockRoom, server: RunningServer, workshop: dict[str, Any]
) -> None:
    b = await lock_room.tablet("B")
    joined = await server.join(workshop["join_code"], "A", room="r1")
    a = BoardClient(server.http_url, workshop["id"], "r1", joined["token"])
    lock_room.opened.append(a)
    a.start()
    await a.wait_synced()
    # The tablet drops off: the server forgets it; its doc keeps what it writes.
    await a.close()
    a.doc.get("notes", type=Map)["off"] = "written offline"
    await lock_room.lock(True)

    again = BoardClient(server.http_url, workshop["id"], "r1", joined["token"], doc=a.doc)
    lock_room.opened.append(again)
    again.start()
    await again.wait_synced()
    tablet = Tablet(again, joined["participant"]["id"])
    await eventually(lambda: lock_room.peer_of(tablet).dropped_writes == 1)
    assert notes(lock_room.room) == {}
    assert notes(b.client) == {}

    await lock_room.lock(False)
    await b.client.wait_until(lambda: notes(b.client) == {"off": "written offline"})
    assert notes(lock_room.room) == {"off": "written offline"}
