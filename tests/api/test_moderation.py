"""Moderation on one in-process server, on each store: a hidden note leaves
every board and goes to the bin, which only facilitators see; once the room
compacts, its text is gone from the room's stored document (the SQLite file
and its write-ahead log, or the Redis keys) and only the bin holds it; a
restore puts it back. Bad moderation is refused and changes nothing."""

from __future__ import annotations

import asyncio
import pathlib
import secrets
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channelkit import ok, refused, seat
from conftest import RunningServer, eventually, start_server, until_stored
from pycrdt import Map, Text
from rediskit import REDIS_URL, delete_prefix, stored_under

from board_server.client import BoardClient
from board_server.export.run import _render
from board_server.model import RoomKey
from board_server.storage import redis as redis_store

HIDDEN = "hidden-" + secrets.token_hex(6)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def moderated(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[RunningServer, str | None]]:
    """A server on each store; for Redis, its key prefix (and a log that a
    compaction trims at once, as it does a minute later in service)."""
    if request.param == "sqlite":
        running, stop = await start_server(tmp_path / "data")
        try:
            yield running, None
        finally:
            await stop()
        return
    monkeypatch.setattr(redis_store, "TRIM_GRACE_MS", 0)
    prefix = f"test:{tmp_path.name}:{secrets.token_hex(4)}:"
    running, stop = await start_server(tmp_path / "data", redis_url=REDIS_URL, redis_prefix=prefix)
    try:
        yield running, prefix
    finally:
        await stop()
        await delete_prefix(prefix)


def note(text: str) -> Map:
    fields = {"text": Text(text), "x": 5, "y": 5, "color": "#ffe066", "kind": "text",
              "cluster": "", "created": 7}  # fmt: skip
    return Map(fields)


async def room_holdings(server: RunningServer, prefix: str | None, text: str) -> dict[str, int]:
    """Where the store holds ``text``: per place, how many times."""
    found: dict[str, int] = {}
    needle = text.encode()
    if prefix is None:
        folder = server.config.data_dir
        for path in sorted(folder.glob("board.sqlite3*")):
            if n := path.read_bytes().count(needle):
                found[path.name] = n
        with sqlite3.connect(folder / "board.sqlite3") as conn:
            for table, column in (("doc_snapshots", "snapshot"), ("doc_updates", "data")):
                rows = conn.execute(f"SELECT {column} FROM {table}").fetchall()
                if n := sum(bytes(row[0]).count(needle) for row in rows):
                    found[table] = n
            rows = conn.execute("SELECT body FROM bin").fetchall()
            if n := sum(bytes(row[0]).count(needle) for row in rows):
                found["bin"] = n
        return found
    for key, values in (await stored_under(prefix)).items():
        if n := sum(value.count(needle) for value in values):
            kind = key.decode().removeprefix(prefix).split(":")[0]
            found[kind] = found.get(kind, 0) + n
    return found


async def test_a_hidden_note_leaves_the_boards_and_the_stored_document(
    moderated: tuple[RunningServer, str | None],
) -> None:
    server, prefix = moderated
    workshop = await server.create_workshop()
    url, wid = server.http_url, workshop["id"]
    facilitator = BoardClient(url, wid, None, workshop["facilitator_token"], commands=True)
    ann = BoardClient(url, wid, "r1", await seat(server, workshop, "Ann", "r1"), commands=True)
    ben = BoardClient(url, wid, "r1", await seat(server, workshop, "Ben", "r1"), commands=True)
    async with facilitator, ann, ben, asyncio.timeout(20):
        await ann.synced.wait()
        await ben.synced.wait()
        ann.doc.get("notes", type=Map)["n1"] = note(HIDDEN)
        ann.doc.get("notes", type=Map)["n2"] = note("stays visible")
        ben_notes = ben.doc.get("notes", type=Map)
        await ben.wait_until(lambda: "n2" in ben_notes)
        await facilitator.said_hello.wait()
        room = server.services.rooms.rooms[RoomKey(wid, "r1")]
        await room.compact()  # the text is now in the room's snapshot
        assert set(await room_holdings(server, prefix, HIDDEN)) != set()

        assert await ok(facilitator, "note.hide", {"room": "r1", "note": "n1"}) == {"note": "n1"}
        await ben.wait_until(lambda: "n1" not in ben_notes)
        await ann.wait_until(lambda: "n1" not in ann.doc.get("notes", type=Map))
        assert "n2" in ben_notes
        pushed = await facilitator.wait_push("bin", lambda d: len(d["notes"]) == 1)
        (entry,) = pushed["notes"]
        assert (entry["room"], entry["note"], entry["text"], entry["kind"]) == (
            "r1", "n1", HIDDEN, "text",
        )  # fmt: skip
        assert (await ok(facilitator, "bin.list"))["notes"] == pushed["notes"]
        # Only the bin holds the text: the hide compacted the room, so its
        # snapshot and log (and SQLite's write-ahead log) have none of it.
        if prefix is None:
            assert await room_holdings(server, prefix, HIDDEN) == {"board.sqlite3": 1, "bin": 1}
        else:
            assert await room_holdings(server, prefix, HIDDEN) == {"bin": 1}
        # Participants may not see or empty the bin.
        assert (await refused(ann, "bin.list"))[0] == "forbidden"
        assert (await refused(ann, "note.restore", {"room": "r1", "note": "n1"}))[0] == "forbidden"

        assert await ok(facilitator, "note.restore", {"room": "r1", "note": "n1"}) == {"note": "n1"}
        await ben.wait_until(lambda: "n1" in ben_notes)
        assert str(ben_notes["n1"]["text"]) == HIDDEN
        assert (ben_notes["n1"]["x"], ben_notes["n1"]["created"]) == (5, 7)
        await facilitator.wait_push("bin", lambda d: d["notes"] == [])
        assert (await ok(facilitator, "bin.list"))["notes"] == []
        await room.compact()
        holding = await room_holdings(server, prefix, HIDDEN)
        assert "bin" not in holding and holding != {}
        # Edits go on as before after a restore.
        words = ben_notes["n1"]["text"]
        words += " (edited)"
        ann_notes = ann.doc.get("notes", type=Map)
        await ann.wait_until(lambda: str(ann_notes.get("n1", {}).get("text")).endswith("(edited)"))


async def test_bad_moderation_is_refused_and_changes_nothing(
    server: RunningServer, workshop: dict[str, Any]
) -> None:
    url, wid = server.http_url, workshop["id"]
    facilitator = BoardClient(url, wid, None, workshop["facilitator_token"], commands=True)
    ann = BoardClient(url, wid, "r1", await seat(server, workshop, "Ann", "r1"), commands=True)
    async with facilitator, ann, asyncio.timeout(10):
        await ann.synced.wait()
        ann.doc.get("notes", type=Map)["n1"] = note("mine")
        room = server.services.rooms.rooms[RoomKey(wid, "r1")]
        await eventually(lambda: "n1" in room.doc.get("notes", type=Map))
        await facilitator.said_hello.wait()
        version = (await ok(facilitator, "state"))["state"]["version"]
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("note.hide", {"room": "r1", "note": "nope"}, "not_found"),
            ("note.hide", {"room": "r9", "note": "n1"}, "not_found"),
            ("note.hide", {"room": "r1", "note": ["n1"]}, "invalid"),
            ("note.hide", {"room": "r1", "note": "a" * 65}, "invalid"),
            ("note.restore", {"room": "r1", "note": "n1"}, "not_found"),
            ("note.keep_in_room", {"room": "r1", "note": "n1", "on": "yes"}, "invalid"),
            ("note.keep_in_room", {"room": "r1", "on": True}, "invalid"),
        ]
        for cmd, args, code in cases:
            assert (await refused(facilitator, cmd, args))[0] == code, (cmd, args)
        # A participant may mark only a draft of its own, never a board note.
        mark = {"note": "n1", "on": True}
        assert (await refused(ann, "note.keep_in_room", mark))[0] == "not_found"
        assert (await refused(ann, "note.hide", {"room": "r1", "note": "n1"}))[0] == "forbidden"
        assert (await ok(facilitator, "state"))["state"]["version"] == version
        assert "n1" in room.doc.get("notes", type=Map)
        assert (await ok(facilitator, "bin.list"))["notes"] == []


async def test_exports_leave_out_what_stays_in_the_room_and_every_client_id(
    server: RunningServer, workshop: dict[str, Any]
) -> None:
    url, wid = server.http_url, workshop["id"]
    facilitator = BoardClient(url, wid, None, workshop["facilitator_token"], commands=True)
    ann = BoardClient(url, wid, "r1", await seat(server, workshop, "Ann", "r1"), commands=True)
    async with facilitator, ann, asyncio.timeout(10):
        await ann.synced.wait()
        notes = ann.doc.get("notes", type=Map)
        for key, text in (("n1", "exported-ONE"), ("n2", "hidden-TWO"), ("n3", "kept-THREE")):
            notes[key] = note(text)
        cards = ann.doc.get("actions", type=Map)
        words = {k: Text("") for k in ("step", "who", "when", "cost")}
        cards["c1"] = Map({"idea": Text("card-of-kept-FOUR"), **words, "note": "n3", "created": 1})
        room = server.services.rooms.rooms[RoomKey(wid, "r1")]
        await eventually(lambda: "c1" in room.doc.get("actions", type=Map))
        await facilitator.said_hello.wait()
        await ok(facilitator, "note.hide", {"room": "r1", "note": "n2"})
        await ok(facilitator, "note.keep_in_room", {"room": "r1", "note": "n3", "on": True})
        await ok(facilitator, "private.set", {"on": True, "room": "r1"})
        draft = (await ok(ann, "draft.add", {"text": "kept-draft-FIVE"}))["draft"]["id"]
        await ok(ann, "note.keep_in_room", {"note": draft, "on": True})
        waiting = (await ok(ann, "draft.list"))["drafts"]
        assert [(d["text"], d["keep"]) for d in waiting] == [("kept-draft-FIVE", True)]
        await ok(facilitator, "private.reveal", {"room": "r1"})
        await room.compact()
    for fmt in ("md", "csv", "json"):
        rendered = await _render(server.config, wid, fmt)
        assert rendered is not None
        text = "".join(content.decode() for content in rendered.files.values())
        assert "exported-ONE" in text, fmt
        for secret in ("hidden-TWO", "kept-THREE", "card-of-kept-FOUR", "kept-draft-FIVE"):
            assert secret not in text, (fmt, secret)
        # Nor the Yjs client id that marks the tablet's edits.
        assert str(ann.doc.client_id) not in text, fmt


@pytest.mark.redis
async def test_a_hidden_note_leaves_redis_even_if_its_room_unloads_first(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The log keeps young entries for a while (here 0.3 s) for lagging
    # readers; the room unloads before that, and the compaction after the
    # grace loads it again to trim them.
    monkeypatch.setattr(redis_store, "TRIM_GRACE_MS", 300)
    prefix = f"test:{tmp_path.name}:{secrets.token_hex(4)}:"
    server, stop = await start_server(
        tmp_path / "data", redis_url=REDIS_URL, redis_prefix=prefix, idle_unload_seconds=0.05
    )
    try:
        workshop = await server.create_workshop()
        url, wid = server.http_url, workshop["id"]
        key = RoomKey(wid, "r1")
        facilitator = BoardClient(url, wid, None, workshop["facilitator_token"], commands=True)
        ann = BoardClient(url, wid, "r1", await seat(server, workshop, "Ann", "r1"))
        async with facilitator, asyncio.timeout(20):
            async with ann:
                await ann.synced.wait()
                ann.doc.get("notes", type=Map)["n1"] = note(HIDDEN)
                rooms = server.services.rooms.rooms
                await eventually(lambda: "n1" in rooms[key].doc.get("notes", type=Map))
                await facilitator.said_hello.wait()
                await ok(facilitator, "note.hide", {"room": "r1", "note": "n1"})
            await eventually(lambda: key not in server.services.rooms.rooms)
            assert set(await room_holdings(server, prefix, HIDDEN)) > {"bin"}  # young entries

            # The compaction after the grace leaves the text in the bin alone.
            async def only_in_bin() -> bool:
                return await room_holdings(server, prefix, HIDDEN) == {"bin": 1}

            await until_stored(only_in_bin, timeout=10)
    finally:
        await stop()
        await delete_prefix(prefix)
