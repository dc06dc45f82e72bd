"""Closed votes reach the export: run votes on a server, stop it, and render
the workshop as ``board-server export`` does."""

from __future__ import annotations

import json
from pathlib import Path

from channelkit import ok
from conftest import start_server
from pycrdt import Map

from board_server.client import BoardClient
from board_server.export.run import _render

EXPECTED_VOTES = """\
### Vote 1 (budget, 2 people)

1. Too few buses: £70
2. Fear of going out: £30

### Vote 2 (agreement, 1 to 5, 1 person; not revealed in the room)

1. Fear of going out: average 5.0 (5: 1)
2. Too few buses: average 2.0 (2: 1)
"""


async def test_the_export_lists_each_closed_vote_ranked_with_the_notes_words(
    tmp_path: Path,
) -> None:
    server, stop = await start_server(tmp_path / "data")
    clients: list[BoardClient] = []
    try:
        workshop = await server.create_workshop()

        async def channel(token: str, room: str | None) -> BoardClient:
            client = BoardClient(
                server.http_url, workshop["id"], room, token, commands=True, reconnect=False
            )
            clients.append(client)
            client.start()
            await client.said_hello.wait()
            return client

        facilitator = await channel(workshop["facilitator_token"], None)
        ann = await channel((await server.join(workshop["join_code"], "Ann", "r1"))["token"], "r1")
        bob = await channel((await server.join(workshop["join_code"], "Bob", "r1"))["token"], "r1")
        notes = ann.doc.get("notes", type=Map)
        notes["n1"] = Map({"text": "Too few buses", "kind": "text", "created": 1})
        notes["n2"] = Map({"text": "Fear of going out", "kind": "text", "created": 2})
        await ok(ann, "state")

        await ok(facilitator, "vote.open", {"mode": "budget", "unit": "£", "room": "r1"})
        await ok(ann, "vote.cast", {"item": "n1", "amount": 50})
        await ok(bob, "vote.cast", {"item": "n1", "amount": 20})
        await ok(bob, "vote.cast", {"item": "n2", "amount": 30})
        await ok(facilitator, "vote.reveal", {"room": "r1"})
        await ok(facilitator, "vote.open", {"mode": "scale", "room": "r1"})
        await ok(ann, "vote.cast", {"item": "n1", "amount": 2})
        await ok(ann, "vote.cast", {"item": "n2", "amount": 5})
        # An open vote has no results yet: only after this close.
        await ok(facilitator, "vote.close", {"room": "r1"})
    finally:
        for client in clients:
            await client.close()
        await stop()

    rendered = await _render(server.config, workshop["id"], "md")
    assert rendered is not None
    markdown = rendered.files["report.md"].decode()
    assert EXPECTED_VOTES in markdown
    # Table 2 had no vote.
    table_2 = markdown[markdown.index("## Table 2") :]
    assert "### Vote" not in table_2

    as_json = await _render(server.config, workshop["id"], "json")
    assert as_json is not None
    votes = json.loads(as_json.files["workshop.json"])["rooms"][0]["votes"]
    assert [(v["mode"], v["revealed"], v["voters"]) for v in votes] == [
        ("budget", True, 2), ("scale", False, 1)
    ]  # fmt: skip
    assert votes[0]["ranked"][0] == {"item": "n1", "total": 70, "rank": 1, "label": "Too few buses"}
