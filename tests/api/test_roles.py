"""Roles on the board socket: observers read without presence and write nothing."""

from __future__ import annotations

from typing import Any

from conftest import RunningServer, eventually
from pycrdt import Map

from board_server.client import BoardClient


async def test_observer_reads_the_board_but_sees_no_presence_and_writes_nothing(
    server: RunningServer, workshop: dict[str, Any]
) -> None:
    joined = await server.join(workshop["join_code"], "Ann", room="r1")
    writer = BoardClient(server.http_url, workshop["id"], "r1", joined["token"])
    observer_token = await server.role_token(workshop, "observer")
    observer = BoardClient(server.http_url, workshop["id"], "r1", observer_token)
    async with writer, observer:
        await writer.wait_synced()
        writer.set_awareness({"cursor": {"space": "board", "x": 1, "y": 1}})
        writer.doc.get("notes", type=Map)["n1"] = "shared idea"
        await observer.wait_synced()
        notes = observer.doc.get("notes", type=Map)
        await observer.wait_until(lambda: notes.get("n1") == "shared idea")

        room = next(iter(server.services.rooms.rooms.values()))
        # Observers are the projection's peers, never the room's.
        assert not any(p.session.projected for p in room.peers)
        assert room.projection is not None
        (observer_peer,) = room.projection.peers
        observer.doc.get("notes", type=Map)["spam"] = "observer write"
        observer.set_awareness({"cursor": {"space": "board", "x": 9, "y": 9}})
        # Both frames reached the server and were dropped, not applied.
        await eventually(lambda: observer_peer.dropped_writes == 2)
        writer.doc.get("notes", type=Map)["n2"] = "second idea"
        await observer.wait_until(lambda: notes.get("n2") == "second idea")

        assert room.doc.get("notes", type=Map).to_py() == {
            "n1": "shared idea",
            "n2": "second idea",
        }
        assert writer.doc.get("notes", type=Map).to_py() == {
            "n1": "shared idea",
            "n2": "second idea",
        }
        assert observer.awareness == {}
        assert writer.awareness == {}
