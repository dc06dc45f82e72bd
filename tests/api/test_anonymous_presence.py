"""No names in presence, and nothing that pairs a name with a Yjs client id,
on one in-process server: every message every connection receives while
named tablets move pointers and edit notes, one of them putting its name
into awareness on purpose, is decoded and searched."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import msgpack
from channelkit import seat
from conftest import RunningServer
from pycrdt import Doc, Map, Text

from board_server.client import BoardClient
from board_server.sync import (
    AwarenessMessage,
    BoardMessage,
    SyncStep2,
    SyncUpdate,
    parse_message,
)
from board_server.sync.awareness import parse_awareness

NAMES = ["Priya Okonkwo", "Tomasz Lindqvist", "Aroha Delacroix"]


def leaves(value: Any) -> Iterator[Any]:
    """Every scalar inside a decoded msgpack value, map keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    else:
        yield value


async def test_presence_never_names_anyone_and_no_message_pairs_a_name_with_a_client_id(
    server: RunningServer, workshop: dict[str, Any]
) -> None:
    url, wid = server.http_url, workshop["id"]
    tablets = [
        BoardClient(url, wid, "r1", await seat(server, workshop, name, "r1"), commands=True,
                    capture=True)
        for name in NAMES
    ]  # fmt: skip
    watchers = [
        BoardClient(url, wid, None, workshop["facilitator_token"], commands=True, capture=True),
        BoardClient(url, wid, "r1", workshop["facilitator_token"], commands=True, capture=True),
        BoardClient(url, wid, "r1", await server.role_token(workshop, "viewer"), commands=True,
                    capture=True),
    ]  # fmt: skip
    everyone = [*tablets, *watchers]
    for client in everyone:
        client.start()
    try:
        async with asyncio.timeout(15):
            for client in everyone:
                await client.said_hello.wait()
                if client.board:
                    await client.synced.wait()
            # Each tablet writes a note and moves its pointer; the last one
            # puts its name into its presence, as a stock y-websocket app does.
            for i, tablet in enumerate(tablets):
                notes = tablet.doc.get("notes", type=Map)
                notes[f"n{i}"] = Map({"text": Text(f"idea {i}"), "x": i, "y": i, "kind": "text"})
                for step in range(3):
                    state: dict[str, Any] = {"cursor": {"space": "board", "x": i, "y": step}}
                    if i == len(tablets) - 1:
                        state |= {"name": NAMES[i], "user": {"name": NAMES[i]}}
                    tablet.set_awareness(state)
            # Everyone sees every pointer's last place and the who-is-here list.
            finals = [{"cursor": {"space": "board", "x": i, "y": 2}} for i in range(len(tablets))]
            for client in everyone:
                if client.board:
                    others = [f for i, f in enumerate(finals) if client is not tablets[i]]
                    await client.wait_until(
                        lambda c=client, o=others: all(f in c.awareness.values() for f in o)
                    )
            for tablet in tablets:
                here = await tablet.wait_push("people", lambda d: len(d["people"]) == 3)
                assert sorted(p["name"] for p in here["people"]) == sorted(NAMES)
    finally:
        for client in everyone:
            await client.close()

    client_ids = {tablet.doc.client_id for tablet in tablets}
    seen_presence = 0
    for client in everyone:
        board: Doc[Any] = Doc()
        for frame in client.received or []:
            message = parse_message(frame)
            if isinstance(message, AwarenessMessage):
                for entry in parse_awareness(message.payload):
                    seen_presence += 1
                    assert not any(name in entry.state_json for name in NAMES), entry
                    state = json.loads(entry.state_json)
                    assert state is None or set(state) <= {"cursor"}, entry
            elif isinstance(message, BoardMessage):
                values = list(leaves(msgpack.unpackb(message.body)))
                paired = [v for v in values if v in client_ids or v in map(str, client_ids)]
                assert paired == [], message.body
            elif isinstance(message, (SyncStep2, SyncUpdate)):
                board.apply_update(message.update)
        # The board itself names nobody in an anonymous workshop.
        content = json.dumps(board.get("notes", type=Map).to_py())
        assert not any(name in content for name in NAMES)
    assert seen_presence > 0
