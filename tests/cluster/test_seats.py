"""Seats across processes: joins racing on three processes, and leaving on another one."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from clusterkit import Clients, Cluster, StartCluster, connect_board, open_board, ws_base
from conftest import close_after
from pycrdt import Map

pytestmark = pytest.mark.redis

ROOMS = ("Table 1", "Table 2", "Table 3", "Table 4")
CAPACITY = 10


async def join_all(
    http: httpx.AsyncClient, c: Cluster, code: str, count: int, room: str | None = None
) -> list[httpx.Response]:
    """``count`` joins fired at once, spread over the processes in turn."""

    def body(i: int) -> dict[str, Any]:
        return {"code": code, "name": f"P{i}"} | ({"room": room} if room else {})

    return await asyncio.gather(
        *(
            http.post(f"{c.processes[i % len(c.processes)].http_url}/api/join", json=body(i))
            for i in range(count)
        )
    )


async def test_forty_joins_on_three_processes_fill_four_rooms_of_ten_exactly(
    cluster: StartCluster, http: httpx.AsyncClient
) -> None:
    c = await cluster(3)
    assert len({p.admin_token for p in c.processes}) == 1

    workshop = await c.create_workshop(http, ROOMS, CAPACITY)
    answers = await join_all(http, c, workshop["join_code"], 40)

    assert [a.status_code for a in answers] == [200] * 40
    joined = [a.json() for a in answers]
    assert len({j["participant"]["id"] for j in joined}) == 40
    assert Counter(j["room"]["id"] for j in joined) == {"r1": 10, "r2": 10, "r3": 10, "r4": 10}
    # Every process counts the same seats: each participant was stored once.
    for via in range(3):
        assert await c.seats(http, workshop["id"], via) == {"r1": 10, "r2": 10, "r3": 10, "r4": 10}


async def test_joins_arriving_together_on_three_processes_spread_evenly(
    cluster: StartCluster, http: httpx.AsyncClient
) -> None:
    c = await cluster(3)
    workshop = await c.create_workshop(http, ROOMS, CAPACITY)
    answers = await join_all(http, c, workshop["join_code"], 8)
    assert [a.status_code for a in answers] == [200] * 8
    # The emptiest room is chosen and taken in one step: two each, never 3/2/2/1.
    assert Counter(a.json()["room"]["id"] for a in answers) == {"r1": 2, "r2": 2, "r3": 2, "r4": 2}


async def test_forty_five_joins_into_forty_seats_turn_five_away(
    cluster: StartCluster, http: httpx.AsyncClient
) -> None:
    c = await cluster(3)
    workshop = await c.create_workshop(http, ROOMS, CAPACITY)

    answers = await join_all(http, c, workshop["join_code"], 45)

    assert Counter(a.status_code for a in answers) == {200: 40, 409: 5}
    refusals = [a.json() for a in answers if a.status_code == 409]
    assert refusals == [{"error": "workshop_full", "detail": "Every room is full."}] * 5
    seated = [a.json() for a in answers if a.status_code == 200]
    assert len({j["participant"]["id"] for j in seated}) == 40
    assert await c.seats(http, workshop["id"]) == {"r1": 10, "r2": 10, "r3": 10, "r4": 10}


async def test_twelve_joins_into_one_chosen_room_of_ten_turn_two_away(
    cluster: StartCluster, http: httpx.AsyncClient
) -> None:
    c = await cluster(3)
    workshop = await c.create_workshop(http, ROOMS, CAPACITY)

    answers = await join_all(http, c, workshop["join_code"], 12, room="r3")

    assert Counter(a.status_code for a in answers) == {200: 10, 409: 2}
    assert {a.json()["error"] for a in answers if a.status_code == 409} == {"room_full"}
    assert await c.seats(http, workshop["id"]) == {"r1": 0, "r2": 0, "r3": 10, "r4": 0}


async def test_leaving_through_one_process_closes_the_board_open_on_another(
    cluster: StartCluster, clients: Clients, http: httpx.AsyncClient
) -> None:
    c = await cluster(3)
    first, second, third = c.processes
    workshop = await c.create_workshop(http, ROOMS, CAPACITY)
    code = workshop["join_code"]
    leaver = await http.post(
        f"{second.http_url}/api/join", json={"code": code, "name": "Ana", "room": "r1"}
    )
    token = leaver.json()["token"]
    ana = clients.keep(await connect_board(second.http_url, workshop["id"], "r1", token))
    ben = clients.keep(await open_board(second.http_url, code, "Ben"))
    cy = clients.keep(await open_board(third.http_url, code, "Cy"))
    assert await c.seats(http, workshop["id"]) == {"r1": 3, "r2": 0, "r3": 0, "r4": 0}

    left = await http.post(
        f"{first.http_url}/api/leave", headers={"Authorization": f"Bearer {token}"}
    )
    assert left.status_code == 204

    async with asyncio.timeout(10):
        await ana.closed.wait()
    assert (ana.close_code, ana.close_reason) == (4401, "You left the workshop.")
    assert await c.seats(http, workshop["id"]) == {"r1": 2, "r2": 0, "r3": 0, "r4": 0}
    # The token opens nothing any more, on any process.
    url = f"{ws_base(third.http_url)}/ws/{workshop['id']}/r1?token={token}"
    assert await close_after(url) == (4401, "This tablet is no longer in the workshop.")
    # Ben, on the same process as Ana, is still there and still in sync.
    ben.doc.get("notes", type=Map)["after"] = {"text": "still here"}
    await cy.wait_until(lambda: "after" in cy.doc.get("notes", type=Map))
    assert not ben.closed.is_set()
