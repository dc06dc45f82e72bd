"""Private mode on one in-process server: drafts reach their author and no
one else, byte for byte, until the facilitator reveals them; the server then
writes them onto the board under a client id of its own; bad drafting is
refused; drafts survive a restart; a deleted draft leaves the file."""

from __future__ import annotations

import asyncio
import base64
import pathlib
import secrets
from typing import Any

import pytest
from channelkit import Open, ok, open_channel, refused, seat, writers
from conftest import RunningServer, start_server
from pycrdt import Map, Text

from board_server.client import BoardClient, post_json
from board_server.workshop import drafts

__all__ = ["open_channel"]  # the fixture, from channelkit

SKETCH = [{"points": [10, 10, 60, 40, 90, 20], "color": "#112233", "width": 4}]


def note_texts(client: BoardClient) -> dict[str, str]:
    notes = client.doc.get("notes", type=Map)
    return {
        str(note["text"]): note_id
        for note_id, note in notes.items()
        if isinstance(note, Map) and isinstance(note.get("text"), Text)
    }


def holders(frames: list[bytes], secrets_: list[str]) -> list[str]:
    return [text for text in secrets_ if any(text.encode() in frame for frame in frames)]


def files_holding(folder: pathlib.Path, text: str) -> list[str]:
    return [f.name for f in folder.glob("board.sqlite3*") if text.encode() in f.read_bytes()]


async def test_drafts_reach_only_their_author_until_the_reveal(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open, node_modules: None
) -> None:
    from nodeclient import NodeYClient

    token = workshop["facilitator_token"]
    facilitator = await open_channel(token, capture=True)
    facilitator_board = await open_channel(token, "r1", capture=True)
    ann_token = await seat(server, workshop, "Ann", "r1")
    ann = await open_channel(ann_token, "r1")
    ann_elsewhere = await open_channel(ann_token)  # her workshop socket: a second device
    bob = await open_channel(await seat(server, workshop, "Bob", "r1"), "r1", capture=True)
    cara = await open_channel(await seat(server, workshop, "Cara", "r2"), "r2", capture=True)
    viewer = await open_channel(await server.role_token(workshop, "viewer"), "r1", capture=True)
    observer = await open_channel(await server.role_token(workshop, "observer"), "r1", capture=True)
    node = await NodeYClient.start(
        f"{server.ws_url}/ws/{workshop['id']}", "r1", await seat(server, workshop, "Nod", "r1")
    )
    try:
        await node.wait_event("synced")
        # Ann's tablet writes on the board once, so its client id is in the doc.
        ann.doc.get("notes", type=Map)["before"] = Map({"text": Text("on the board"), "x": 0})
        assert await refused(ann, "draft.add", {"text": "too early"}) == (
            "conflict", "Private mode is off here: put your note on the board."
        )  # fmt: skip

        state = await ok(facilitator, "private.set", {"on": True, "room": "r1"})
        assert state["state"]["rooms"]["r1"]["private"] is True
        assert state["state"]["rooms"]["r2"]["private"] is False
        assert (await ok(ann, "state"))["state"]["rooms"]["r1"]["private"]

        kept, typo, fixed, deleted, bobs = (f"draft-{secrets.token_hex(8)}" for _ in range(5))
        first = (await ok(ann, "draft.add", {"text": kept}))["draft"]
        assert set(first) == {"id", "room", "created", "updated", "kind", "text"}
        assert (first["room"], first["kind"], first["text"]) == ("r1", "text", kept)
        edit = (await ok(ann, "draft.add", {"text": typo}))["draft"]
        edited = (await ok(ann, "draft.edit", {"draft": edit["id"], "text": fixed}))["draft"]
        assert edited == {**edit, "text": fixed, "updated": edited["updated"]}
        assert edited["updated"] >= edit["updated"]
        gone = (await ok(ann, "draft.add", {"text": deleted}))["draft"]
        assert await ok(ann, "draft.delete", {"draft": gone["id"]}) == {}
        picture = (await ok(ann, "draft.add", {"kind": "emoji", "emoji": "🚌"}))["draft"]
        assert picture["emoji"] == "🚌"
        sketch = (await ok(ann, "draft.add", {"kind": "sketch", "strokes": SKETCH}))["draft"]
        assert sketch["strokes"] == [{**SKETCH[0], "points": [10.0, 10.0, 60.0, 40.0, 90.0, 20.0]}]
        await ok(ann, "draft.add", {"text": "   "})  # empty: dropped at the reveal
        await ok(bob, "draft.add", {"text": bobs})

        # Her own list, on both of her connections; nobody else's.
        mine = (await ok(ann, "draft.list"))["drafts"]
        assert [d["text"] for d in mine] == [kept, fixed, "", "", "   "]
        pushed = await ann_elsewhere.wait_push("drafts", lambda d: len(d["drafts"]) == 5)
        assert pushed["drafts"] == mine
        assert [d["text"] for d in (await ok(bob, "draft.list"))["drafts"]] == [bobs]
        # Facilitators see how many, never what.
        count = {"rooms": {"r1": 6, "r2": 0}}
        assert await ok(facilitator, "drafts.count") == count
        assert await facilitator.wait_push("drafts.count", lambda c: c == count) == count

        # Nobody else can touch them, or draft.
        assert await refused(bob, "draft.edit", {"draft": first["id"], "text": "mine now"}) == (
            "not_found", "That private note is gone: deleted, or already on the board."
        )  # fmt: skip
        assert (await refused(bob, "draft.delete", {"draft": first["id"]}))[0] == "not_found"
        for other in (facilitator, viewer, observer):
            assert (await refused(other, "draft.add", {"text": "x"}))[0] == "forbidden"
            assert (await refused(other, "draft.list", {}))[0] == "forbidden"
        assert (await refused(cara, "draft.add", {"text": "x"}))[0] == "conflict"
        assert (await refused(bob, "drafts.count", {}))[0] == "forbidden"
        assert (await refused(bob, "private.reveal", {}))[0] == "forbidden"

        # A board write after all of that reaches each connection after
        # everything sent to it before, so the captures below are complete.
        ann.doc.get("notes", type=Map)["barrier"] = "after the drafts"
        await node.call("wait_map", map="notes", key="barrier", value="after the drafts")
        for client in (bob, viewer, observer, facilitator_board):
            notes = client.doc.get("notes", type=Map)
            await client.wait_until(lambda n=notes: n.get("barrier") == "after the drafts")
        await ok(facilitator, "state")
        await ok(cara, "state")
        texts = [kept, typo, fixed, deleted, bobs, "🚌".encode().decode()]
        captured = {
            "Bob": list(bob.received or []),
            "Cara": list(cara.received or []),
            "viewer": list(viewer.received or []),
            "observer": list(observer.received or []),
            "facilitator (workshop socket)": list(facilitator.received or []),
            "facilitator (board)": list(facilitator_board.received or []),
            "stock Yjs client": [
                base64.b64decode(f) for f in (await node.call("received"))["frames"]
            ],
        }
        assert all(captured.values())
        # Bob's own text reaches Bob: search his frames for the others only.
        leaks = {
            who: holders(frames, [t for t in texts if not (who == "Bob" and t == bobs)])
            for who, frames in captured.items()
        }
        assert leaks == {who: [] for who in captured}
        assert sum(1 for f in bob.received or [] if bobs.encode() in f) >= 1
        before = writers(bob.doc)

        result = await ok(facilitator, "private.reveal", {"room": "r1"})
        assert result["revealed"] == {"r1": 5}
        assert result["state"]["rooms"]["r1"]["private"] is False
        await ann_elsewhere.wait_push("drafts", lambda d: d["drafts"] == [])
        assert await facilitator.wait_push("drafts.count", lambda c: c["rooms"]["r1"] == 0) == {
            "rooms": {"r1": 0, "r2": 0}
        }  # fmt: skip
        for client in (ann, bob, viewer, observer, facilitator_board):
            await client.wait_until(lambda c=client: {kept, fixed, bobs} <= set(note_texts(c)))

        notes = bob.doc.get("notes", type=Map)
        revealed = [n for n in notes.values() if isinstance(n, Map) and n.get("placed")]
        assert sorted(str(n["kind"]) for n in revealed) == [
            "emoji",
            "sketch",
            "text",
            "text",
            "text",
        ]
        assert all("author" not in n for n in revealed)
        assert len({(n["x"], n["y"]) for n in revealed}) == 5
        assert {n["color"] for n in revealed} <= set(drafts.COLORS)
        # One new writer, and it is none of the tablets: the server.
        after = writers(bob.doc)
        new_writers = {c for c in after if after[c] != before.get(c)}
        assert len(new_writers) == 1
        assert new_writers.isdisjoint(
            {ann.doc.client_id, bob.doc.client_id, (await node.call("state"))["clientID"]}
        )
        ann.doc.get("notes", type=Map)["barrier"] = "after the reveal"
        await node.call("wait_map", map="notes", key="barrier", value="after the reveal")
        frames = [base64.b64decode(f) for f in (await node.call("received"))["frames"]]
        assert holders(frames, [kept, fixed, bobs]) == [kept, fixed, bobs]
        # Nothing of the deleted draft, nor of the words edited away, went
        # anywhere, or stays in the store's files.
        every = [*captured.values(), bob.received or [], ann_elsewhere.received or []]
        assert [holders(frames, [deleted, typo]) for frames in every] == [[]] * len(every)
        assert files_holding(server.config.data_dir, deleted) == []
        assert files_holding(server.config.data_dir, typo) == []
        assert await ok(ann, "draft.list") == {"drafts": []}
    finally:
        await node.close()


async def test_named_workshops_sign_revealed_notes(server: RunningServer) -> None:
    workshop = await post_json(
        f"{server.http_url}/api/workshops",
        {"title": "Named", "rooms": ["Table 1"], "anonymous": False},
        server.config.admin_token,
    )
    url, workshop_id = server.http_url, workshop["id"]
    facilitator = BoardClient(url, workshop_id, None, workshop["facilitator_token"], commands=True)
    ann = BoardClient(
        url, workshop_id, "r1", await seat(server, workshop, "Ann", "r1"), commands=True
    )
    async with facilitator, ann, asyncio.timeout(10):
        await facilitator.said_hello.wait()
        await ok(facilitator, "private.set", {"on": True})
        await ann.said_hello.wait()
        assert (await ok(ann, "state"))["state"]["rooms"]["r1"]["private"]
        await ok(ann, "draft.add", {"text": "Signed"})
        assert (await ok(facilitator, "private.reveal"))["revealed"] == {"r1": 1}
        notes = ann.doc.get("notes", type=Map)
        await ann.wait_until(lambda: len(notes) == 1)
        (note,) = notes.values()
        assert (str(note["text"]), note["author"]) == ("Signed", "Ann")


async def test_revealed_notes_cover_nothing_on_the_board(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    notes = ann.doc.get("notes", type=Map)
    with ann.doc.transaction():
        for i, (x, y, cluster) in enumerate([(16, 16, ""), (500, 300, "c1"), (740, 300, "c1")]):
            notes[f"n{i}"] = Map({"text": Text(f"n{i}"), "x": x, "y": y, "cluster": cluster})
        ann.doc.get("actions", type=Map)["a1"] = Map(
            {"idea": Text("An action"), "x": 100, "y": 500}
        )
    await ok(facilitator, "private.set", {"on": True, "room": "r1"})
    assert (await ok(ann, "state"))["state"]["rooms"]["r1"]["private"]
    for i in range(9):
        await ok(ann, "draft.add", {"text": f"idea {i}"})
    assert (await ok(facilitator, "private.reveal"))["revealed"] == {"r1": 9, "r2": 0}
    await ann.wait_until(lambda: len(notes) == 12)
    boxes = [
        (float(n["x"]), float(n["y"]), 220.0, 220.0) for n in notes.values() if n.get("placed")
    ]
    # The group's frame: its notes, padded, with its title above.
    # And the action card, 300 by 380.
    taken = [(16.0, 16.0, 220.0, 220.0), (484.0, 228.0, 492.0, 308.0), (100.0, 500.0, 300.0, 380.0)]

    def apart(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return (
            a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
        )

    assert len(boxes) == 9
    assert all(apart(a, b) for a in boxes for b in taken)
    assert all(apart(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.mark.parametrize(
    ("args", "detail"),
    [
        ({"kind": "video"}, "'kind' must be one of text, emoji, sketch."),
        ({"text": 5}, "'text' must be text."),
        ({"text": "x" * 1001}, "'text' is longer than 1000 characters."),
        ({"kind": "emoji"}, "'emoji' must be 1 to 16 characters."),
        ({"kind": "sketch"}, "'strokes' must be a list of 1 to 200 strokes."),
        (
            {"kind": "sketch", "strokes": [{"points": [1, 2, 3]}]},
            "Each stroke needs 'points': x and y numbers in pairs.",
        ),
        (
            {"kind": "sketch", "strokes": [{"points": [1, 2], "width": 99}]},
            "A stroke's 'width' is 1 to 20.",
        ),
        (
            {"kind": "sketch", "strokes": [{"points": [1, 2], "color": "red; x"}]},
            "A stroke's 'color' is a colour such as #112233.",
        ),
    ],
)
async def test_bad_drafts_are_refused_and_change_nothing(
    server: RunningServer,
    workshop: dict[str, Any],
    open_channel: Open,
    args: dict[str, Any],
    detail: str,
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    await ok(facilitator, "private.set", {"on": True})
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    assert await refused(ann, "draft.add", args) == ("invalid", detail)
    assert await refused(ann, "draft.edit", {"text": "x"}) == (
        "invalid",
        "Say which note: 'draft'.",
    )
    assert await refused(ann, "private.set", {"on": True}) == (
        "forbidden", "Only the facilitator can do that."
    )  # fmt: skip
    assert (await refused(facilitator, "private.set", {"on": "yes"}))[0] == "invalid"
    assert await ok(ann, "draft.list") == {"drafts": []}
    assert await ok(facilitator, "drafts.count") == {"rooms": {"r1": 0, "r2": 0}}


async def test_a_person_has_at_most_so_many_drafts_waiting(
    server: RunningServer,
    workshop: dict[str, Any],
    open_channel: Open,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(drafts, "MAX_DRAFTS", 3)
    facilitator = await open_channel(workshop["facilitator_token"])
    await ok(facilitator, "private.set", {"on": True})
    ann = await open_channel(await seat(server, workshop, "Ann", "r1"), "r1")
    for i in range(3):
        await ok(ann, "draft.add", {"text": f"idea {i}"})
    assert await refused(ann, "draft.add", {"text": "one more"}) == (
        "conflict", "You have 3 private notes waiting already."
    )  # fmt: skip
    # Turning private mode off keeps them waiting: edited, not added to.
    await ok(facilitator, "private.set", {"on": False})
    assert not (await ok(ann, "state"))["state"]["rooms"]["r1"]["private"]
    first = (await ok(ann, "draft.list"))["drafts"][0]
    await ok(ann, "draft.edit", {"draft": first["id"], "text": "better"})
    assert (await refused(ann, "draft.add", {"text": "late"}))[0] == "conflict"
    assert (await ok(facilitator, "private.reveal"))["revealed"] == {"r1": 3, "r2": 0}


async def test_drafts_survive_a_reconnect_and_a_restart(tmp_path: pathlib.Path) -> None:
    running, stop = await start_server(tmp_path / "data")
    try:
        workshop = await running.create_workshop()
        token = await seat(running, workshop, "Ann", "r1")
        facilitator = BoardClient(
            running.http_url, workshop["id"], None, workshop["facilitator_token"], commands=True
        )
        ann = BoardClient(running.http_url, workshop["id"], "r1", token, commands=True)
        async with facilitator, ann, asyncio.timeout(10):
            await facilitator.said_hello.wait()
            await ok(facilitator, "private.set", {"on": True})
            await ann.said_hello.wait()
            assert (await ok(ann, "state"))["state"]["rooms"]["r1"]["private"]
            await ok(ann, "draft.add", {"text": "Still here"})
    finally:
        await stop()
    running, stop = await start_server(tmp_path / "data")
    try:
        facilitator = BoardClient(
            running.http_url, workshop["id"], None, workshop["facilitator_token"], commands=True
        )
        ann = BoardClient(running.http_url, workshop["id"], "r1", token, commands=True)
        async with facilitator, ann, asyncio.timeout(10):
            await ann.said_hello.wait()
            assert [d["text"] for d in (await ok(ann, "draft.list"))["drafts"]] == ["Still here"]
            await facilitator.said_hello.wait()
            assert (await ok(facilitator, "private.reveal"))["revealed"] == {"r1": 1, "r2": 0}
            notes = ann.doc.get("notes", type=Map)
            await ann.wait_until(lambda: len(notes) == 1)
    finally:
        await stop()
