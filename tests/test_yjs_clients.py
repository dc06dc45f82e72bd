"""Stock Yjs clients (npm yjs + y-websocket's WebsocketProvider) against our server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from conftest import RunningServer, eventually
from nodeclient import NodeYClient

pytestmark = pytest.mark.node

Spawn = Callable[[str, str], Awaitable[NodeYClient]]


@pytest.fixture
async def spawn(
    node_modules: None, server: RunningServer, workshop: dict[str, Any]
) -> AsyncIterator[Spawn]:
    """Start Node clients in the workshop's room r1 with the given token."""
    clients: list[NodeYClient] = []

    async def start(token: str, name: str) -> NodeYClient:
        client = await NodeYClient.start(
            f"{server.ws_url}/ws/{workshop['id']}", "r1", token, name=name
        )
        clients.append(client)
        return client

    try:
        yield start
    finally:
        for client in clients:
            await client.close()


async def participant(server: RunningServer, workshop: dict[str, Any], name: str) -> str:
    joined = await server.join(workshop["join_code"], name, room="r1")
    token: str = joined["token"]
    return token


async def test_map_and_text_edits_flow_both_ways(
    spawn: Spawn, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await spawn(await participant(server, workshop, "A"), "A")
    b = await spawn(await participant(server, workshop, "B"), "B")
    await a.wait_event("synced")
    await b.wait_event("synced")

    await a.call("map_set", map="notes", key="n1", value={"text": "Bus stop too far", "x": 10})
    await b.call("wait_map", map="notes", key="n1", value={"text": "Bus stop too far", "x": 10})

    await b.call("map_set", map="notes", key="n2", value={"text": "No ramp", "x": 40})
    await a.call("wait_map", map="notes", key="n2", value={"text": "No ramp", "x": 40})

    await b.call("text_insert", name="n1-text", index=0, text="Lonely evenings")
    await a.call("wait_text", name="n1-text", value="Lonely evenings")
    await a.call("text_delete", name="n1-text", index=0, length=6)
    await a.call("text_insert", name="n1-text", index=0, text="Quiet")
    await b.call("wait_text", name="n1-text", value="Quiet evenings")

    assert (await a.call("map_get", map="notes"))["value"] == {
        "n1": {"text": "Bus stop too far", "x": 10},
        "n2": {"text": "No ramp", "x": 40},
    }


async def test_awareness_relay_and_removal_on_close(
    spawn: Spawn, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await spawn(await participant(server, workshop, "A"), "A")
    b = await spawn(await participant(server, workshop, "B"), "B")
    await a.wait_event("synced")
    await b.wait_event("synced")

    # y-websocket apps often put a name in awareness: the server passes on
    # the pointer alone.
    pointer = {"space": "board", "x": 3, "y": 4}
    await a.call("awareness_set", state={"name": "Ann", "cursor": pointer})
    await b.call("wait_awareness", predicate={"key": "cursor", "value": pointer})
    others = (await b.call("awareness_get"))["value"]
    assert [state for _, state in others if state] == [{"cursor": pointer}]
    # Closing A's socket without a goodbye: the server must announce the removal.
    await a.close()
    await b.call("wait_awareness", predicate={"key": "cursor", "value": pointer}, absent=True)


async def test_late_joiner_gets_full_state_and_current_presence(
    spawn: Spawn, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await spawn(await participant(server, workshop, "A"), "A")
    await a.wait_event("synced")
    for i in range(20):
        await a.call("map_set", map="notes", key=f"n{i}", value={"text": f"idea {i}"})
    await a.call("text_insert", name="title", index=0, text="Getting to the clinic")
    pointer = {"space": "map", "x": -5, "y": 12}
    await a.call("awareness_set", state={"cursor": pointer})

    late = await spawn(await participant(server, workshop, "Late"), "Late")
    await late.wait_event("synced")
    await late.call("wait_text", name="title", value="Getting to the clinic")
    notes = (await late.call("map_get", map="notes"))["value"]
    assert notes == {f"n{i}": {"text": f"idea {i}"} for i in range(20)}
    await late.call("wait_awareness", predicate={"key": "cursor", "value": pointer})


async def test_viewer_syncs_but_its_writes_never_reach_writers(
    spawn: Spawn, server: RunningServer, workshop: dict[str, Any]
) -> None:
    writer = await spawn(await participant(server, workshop, "W"), "W")
    await writer.wait_event("synced")
    await writer.call("map_set", map="notes", key="n1", value={"text": "before viewer"})

    viewer = await spawn(await server.role_token(workshop, "viewer"), "V")
    await viewer.wait_event("synced")
    await viewer.call("wait_map", map="notes", key="n1", value={"text": "before viewer"})

    room = next(iter(server.services.rooms.rooms.values()))
    viewer_peer = next(p for p in room.peers if p.read_only)
    dropped_before = viewer_peer.dropped_writes
    await viewer.call("map_set", map="notes", key="evil", value={"text": "viewer write"})
    await viewer.call("text_insert", name="title", index=0, text="viewer text")
    await viewer.call("awareness_set", state={"cursor": {"space": "board", "x": 666, "y": 1}})
    # All three writes reached the server and were dropped, not applied.
    await eventually(lambda: viewer_peer.dropped_writes >= dropped_before + 3)
    # A write after the viewer's, from the writer, proves ordering: once the
    # viewer sees it, anything the server would relay has been relayed.
    await writer.call("map_set", map="notes", key="n2", value={"text": "after viewer"})
    await viewer.call("wait_map", map="notes", key="n2", value={"text": "after viewer"})

    late = await spawn(await participant(server, workshop, "L"), "L")
    await late.wait_event("synced")
    for client in (writer, late):
        notes = (await client.call("map_get", map="notes"))["value"]
        assert notes == {"n1": {"text": "before viewer"}, "n2": {"text": "after viewer"}}
        assert (await client.call("text_get", name="title"))["value"] == ""
        others = (await client.call("awareness_get"))["value"]
        assert all(state.get("cursor", {}).get("x") != 666 for _, state in others)
    assert len(server.services.rooms.rooms) == 1
    stored = room.doc.get_update()
    assert b"viewer write" not in stored and b"viewer text" not in stored
