"""Breakouts on one in-process server: moving, shuffling and removing participants,
the facilitator's live list of people, and the spotlight (docs/protocol.md,
"The command channel", "Moves and the spotlight").

Who may send these commands is tested in test_channel.py
(test_no_facilitator_command_works_for_another_role)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from channelkit import ok
from conftest import RunningServer, eventually
from hallkit import (
    MOVED_AWAY,
    NO_LONGER_IN,
    NOT_THIS_ROOM,
    SPOTLIGHT_ENDED,
    TAKEN_OUT,
    Hall,
    closed,
    hall,
    notes,
    person,
    write,
)
from pycrdt import Map

from board_server.client import BoardClient

__all__ = ["hall"]  # the fixture, from hallkit


def events(client: BoardClient) -> list[str]:
    """The pushes a client received, by name, without the state and who-is-here pushes."""
    return [push["event"] for push in client.pushes if push["event"] not in ("state", "people")]


# Moves.


async def test_a_moved_tablet_follows_with_its_new_token_and_the_old_one_opens_nothing(
    hall: Hall,
) -> None:
    facilitator = await hall.facilitator()
    ann = await hall.join("Ann", "r1")
    ben = await hall.join("Ben", "r2")
    tablet = await hall.open(ann.token, "r1")
    lobby = await hall.open(ann.token, None)
    bens = await hall.open(ben.token, "r2")
    write(bens, "b1", "from Ben in Table 2")
    write(tablet, "a1", "from Ann in Table 1")
    # Answered after the server has taken each board's write before it.
    await ok(bens, "state")
    await ok(tablet, "state")

    result = await ok(facilitator, "participant.move", {"participant": ann.id, "room": "r2"})

    assert result == {"participant": ann.id, "room": "r2"}
    moved = await tablet.wait_push("moved")
    assert moved == {"room": "r2", "name": "Table 2", "token": moved["token"]}
    assert moved["token"] != ann.token
    assert await closed(tablet) == MOVED_AWAY
    assert events(tablet) == ["moved"]
    # Ann's workshop socket is told too, and stays open: it now follows Table 2.
    assert await lobby.wait_push("moved") == moved
    assert not lobby.closed.is_set()
    assert list((await ok(lobby, "state"))["state"]["rooms"]) == ["r2"]
    rehello = await ok(lobby, "hello", {"v": 1})
    assert rehello["you"] == {"role": "participant", "participant": ann.id, "room": "r2"}
    assert list(rehello["state"]["rooms"]) == ["r2"]

    # The new token opens Table 2, with Ben's note and without Table 1's.
    again = await hall.open(moved["token"], "r2")
    assert again.hello is not None
    assert again.hello["you"] == {"role": "participant", "participant": ann.id, "room": "r2"}
    assert notes(again) == {"b1": "from Ben in Table 2"}
    write(again, "a2", "from Ann in Table 2")
    await bens.wait_until(lambda: "a2" in notes(bens))
    assert notes(bens) == {"b1": "from Ben in Table 2", "a2": "from Ann in Table 2"}

    assert await hall.refusal(ann.token, "r1") == MOVED_AWAY
    assert await hall.refusal(ann.token, "r2") == NOT_THIS_ROOM
    assert await hall.refusal(moved["token"], "r1") == NOT_THIS_ROOM
    people = (await ok(facilitator, "people"))["people"]
    assert people == [person(ann, "r2", online=True), person(ben, online=True)]
    entries = (await ok(facilitator, "audit.list"))["entries"]
    assert [(e["actor"], e["action"], e["room"], e["detail"]) for e in entries] == [
        ("facilitator", "participant.move", "r2", "Ann to Table 2")
    ]


async def test_moving_a_participant_to_its_own_room_changes_nothing(hall: Hall) -> None:
    facilitator = await hall.facilitator()
    ann = await hall.join("Ann", "r1")
    tablet = await hall.open(ann.token, "r1")

    result = await ok(facilitator, "participant.move", {"participant": ann.id, "room": "r1"})

    assert result == {"participant": ann.id, "room": "r1"}
    # A request on the tablet's socket is answered after anything pushed to it before.
    await ok(tablet, "state")
    assert events(tablet) == []
    assert not tablet.closed.is_set()
    assert (await ok(facilitator, "audit.list"))["entries"] == []


async def test_a_move_may_fill_a_room_past_its_capacity(server: RunningServer) -> None:
    workshop = await server.create_workshop(room_capacity=1)
    hall = Hall(server, workshop)
    try:
        facilitator = await hall.facilitator()
        ann = await hall.join("Ann", "r1")
        ben = await hall.join("Ben", "r2")

        await ok(facilitator, "participant.move", {"participant": ann.id, "room": "r2"})

        people = (await ok(facilitator, "people"))["people"]
        assert people == [person(ann, "r2", online=False), person(ben, online=False)]
    finally:
        await hall.close()


# The shuffle.


async def seats(server: RunningServer, workshop_id: str) -> dict[str, int]:
    """Seats per room, as GET /api/workshops shows them to the admin."""
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(
            f"{server.http_url}/api/workshops",
            headers={"Authorization": f"Bearer {server.config.admin_token}"},
        )
    assert answer.status_code == 200, answer.text
    (found,) = [w for w in answer.json()["workshops"] if w["id"] == workshop_id]
    return {room["id"]: room["seats"] for room in found["rooms"]}


async def test_shuffle_spreads_seventeen_people_evenly_over_four_rooms(
    server: RunningServer,
) -> None:
    rooms = ("Table 1", "Table 2", "Table 3", "Table 4")
    workshop = await server.create_workshop("Shuffle", rooms, room_capacity=20)
    names = {f"r{i}": name for i, name in enumerate(rooms, start=1)}
    hall = Hall(server, workshop)
    try:
        facilitator = await hall.facilitator()
        seats_before = [
            await hall.join(f"P{i:02d}", "r1" if i <= 9 else "r2") for i in range(1, 18)
        ]
        tablets = {seat.id: await hall.open(seat.token, seat.room) for seat in seats_before}
        assert await seats(server, workshop["id"]) == {"r1": 9, "r2": 8, "r3": 0, "r4": 0}

        result = await ok(facilitator, "rooms.shuffle")

        sizes = result["sizes"]
        assert list(sizes) == ["r1", "r2", "r3", "r4"]
        assert sorted(sizes.values()) == [4, 4, 4, 5]
        people = (await ok(facilitator, "people"))["people"]
        after = {p["id"]: p["room"] for p in people}
        assert Counter(after.values()) == sizes
        assert await seats(server, workshop["id"]) == sizes
        moved = {seat.id for seat in seats_before if after[seat.id] != seat.room}
        assert result["moved"] == len(moved)
        # At least the eight who sit in r3 and r4 now came from r1 or r2.
        assert len(moved) >= 8
        for seat in seats_before:
            tablet = tablets[seat.id]
            if seat.id in moved:
                push = await tablet.wait_push("moved")
                room = after[seat.id]
                assert push == {"room": room, "name": names[room], "token": push["token"]}
                assert await closed(tablet) == MOVED_AWAY
            else:
                await ok(tablet, "state")
                assert events(tablet) == []
                assert not tablet.closed.is_set()
        # The facilitator's list follows every tablet going offline.
        offline = [{**p, "online": p["id"] not in moved} for p in people]
        await facilitator.wait_push("people", lambda data: data["people"] == offline)
        entries = (await ok(facilitator, "audit.list"))["entries"]
        assert [(e["action"], e["detail"]) for e in entries] == [
            ("rooms.shuffle", f"{len(moved)} people moved")
        ]
    finally:
        await hall.close()


# Removal.


async def test_a_removed_participant_is_closed_out_and_its_notes_stay(
    hall: Hall, server: RunningServer, workshop: dict[str, Any]
) -> None:
    facilitator = await hall.facilitator()
    ann = await hall.join("Ann", "r1")
    ben = await hall.join("Ben", "r1")
    tablet = await hall.open(ann.token, "r1")
    lobby = await hall.open(ann.token, None)
    bens = await hall.open(ben.token, "r1", commands=False)
    write(tablet, "a1", "Ann's idea")
    await bens.wait_until(lambda: "a1" in notes(bens))

    assert await ok(facilitator, "participant.remove", {"participant": ann.id}) == {}

    assert await tablet.wait_push("removed") == {}
    assert await closed(tablet) == TAKEN_OUT
    assert await lobby.wait_push("removed") == {}
    assert await closed(lobby) == TAKEN_OUT
    assert events(tablet) == events(lobby) == ["removed"]
    assert await hall.refusal(ann.token, "r1") == NO_LONGER_IN
    assert await hall.refusal(ann.token, None) == NO_LONGER_IN
    assert await hall.refusal(ann.token, "r2") == NOT_THIS_ROOM

    # Ann's note stays on the board, for Ben and for whoever opens it next.
    assert notes(bens) == {"a1": "Ann's idea"}
    assert not bens.closed.is_set()
    cleo = await hall.join("Cleo", "r1")
    assert notes(await hall.open(cleo.token, "r1")) == {"a1": "Ann's idea"}
    people = (await ok(facilitator, "people"))["people"]
    assert people == [person(ben, online=True), person(cleo, online=True)]
    assert await seats(server, workshop["id"]) == {"r1": 2, "r2": 0}
    entries = (await ok(facilitator, "audit.list"))["entries"]
    assert [(e["action"], e["room"], e["detail"]) for e in entries] == [
        ("participant.remove", "r1", "Ann")
    ]
    again = await facilitator.request("participant.remove", {"participant": ann.id})
    assert {k: v for k, v in again.items() if k != "re"} == {
        "ok": False, "error": "not_found", "detail": "That participant is not in the workshop.",
    }  # fmt: skip


async def test_a_move_and_a_removal_whose_events_are_lost_still_reach_the_tablets(
    hall: Hall,
) -> None:
    """Redis pub/sub may drop an event; the seats in the store still win,
    within one refresh (5 s). Here the store changes and no event is sent."""
    services = hall.server.services
    ann = await hall.join("Ann", "r1")
    ben = await hall.join("Ben", "r1")
    anns = await hall.open(ann.token, "r1")
    ann_lobby = await hall.open(ann.token, None)
    bens = await hall.open(ben.token, "r1")
    seat = await services.store.get_participant(hall.workshop["id"], ann.id)
    assert seat is not None
    await services.workshops.move(seat, "r2")
    await services.store.leave(hall.workshop["id"], ben.id, 0.0)

    moved = await anns.wait_push("moved")
    assert moved == {"room": "r2", "name": "Table 2", "token": moved["token"]}
    assert await closed(anns) == MOVED_AWAY
    assert await ann_lobby.wait_push("moved") == moved
    assert await bens.wait_push("removed") == {}
    assert await closed(bens) == TAKEN_OUT
    # Told once: Ann's workshop socket follows Table 2, and the next rounds
    # of the refresh (run here at once) tell nobody anything again.
    again = await hall.open(moved["token"], "r2")
    for _ in range(2):
        await services.commands._reconcile(hall.workshop["id"])
    await ok(again, "state")
    await ok(ann_lobby, "state")
    assert (await ok(ann_lobby, "hello", {"v": 1}))["you"]["room"] == "r2"
    assert [p["event"] for p in ann_lobby.pushes].count("moved") == 1
    assert events(again) == []


async def test_leaving_closes_the_workshop_socket_too(hall: Hall) -> None:
    ann = await hall.join("Ann", "r1")
    board = await hall.open(ann.token, "r1")
    lobby = await hall.open(ann.token, None)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{hall.server.http_url}/api/leave",
            headers={"Authorization": f"Bearer {ann.token}"},
        )
    assert answer.status_code == 204
    assert await closed(board) == (4401, "You left the workshop.")
    assert await closed(lobby) == (4401, "You left the workshop.")
    assert events(lobby) == []


# The facilitator's list of people.


async def test_the_people_list_follows_joins_connections_and_disconnections(
    hall: Hall,
) -> None:
    facilitator = await hall.facilitator()
    assert (await ok(facilitator, "people"))["people"] == []

    ann = await hall.join("Ann", "r2")
    await facilitator.wait_push("people", lambda d: d["people"] == [person(ann, online=False)])
    ben = await hall.join("ben", "r1")
    cleo = await hall.join("Cleo", "r1")
    everyone = [person(ben, online=False), person(cleo, online=False), person(ann, online=False)]
    await facilitator.wait_push("people", lambda d: d["people"] == everyone)

    tablet = await hall.open(ann.token, "r2", commands=False)
    everyone[2] = person(ann, online=True)
    await facilitator.wait_push("people", lambda d: d["people"] == everyone)
    assert (await ok(facilitator, "people"))["people"] == everyone

    # A second board of Ann's, then the first one goes: Ann is still online.
    second = await hall.open(ann.token, "r2", commands=False)
    await tablet.close()
    await eventually(lambda: len(hall.room("r2").peers) == 1)
    assert (await ok(facilitator, "people"))["people"] == everyone

    await second.close()
    everyone[2] = person(ann, online=False)
    await facilitator.wait_push("people", lambda d: d["people"] == everyone)
    assert (await ok(facilitator, "people"))["people"] == everyone
    # Cleo's tablet is told who is online in her room, by name only; a
    # viewer, in every room; an observer, nothing.
    cleos = await hall.open(cleo.token, "r1")
    everyone[1] = person(cleo, online=True)
    await facilitator.wait_push("people", lambda d: d["people"] == everyone)
    cleo_here = [{"name": "Cleo", "room": "r1", "online": True}]
    await cleos.wait_push("people", lambda d: d["people"] == cleo_here)
    viewer = await hall.open(await hall.server.role_token(hall.workshop, "viewer"), None)
    observer = await hall.open(await hall.server.role_token(hall.workshop, "observer"), None)
    anns = await hall.open(ann.token, "r2")
    ann_here = [{"name": "Ann", "room": "r2", "online": True}]
    await anns.wait_push("people", lambda d: d["people"] == ann_here)
    await viewer.wait_push("people", lambda d: d["people"] == cleo_here + ann_here)
    await cleos.wait_push("people", lambda d: d["people"] == cleo_here)
    await ok(observer, "state")
    assert [push["event"] for push in observer.pushes if push["event"] != "state"] == []
    # Never a name from another room, never an id.
    told = [entry for p in cleos.pushes if p["event"] == "people" for entry in p["data"]["people"]]
    assert told and all(entry == cleo_here[0] for entry in told)


# The spotlight.


@pytest.mark.parametrize("then", [None, "r1"], ids=["ended", "moved-on"])
async def test_the_spotlight_opens_a_room_read_only_until_it_ends(
    hall: Hall, then: str | None
) -> None:
    facilitator = await hall.facilitator()
    ann = await hall.join("Ann", "r1")
    ben = await hall.join("Ben", "r2")
    cleo = await hall.join("Cleo", "r2")
    own = await hall.open(ann.token, "r1")
    bens = await hall.open(ben.token, "r2", commands=False)
    cleos = await hall.open(cleo.token, "r2", commands=False)
    write(bens, "b1", "Table 2's idea")
    await cleos.wait_until(lambda: "b1" in notes(cleos))
    assert await hall.refusal(ann.token, "r2") == NOT_THIS_ROOM

    await ok(facilitator, "room.prompt", {"room": "r2", "text": "Where do children play?"})
    state = (await ok(facilitator, "spotlight.set", {"room": "r2"}))["state"]

    # Ann's state holds only her room: the spotlight brings Table 2's question.
    shown = {"room": "r2", "name": "Table 2", "prompt": "Where do children play?"}
    assert state["spotlight"] == shown
    pushed = await own.wait_push("state", lambda s: s["version"] == state["version"])
    assert pushed["spotlight"] == shown
    assert list(pushed["rooms"]) == ["r1"]
    spectator = await hall.open(ann.token, "r2")
    assert spectator.hello is not None
    assert spectator.hello["you"] == {"role": "participant", "participant": ann.id, "room": "r2"}
    assert notes(spectator) == {"b1": "Table 2's idea"}

    # Ann's write in Table 2 is dropped: the room and Cleo never get it.
    write(spectator, "a1", "Ann scribbles on Table 2")
    await eventually(lambda: hall.peer("r2", ann.id).dropped_writes == 1)
    write(bens, "b2", "written after Ann's")
    await cleos.wait_until(lambda: "b2" in notes(cleos))
    table_2 = {"b1": "Table 2's idea", "b2": "written after Ann's"}
    assert notes(cleos) == table_2
    room = hall.room("r2")
    assert room.doc.get("notes", type=Map).to_py() == table_2
    # Ann still sits in Table 1, and still sees Table 2 live.
    await spectator.wait_until(lambda: "b2" in notes(spectator))
    people = (await ok(facilitator, "people"))["people"]
    assert [(p["name"], p["room"]) for p in people] == [
        ("Ann", "r1"),
        ("Ben", "r2"),
        ("Cleo", "r2"),
    ]

    state = (await ok(facilitator, "spotlight.set", {"room": then}))["state"]

    spotlight = None if then is None else {"room": "r1", "name": "Table 1", "prompt": ""}
    assert state["spotlight"] == spotlight
    assert await closed(spectator) == SPOTLIGHT_ENDED
    assert await hall.refusal(ann.token, "r2") == NOT_THIS_ROOM
    pushed = await own.wait_push("state", lambda s: s["version"] == state["version"])
    assert pushed["spotlight"] == spotlight
    # Her own board, Ben's and Cleo's stay open.
    assert [c.closed.is_set() for c in (own, bens, cleos)] == [False, False, False]
    assert room.doc.get("notes", type=Map).to_py() == table_2
