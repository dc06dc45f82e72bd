"""Votes on one in-process server: a vote's life from open to revealed
results, the budget held against a flood, nothing of a tally on the wire
before reveal, and bad casts refused."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from channelkit import Open, ok, open_channel, refused, seat
from conftest import RunningServer
from pycrdt import Map

from board_server.client import BoardClient
from board_server.sync import BoardMessage, parse_message

__all__ = ["open_channel"]  # the fixture, from channelkit


async def add_notes(client: BoardClient, *ids: str) -> None:
    """Put notes with these ids on the client's board; return once the server
    has them (it answers a command only after what the socket sent before)."""
    notes = client.doc.get("notes", type=Map)
    for note_id in ids:
        notes[note_id] = Map({"kind": "text"})
    await ok(client, "state")


async def test_a_dots_vote_from_open_to_ranked_results(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    bob = await open_channel(await seat(server, workshop, "Bob", "r1"), "r1")
    cara = await open_channel(await seat(server, workshop, "Cara", "r2"), "r2")
    viewer = await open_channel(await server.role_token(workshop, "viewer"), "r1")
    observer = await open_channel(await server.role_token(workshop, "observer"))

    opened = await ok(facilitator, "vote.open", {"mode": "dots", "room": "r1"})
    vote = opened["state"]["rooms"]["r1"]["vote"]
    assert {k: v for k, v in vote.items() if k != "id"} == {
        "mode": "dots", "budget": 3, "cap": 3, "unit": "", "items": "notes",
        "anonymous": True, "facilitator": False, "state": "open",
    }  # fmt: skip
    assert opened["state"]["rooms"]["r2"]["vote"] is None
    # Every tablet of the room learns of it from the state push.
    await ann.wait_push("state", lambda s: s["rooms"]["r1"]["vote"] is not None)
    await add_notes(ann, "n1", "n2", "n3")

    assert await ok(ann, "vote.cast", {"item": "n1", "amount": 2}) == {
        "room": "r1", "vote": vote["id"], "ballot": {"n1": 2}, "left": 1,
    }  # fmt: skip
    progress = await facilitator.wait_push("vote.progress", lambda p: p["voted"] == 1)
    assert progress == {
        "room": "r1", "vote": vote["id"], "voted": 1, "of": 2, "waiting": ["Bob"]
    }  # fmt: skip
    await ok(bob, "vote.cast", {"item": "n2", "amount": 1})
    await ok(bob, "vote.cast", {"item": "n1", "amount": 1})
    await ok(ann, "vote.cast", {"item": "n3", "amount": 1})
    assert (await ok(bob, "vote.mine"))["ballot"] == {"n1": 1, "n2": 1}
    await facilitator.wait_push("vote.progress", lambda p: p["voted"] == 2)

    await ok(facilitator, "vote.close", {"room": "r1"})
    assert await refused(ann, "vote.cast", {"item": "n2", "amount": 1}) == (
        "conflict", "This vote is closed."
    )  # fmt: skip
    assert (await refused(bob, "vote.results"))[0] == "conflict"
    await ok(facilitator, "vote.reveal", {"room": "r1"})

    expected = {
        "room": "r1", "vote": vote["id"], "mode": "dots", "items": "notes", "unit": "",
        "voters": 2,
        "ranked": [
            {"item": "n1", "total": 3, "rank": 1},
            {"item": "n2", "total": 1, "rank": 2},
            {"item": "n3", "total": 1, "rank": 3},
        ],
    }  # fmt: skip
    for client in (ann, bob, viewer, observer, facilitator):
        assert await client.wait_push("vote.results") == expected
    assert await ok(bob, "vote.results") == expected
    # Another room's tablets get nothing of it.
    assert [p for p in cara.pushes if p["event"].startswith("vote.")] == []


async def test_an_agreement_scale_shows_the_spread(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    voters = [
        await open_channel(await seat(server, workshop, name, "r2"), "r2")
        for name in ("Ann", "Bob", "Cara", "Dev")
    ]
    await ok(facilitator, "vote.open", {"mode": "scale"})
    await add_notes(voters[0], "split", "liked")
    for voter, score in zip(voters, (1, 5, 5, 1), strict=True):
        await ok(voter, "vote.cast", {"item": "split", "amount": score})
    await ok(voters[0], "vote.cast", {"item": "liked", "amount": 4})
    await ok(voters[0], "vote.cast", {"item": "liked", "amount": 5})  # changed their mind
    await ok(facilitator, "vote.reveal", {"room": "r2"})
    shown = await voters[1].wait_push("vote.results")
    assert shown["ranked"] == [
        {"item": "liked", "total": 5, "spread": [0, 0, 0, 0, 1], "mean": 5.0, "rank": 1},
        {"item": "split", "total": 12, "spread": [2, 0, 0, 0, 2], "mean": 3.0, "rank": 2},
    ]
    assert shown["voters"] == 4


async def test_one_persons_flood_through_two_connections_spends_exactly_the_budget(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    token = await seat(server, workshop, "Ann", "r1")
    board, lobby = await open_channel(token, "r1"), await open_channel(token)
    await ok(facilitator, "vote.open", {"mode": "dots", "budget": 3, "cap": 2, "room": "r1"})
    items = ["a", "b", "c", "d", "e"]
    await add_notes(board, *items)
    replies = await asyncio.gather(
        *(
            (board, lobby)[i % 2].request("vote.cast", {"item": items[i % 5], "amount": 1})
            for i in range(200)
        )
    )
    errors = [reply.get("error") for reply in replies]
    assert errors.count(None) == 3
    assert errors.count("over_budget") == 197
    mine = await ok(board, "vote.mine")
    assert sum(mine["ballot"].values()) == 3
    assert max(mine["ballot"].values()) <= 2
    assert mine["left"] == 0


async def test_no_tally_and_no_ones_vote_reaches_anyone_before_reveal(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"], capture=True)
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    bob = await open_channel(await seat(server, workshop, "Bob", "r1"), "r1", capture=True)
    bob_lobby = await open_channel(await seat(server, workshop, "Bo", "r1"), capture=True)
    viewer = await open_channel(await server.role_token(workshop, "viewer"), "r1", capture=True)
    observer = await open_channel(await server.role_token(workshop, "observer"), capture=True)
    watchers = (facilitator, bob, bob_lobby, viewer, observer)
    await ok(facilitator, "vote.open", {"mode": "budget", "budget": 100, "unit": "£"})
    # The note itself is on the board for all to see; what it got is not.
    secret = f"note-{secrets.token_hex(8)}"
    await add_notes(ann, secret)
    assert (await ok(ann, "vote.cast", {"item": secret, "amount": 70}))["left"] == 30
    await facilitator.wait_push("vote.progress", lambda p: p["voted"] == 1)
    await ok(facilitator, "vote.close")
    # Closed, not revealed: no command-channel byte to anyone but Ann names it.
    await ok(facilitator, "state")
    for client in watchers:
        assert client.received is not None
        channel = [f for f in client.received if isinstance(parse_message(f), BoardMessage)]
        assert channel, client.url
        assert all(secret.encode() not in frame for frame in channel), client.url
    await ok(facilitator, "vote.reveal")
    for client in watchers:
        shown = await client.wait_push("vote.results", lambda r: r["room"] == "r1")
        assert shown["ranked"] == [{"item": secret, "total": 70, "rank": 1}]
        assert shown["unit"] == "£"


async def test_bad_votes_are_refused_and_change_nothing(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    observer = await open_channel(await server.role_token(workshop, "observer"))
    viewer = await open_channel(await server.role_token(workshop, "viewer"), "r1")
    assert (await refused(ann, "vote.cast", {"item": "n1", "amount": 1}))[0] == "conflict"
    assert (await refused(ann, "vote.open", {"mode": "dots"}))[0] == "forbidden"
    assert (await refused(facilitator, "vote.open", {"mode": "raffle"}))[0] == "invalid"
    assert (await refused(facilitator, "vote.open", {"mode": "dots", "budget": 0}))[0] == "invalid"
    await ok(facilitator, "vote.open", {"mode": "dots", "budget": 2, "room": "r1"})
    assert (await refused(facilitator, "vote.open", {"mode": "scale"}))[0] == "conflict"
    await add_notes(ann, "n1")
    assert await refused(ann, "vote.cast", {"item": "n9", "amount": 1}) == (
        "not_found", "There is no such note on this board."
    )  # fmt: skip
    for args in (
        {"item": "n1", "amount": "1"},
        {"item": "n1", "amount": True},
        {"item": "", "amount": 1},
        {"item": "x" * 65, "amount": 1},
        {"item": 5, "amount": 1},
    ):
        assert (await refused(ann, "vote.cast", args))[0] == "invalid", args
    assert (await refused(ann, "vote.cast", {"item": "n1", "amount": -1}))[0] == "invalid"
    assert (await refused(ann, "vote.cast", {"item": "n1", "amount": 3}))[0] == "over_budget"
    assert (await refused(ann, "vote.cast", {"room": "r2", "item": "n1", "amount": 1}))[0] == (
        "forbidden"
    )
    for other in (observer, viewer, facilitator):
        error = await refused(other, "vote.cast", {"room": "r1", "item": "n1", "amount": 1})
        assert error == ("forbidden", "Only the people in the room vote here."), other.url
    assert (await ok(ann, "vote.mine"))["ballot"] == {}


async def test_a_facilitator_votes_only_when_the_vote_says_so(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    await add_notes(ann, "n1")
    await ok(facilitator, "vote.open", {"mode": "dots", "room": "r1"})
    error = await refused(facilitator, "vote.cast", {"room": "r1", "item": "n1", "amount": 1})
    assert error == ("forbidden", "Only the people in the room vote here.")
    await ok(facilitator, "vote.close", {"room": "r1"})
    await ok(facilitator, "vote.open", {"mode": "dots", "facilitator": True})
    cast = await ok(facilitator, "vote.cast", {"room": "r1", "item": "n1", "amount": 2})
    assert (cast["ballot"], cast["left"]) == ({"n1": 2}, 1)
    assert (await ok(facilitator, "vote.mine", {"room": "r1"}))["ballot"] == {"n1": 2}
    assert (await ok(ann, "vote.mine"))["ballot"] == {}
    # No board of r2 is open on this server: its notes are read from the store.
    assert await refused(facilitator, "vote.cast", {"room": "r2", "item": "n1", "amount": 1}) == (
        "not_found", "There is no such note on this board."
    )  # fmt: skip
    await ok(facilitator, "vote.reveal", {"room": "r1"})
    shown = await ann.wait_push("vote.results")
    assert (shown["voters"], shown["ranked"]) == (1, [{"item": "n1", "total": 2, "rank": 1}])


async def test_a_named_vote_shows_who_gave_what_to_all_but_observers(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    bob = await open_channel(await seat(server, workshop, "Bob", "r1"), "r1")
    viewer = await open_channel(await server.role_token(workshop, "viewer"), "r1")
    observer = await open_channel(await server.role_token(workshop, "observer"), "r1", capture=True)
    args = {"mode": "dots", "room": "r1", "anonymous": False, "facilitator": True}
    await ok(facilitator, "vote.open", args)
    await ann.wait_push("state", lambda s: s["rooms"]["r1"]["vote"] is not None)
    await add_notes(ann, "n1", "n2")
    await ok(ann, "vote.cast", {"item": "n1", "amount": 2})
    await ok(bob, "vote.cast", {"item": "n1", "amount": 1})
    await ok(bob, "vote.cast", {"item": "n2", "amount": 2})
    await ok(facilitator, "vote.cast", {"item": "n2", "amount": 1, "room": "r1"})
    await ok(facilitator, "vote.reveal", {"room": "r1"})

    by = {
        "n1": [{"name": "Ann", "amount": 2}, {"name": "Bob", "amount": 1}],
        "n2": [{"name": "Bob", "amount": 2}, {"name": "Facilitator", "amount": 1}],
    }
    for client in (ann, bob, viewer, facilitator):
        shown = await client.wait_push("vote.results")
        assert {e["item"]: e["by"] for e in shown["ranked"]} == by
        asked = await ok(client, "vote.results", {"room": "r1"})
        assert {e["item"]: e["by"] for e in asked["ranked"]} == by
    pushed = await observer.wait_push("vote.results")
    assert [e.get("by") for e in pushed["ranked"]] == [None, None]
    assert [e.get("by") for e in (await ok(observer, "vote.results"))["ranked"]] == [None, None]
    # Not a byte of a name reached the observer.
    assert observer.received is not None
    assert [f for f in observer.received if b"Ann" in f or b"Bob" in f] == []


async def test_someone_who_joins_during_a_vote_can_vote_and_is_counted(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    opened = await ok(facilitator, "vote.open", {"mode": "dots", "room": "r1"})
    vote_id = opened["state"]["rooms"]["r1"]["vote"]["id"]
    await add_notes(ann, "n1")
    await ok(ann, "vote.cast", {"item": "n1", "amount": 1})
    await facilitator.wait_push("vote.progress", lambda p: p["voted"] == 1)
    # Cleo arrives after the vote opened: her tablet sees it, and she votes.
    cleo = await open_channel(await seat(server, workshop, "Cleo", "r1"), "r1")
    assert cleo.hello is not None
    assert cleo.hello["state"]["rooms"]["r1"]["vote"]["id"] == vote_id
    assert (await ok(cleo, "vote.cast", {"item": "n1", "amount": 2}))["left"] == 1
    progress = await facilitator.wait_push("vote.progress", lambda p: p["voted"] == 2)
    assert (progress["of"], progress["waiting"]) == (2, [])
