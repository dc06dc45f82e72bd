"""Observers on one in-process server: they get the room's projection, which
the server writes, and nothing the room keeps to itself reaches them, byte
for byte: hidden notes, notes that stay in the room (and cards made from
them), private drafts, author names, participants' names, the join code,
and vote results before the reveal. What is meant for them arrives live.
Their writes change nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack
from channelkit import ok, refused, seat, writers
from conftest import RunningServer, eventually
from pycrdt import Doc, Map, Text

from board_server.client import BoardClient, post_json
from board_server.model import RoomKey
from board_server.rooms import Room
from board_server.sync import (
    BoardMessage,
    encode_awareness,
    encode_sync_update,
    parse_message,
)
from board_server.sync.awareness import AwarenessEntry, encode_awareness_update


def add_note(client: BoardClient, note_id: str, text: str, **extra: Any) -> None:
    fields = {"text": Text(text), "x": 10, "y": 10, "color": "#ffe066", "kind": "text",
              "cluster": "", "created": 1, **extra}  # fmt: skip
    client.doc.get("notes", type=Map)[note_id] = Map(fields)


def add_card(client: BoardClient, card_id: str, idea: str, note_id: str) -> None:
    words = {key: Text("") for key in ("step", "who", "when", "cost")}
    fields = {"idea": Text(idea), **words, "note": note_id, "x": 0, "y": 900, "created": 2}
    client.doc.get("actions", type=Map)[card_id] = Map(fields)


def texts(client: BoardClient) -> dict[str, str]:
    """Note id -> text, as the client's copy holds it."""
    notes = client.doc.get("notes", type=Map)
    return {key: str(note["text"]) for key, note in notes.items() if isinstance(note, Map)}


def room_of(server: RunningServer, workshop: dict[str, Any], room: str) -> Room:
    return server.services.rooms.rooms[RoomKey(workshop["id"], room)]


async def on_server(server: RunningServer, workshop: dict[str, Any], note_id: str) -> None:
    notes = room_of(server, workshop, "r1").doc.get("notes", type=Map)
    await eventually(lambda: note_id in notes)


def pushes_in(frames: list[bytes]) -> list[dict[str, Any]]:
    found = []
    for frame in frames:
        message = parse_message(frame)
        if isinstance(message, BoardMessage):
            found.append(msgpack.unpackb(message.body))
    return found


async def test_nothing_filtered_reaches_an_observer(server: RunningServer) -> None:
    workshop = await post_json(
        f"{server.http_url}/api/workshops",
        {"title": "Housing", "rooms": ["Table 1", "Table 2"], "anonymous": False},
        server.config.admin_token,
    )
    url, wid = server.http_url, workshop["id"]
    opened: list[BoardClient] = []

    async def client(token: str, room: str | None, *, capture: bool = False) -> BoardClient:
        made = BoardClient(url, wid, room, token, commands=True, capture=capture)
        opened.append(made)
        made.start()
        async with asyncio.timeout(10):
            await made.said_hello.wait()
            if room is not None:
                await made.synced.wait()
        return made

    try:
        facilitator = await client(workshop["facilitator_token"], None)
        ann = await client(await seat(server, workshop, "Annabel Quill", "r1"), "r1")
        ben = await client(await seat(server, workshop, "Benedict Moss", "r1"), "r1")
        viewer = await client(await server.role_token(workshop, "viewer"), None)

        # Before anyone watches: notes, one hidden, one kept in the room (with
        # a card made from it), and one signed by a client on its own.
        add_note(ann, "alpha", "visible-ALPHA", author="Annabel Quill")
        add_note(ann, "bravo", "hidden-BRAVO")
        add_note(ann, "charlie", "kept-CHARLIE")
        add_card(ann, "golf", "card-from-kept-GOLF", "charlie")
        add_card(ann, "hotel", "card-from-visible-HOTEL", "alpha")
        await on_server(server, workshop, "charlie")
        await ok(facilitator, "note.hide", {"room": "r1", "note": "bravo"})
        mark = {"room": "r1", "note": "charlie", "on": True}
        kept = await ok(facilitator, "note.keep_in_room", mark)
        assert kept["state"]["rooms"]["r1"]["kept"] == ["charlie"]
        await ok(facilitator, "phase.set", {"phase": "ideate", "room": "r1"})
        await ok(facilitator, "banner.set", {"text": "visible-banner-INDIA"})

        observer_token = await server.role_token(workshop, "observer")
        watching = await client(observer_token, "r1", capture=True)
        channel = await client(observer_token, None, capture=True)
        await watching.wait_until(lambda: "alpha" in texts(watching))
        assert texts(watching) == {"alpha": "visible-ALPHA"}
        assert "author" not in watching.doc.get("notes", type=Map)["alpha"]
        assert list(watching.doc.get("actions", type=Map).keys()) == ["hotel"]
        assert "join_code" not in channel.hello["state"]["workshop"]  # type: ignore[index]
        assert "kept" not in channel.hello["state"]["rooms"]["r1"]  # type: ignore[index]
        # The wall still sees what stays in the room, and which notes those are.
        assert (await ok(viewer, "state"))["state"]["rooms"]["r1"]["kept"] == ["charlie"]

        # Private drafts: one marked "stays in the room" by its author, one
        # not, and one never revealed.
        await ok(facilitator, "private.set", {"on": True, "room": "r1"})
        delta = (await ok(ann, "draft.add", {"text": "kept-draft-DELTA"}))["draft"]["id"]
        await ok(ann, "note.keep_in_room", {"note": delta, "on": True, "room": "r1"})
        await ok(ben, "draft.add", {"text": "revealed-draft-ECHO"})
        assert (await ok(facilitator, "private.reveal", {"room": "r1"}))["revealed"] == {"r1": 2}
        await watching.wait_until(lambda: "revealed-draft-ECHO" in texts(watching).values())
        board = room_of(server, workshop, "r1").doc.get("notes", type=Map)
        assert str(board[delta]["text"]) == "kept-draft-DELTA"
        assert board[delta]["author"] == "Annabel Quill"  # on the room's own board
        await ok(facilitator, "private.set", {"on": True, "room": "r1"})
        await ok(ann, "draft.add", {"text": "never-revealed-FOXTROT"})
        await ok(facilitator, "private.set", {"on": False, "room": "r1"})

        # A vote: nothing of its results until the reveal.
        await ok(facilitator, "vote.open", {"mode": "dots", "budget": 3, "room": "r1"})
        await ok(ann, "vote.cast", {"item": "alpha", "amount": 2})
        await ok(ben, "vote.cast", {"item": "alpha", "amount": 1})
        await ok(facilitator, "vote.close", {"room": "r1"})
        await ok(channel, "state")  # anything already sent to it came before this reply
        await ok(watching, "state")
        frames = [*watching.received, *channel.received]  # type: ignore[misc]
        assert not [p for p in pushes_in(frames) if p.get("event") == "vote.results"]
        await ok(facilitator, "vote.reveal", {"room": "r1"})
        result = await channel.wait_push("vote.results")
        assert [(e["item"], e["total"]) for e in result["ranked"]][:1] == [("alpha", 3)]

        # The last visible edit: once it is there, every earlier one has been sent.
        add_note(ben, "juliet", "visible-last-JULIET")
        await watching.wait_until(lambda: "juliet" in texts(watching))
        assert sorted(texts(watching).values()) == [
            "revealed-draft-ECHO", "visible-ALPHA", "visible-last-JULIET",
        ]  # fmt: skip

        # Every item of the observers' copy is the server's: no tablet's client id.
        assert set(writers(watching.doc)).isdisjoint({ann.doc.client_id, ben.doc.client_id})
        frames = [*watching.received, *channel.received]  # type: ignore[misc]
        secret = [
            "hidden-BRAVO", "kept-CHARLIE", "card-from-kept-GOLF", "kept-draft-DELTA",
            "never-revealed-FOXTROT", "Annabel Quill", "Benedict Moss", workshop["join_code"],
        ]  # fmt: skip
        assert [s for s in secret if any(s.encode() in f for f in frames)] == []
        shown = ["visible-ALPHA", "card-from-visible-HOTEL", "revealed-draft-ECHO",
                 "visible-last-JULIET", "visible-banner-INDIA", "Ideas"]  # fmt: skip
        assert [s for s in shown if not any(s.encode() in f for f in frames)] == []

        # A note hidden while they watch leaves their copy too.
        add_note(ben, "kilo", "seen-then-hidden-KILO")
        await watching.wait_until(lambda: "kilo" in texts(watching))
        await ok(facilitator, "note.hide", {"room": "r1", "note": "kilo"})
        await watching.wait_until(lambda: "kilo" not in texts(watching))
        assert "kilo" not in texts(ann)
    finally:
        for made in reversed(opened):
            await made.close()


async def test_an_observer_writes_nothing_and_may_command_nothing(
    server: RunningServer, workshop: dict[str, Any]
) -> None:
    url, wid = server.http_url, workshop["id"]
    ann = BoardClient(url, wid, "r1", await seat(server, workshop, "Ann", "r1"), commands=True)
    observer = BoardClient(
        url, wid, "r1", await server.role_token(workshop, "observer"), commands=True
    )
    async with ann, observer, asyncio.timeout(10):
        await ann.synced.wait()
        await observer.synced.wait()
        add_note(ann, "n1", "from Ann")
        await observer.wait_until(lambda: "n1" in texts(observer))

        # A write of its own, sent raw as a stock client would, and presence.
        other: Doc[Any] = Doc()
        other.get("notes", type=Map)["evil"] = Map({"text": Text("observer-write")})
        observer._send(encode_sync_update(other.get_update()))
        entry = AwarenessEntry(424242, 1, '{"cursor":{"space":"board","x":1,"y":2}}')
        observer._send(encode_awareness(encode_awareness_update([entry])))
        hide = {"room": "r1", "note": "n1"}
        assert (await refused(observer, "note.hide", hide))[0] == "forbidden"
        assert (await refused(observer, "vote.cast", {"item": "n1", "amount": 1}))[0] in (
            "forbidden", "conflict",
        )  # fmt: skip
        room = room_of(server, workshop, "r1")
        assert room.projection is not None
        (peer,) = room.projection.peers
        await eventually(lambda: peer.dropped_writes == 2)

        # Ann's next edit reaches the observer: the writes came before it, and
        # none of them went anywhere.
        add_note(ann, "n2", "after the attempt")
        await observer.wait_until(lambda: "n2" in texts(observer))
        assert "evil" not in room.doc.get("notes", type=Map)
        assert "evil" not in texts(ann) and set(texts(observer)) == {"n1", "n2"}
        assert 424242 not in ann.awareness
        assert "observer-write" not in str(room.projection.doc.get("notes", type=Map).to_py())


async def test_a_stock_yjs_client_reads_the_projection(
    server: RunningServer, workshop: dict[str, Any], node_modules: None
) -> None:
    from nodeclient import NodeYClient

    url, wid = server.http_url, workshop["id"]
    ann = BoardClient(url, wid, "r1", await seat(server, workshop, "Ann", "r1"), commands=True)
    async with ann, asyncio.timeout(15):
        await ann.synced.wait()
        add_note(ann, "n1", "read by y-websocket", author="Ann")
        await on_server(server, workshop, "n1")
        token = await server.role_token(workshop, "observer")
        node = await NodeYClient.start(f"{server.ws_url}/ws/{wid}", "r1", token)
        try:
            await node.wait_event("synced")
            want = {"text": "read by y-websocket", "x": 10, "y": 10, "color": "#ffe066",
                    "kind": "text", "cluster": "", "created": 1}  # fmt: skip
            await node.call("wait_map", map="notes", key="n1", value=want)
            add_note(ann, "n2", "and live")
            await node.call("wait_map", map="notes", key="n2", value={**want, "text": "and live"})
        finally:
            await node.close()
