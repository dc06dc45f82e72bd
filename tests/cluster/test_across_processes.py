"""One room served by three processes at once: edits and presence cross over Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from clusterkit import Clients, StartCluster, notes, open_board, wait_for_notes, ws_base
from nodeclient import NodeYClient
from pycrdt import Map

from board_server.client import BoardClient, join

pytestmark = [pytest.mark.redis, pytest.mark.node]

NOTES_EACH = 20

AT_1 = {"cursor": {"space": "board", "x": 1, "y": 0}}
AT_2 = {"cursor": {"space": "board", "x": 2, "y": 0}}


def note(author: str, i: int) -> dict[str, Any]:
    return {"text": f"idea {i} of {author}", "x": 16 + 236 * (i % 4), "y": 16}


async def add_notes(client: BoardClient, author: str) -> None:
    """Add NOTES_EACH notes, one per event-loop turn, so the clients' edits interleave."""
    board = client.doc.get("notes", type=Map)
    for i in range(NOTES_EACH):
        board[f"{author}-{i}"] = note(author, i)
        await asyncio.sleep(0)


async def node_adds_notes(client: NodeYClient, author: str) -> None:
    for i in range(NOTES_EACH):
        await client.call("map_set", map="notes", key=f"{author}-{i}", value=note(author, i))


async def test_clients_on_three_processes_converge_and_see_each_others_presence(
    cluster: StartCluster, clients: Clients, node_modules: None
) -> None:
    c = await cluster(3)
    first, second, _ = c.processes
    boards = [
        clients.keep(await open_board(process.http_url, c.join_code, f"Py{i}"))
        for i, process in enumerate(c.processes, start=1)
    ]
    py1, py2, py3 = boards
    joined = await join(first.http_url, c.join_code, "Nod", room="r1")
    node = clients.keep(
        await NodeYClient.start(
            f"{ws_base(first.http_url)}/ws/{joined.workshop_id}", "r1", joined.token, name="Nod"
        )
    )
    await node.wait_event("synced")

    # Four writers on three processes, all at once.
    await asyncio.gather(
        add_notes(py1, "py1"), add_notes(py2, "py2"), add_notes(py3, "py3"),
        node_adds_notes(node, "nod"),
    )  # fmt: skip
    expected = {
        f"{author}-{i}": note(author, i)
        for author in ("py1", "py2", "py3", "nod")
        for i in range(NOTES_EACH)
    }
    for board in boards:
        await wait_for_notes(board, expected)
        assert notes(board) == expected
    for key, value in expected.items():
        await node.call("wait_map", map="notes", key=key, value=value)
    assert (await node.call("map_get", map="notes"))["value"] == expected
    # A newcomer on the second process loads the same board from Redis.
    newcomer = clients.keep(await open_board(second.http_url, c.join_code, "Late"))
    assert notes(newcomer) == expected

    # Presence: the Node client on process 1 and the Python client on process 3.
    py3.set_awareness(AT_1)
    await node.call("wait_awareness", predicate={"key": "cursor", "value": AT_1["cursor"]})
    await node.call("awareness_set", state=AT_2)
    await py3.wait_until(lambda: AT_2 in py3.awareness.values())
    assert list(py3.awareness.values()) == [AT_2]

    # The Node client quits (y-websocket sends its state as removed first):
    # gone from process 3's client too.
    await node.close()
    await py3.wait_until(lambda: not py3.awareness)
    # Process 3's client closes its socket without clearing its presence
    # first: process 3 removes it and tells process 2.
    await py2.wait_until(lambda: AT_1 in py2.awareness.values())
    await py3.close()
    await py2.wait_until(lambda: AT_1 not in py2.awareness.values())
    assert py2.awareness == {}
    assert [p.returncode for p in c.processes] == [None, None, None]
