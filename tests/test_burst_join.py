"""65 clients open one brand-new room in the same instant: all sync and converge."""

from __future__ import annotations

import asyncio

from conftest import RunningServer
from pycrdt import Map

from board_server.client import BoardClient

CLIENTS = 65


async def test_burst_join_new_room(server: RunningServer) -> None:
    workshop = await server.create_workshop(room_capacity=CLIENTS)
    tokens = [
        (await server.join(workshop["join_code"], f"P{i}", room="r1"))["token"]
        for i in range(CLIENTS)
    ]
    assert server.services.rooms.rooms == {}
    clients = [BoardClient(server.http_url, workshop["id"], "r1", token) for token in tokens]
    try:
        for client in clients:
            client.start()
        await asyncio.gather(*(client.wait_synced(timeout=20) for client in clients))
        assert len(server.services.rooms.rooms) == 1
        room = next(iter(server.services.rooms.rooms.values()))
        assert len(room.peers) == CLIENTS

        # Every client writes one note at once; every client must end with all 65.
        for i, client in enumerate(clients):
            client.doc.get("notes", type=Map)[f"note-{i}"] = f"idea from tablet {i}"
        expected = {f"note-{i}": f"idea from tablet {i}" for i in range(CLIENTS)}

        async def converged(client: BoardClient) -> None:
            notes = client.doc.get("notes", type=Map)
            await client.wait_until(lambda: notes.to_py() == expected, timeout=20)

        await asyncio.gather(*(converged(client) for client in clients))
        assert room.doc.get("notes", type=Map).to_py() == expected
    finally:
        await asyncio.gather(*(client.close() for client in clients))
