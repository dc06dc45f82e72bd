"""The gallery walk on one in-process server: other rooms' boards open, read
only, only while a room's phase is a gallery walk; build-ons land in the
visited room's lane, written by the server and labelled with a room, never a
person; when the phase ends the views close and the server refuses them."""

from __future__ import annotations

from typing import Any

from channelkit import ok, refused, writers
from conftest import close_after
from hallkit import MOVED_AWAY, NOT_THIS_ROOM, Hall, closed, hall, notes, write
from pycrdt import Map

__all__ = ["hall"]  # the fixture, from hallkit

WALK_ENDED = (4403, "The gallery walk has ended.")
NOT_ON = ("conflict", "The gallery walk is not on: the other boards are closed.")


def lane(client: Any) -> dict[str, Any]:
    found: dict[str, Any] = client.doc.get("buildons", type=Map).to_py()
    return found


async def test_a_gallery_walk_opens_the_other_boards_read_only_until_it_ends(
    hall: Hall,
) -> None:
    facilitator = await hall.facilitator()
    ann = await hall.join("Ann", "r1")
    ben = await hall.join("Ben", "r2")
    own = await hall.open(ann.token, "r1")
    bens = await hall.open(ben.token, "r2")
    write(bens, "b1", "Table 2's idea")
    assert await hall.refusal(ann.token, "r2") == NOT_THIS_ROOM
    assert await refused(own, "buildon.add", {"room": "r2", "text": "Yes, and"}) == NOT_ON

    state = (await ok(facilitator, "phase.set", {"phase": "gallery", "room": "r1"}))["state"]
    pushed = await own.wait_push("state", lambda s: s["version"] == state["version"])
    assert pushed["gallery"] == [{"room": "r2", "name": "Table 2"}]
    # Only Table 1 walks: Table 2's tablets still see their own room only.
    assert (await ok(bens, "state"))["state"]["gallery"] == []
    assert await hall.refusal(ben.token, "r1") == NOT_THIS_ROOM

    visit = await hall.open(ann.token, "r2")
    await visit.wait_until(lambda: notes(visit) == {"b1": "Table 2's idea"})
    write(visit, "a1", "Ann scribbles on Table 2")
    write(bens, "b2", "after Ann's")
    await bens.wait_until(lambda: "b2" in notes(bens))
    await visit.wait_until(lambda: "b2" in notes(visit))
    assert notes(bens) == {"b1": "Table 2's idea", "b2": "after Ann's"}

    before = writers(bens.doc)
    result = await ok(visit, "buildon.add", {"room": "r2", "text": "  Yes, and at night too  "})
    buildon = result["buildon"]
    assert {k: v for k, v in buildon.items() if k not in ("id", "created")} == {
        "text": "Yes, and at night too", "room": "r1", "from": "Table 1",
    }  # fmt: skip
    await bens.wait_until(lambda: buildon["id"] in lane(bens))
    assert lane(bens)[buildon["id"]] == {k: v for k, v in buildon.items() if k != "id"}
    await visit.wait_until(lambda: buildon["id"] in lane(visit))
    # Written by the server: one new writer, none of the tablets.
    new = set(writers(bens.doc)) - set(before)
    assert len(new) == 1
    assert new.isdisjoint({own.doc.client_id, visit.doc.client_id, bens.doc.client_id})
    # From her own board too; and nowhere but the other rooms' boards.
    await ok(own, "buildon.add", {"room": "r2", "text": "Ask the bus company"})
    await bens.wait_until(lambda: len(lane(bens)) == 2)
    assert await refused(own, "buildon.add", {"room": "r1", "text": "x"}) == (
        "invalid", "Build-ons go on the other rooms' boards."
    )  # fmt: skip
    assert (await refused(own, "buildon.add", {"room": "r9", "text": "x"}))[0] == "not_found"
    assert (await refused(own, "buildon.add", {"room": "r2", "text": "  "}))[0] == "invalid"
    assert (await refused(own, "buildon.add", {"room": "r2", "text": "x" * 301}))[0] == "invalid"
    assert await refused(bens, "buildon.add", {"room": "r1", "text": "x"}) == NOT_ON
    assert (await refused(facilitator, "buildon.add", {"room": "r2", "text": "x"}))[0] == (
        "forbidden"
    )
    # Nothing goes onto a paused board.
    await ok(facilitator, "room.lock", {"room": "r2", "locked": True})
    assert await refused(own, "buildon.add", {"room": "r2", "text": "x"}) == (
        "conflict", "Table 2 is paused: build on it later."
    )  # fmt: skip
    await ok(facilitator, "room.lock", {"room": "r2", "locked": False})
    # A visit speaks for the visitor's own room: no drafting in Table 2.
    await ok(facilitator, "private.set", {"on": True, "room": "r2"})
    assert (await refused(visit, "draft.add", {"text": "x"}))[0] == "conflict"

    await ok(facilitator, "phase.set", {"phase": "plan", "room": "r1"})
    assert await closed(visit) == WALK_ENDED
    assert await hall.refusal(ann.token, "r2") == NOT_THIS_ROOM
    assert await refused(own, "buildon.add", {"room": "r2", "text": "late"}) == NOT_ON
    assert [c.closed.is_set() for c in (own, bens)] == [False, False]
    assert await close_after(hall.url(ann.token, "r2")) == NOT_THIS_ROOM


async def test_an_old_token_does_not_walk_with_the_room_it_left(hall: Hall) -> None:
    facilitator = await hall.facilitator()
    ann = await hall.join("Ann", "r1")
    await ok(facilitator, "phase.set", {"phase": "gallery", "room": "r1"})
    await ok(facilitator, "participant.move", {"participant": ann.id, "room": "r2"})
    # Her old token names Table 1, whose walk is on; her seat is in Table 2.
    assert await hall.refusal(ann.token, "r2") == MOVED_AWAY
