"""Seats: a room's headcount is who holds a seat in it now (issue 9, item 3).

Over HTTP and the board socket of a real server: a chosen room is full at its
capacity; a device that joins again keeps its seat; "leave" frees a seat at
once and closes that participant's boards; a join that never connects gives
its seat back after the grace period, and one that has connected keeps it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import RunningServer, close_after, start_server

from board_server.client import BoardClient

GRACE = 1.0


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        yield client


async def join(
    http: httpx.AsyncClient, code: str, name: str, **extra: Any
) -> tuple[int, dict[str, Any]]:
    response = await http.post("/api/join", json={"code": code, "name": name, **extra})
    return response.status_code, response.json()


async def refusal(server: RunningServer, workshop_id: str, token: str) -> tuple[int | None, str]:
    """Open room r1's board with this token; the close code and reason the server sends."""
    return await close_after(f"{server.ws_url}/ws/{workshop_id}/r1?token={token}")


async def seats(http: httpx.AsyncClient, server: RunningServer, workshop_id: str) -> list[int]:
    headers = {"Authorization": f"Bearer {server.config.admin_token}"}
    listed = (await http.get("/api/workshops", headers=headers)).json()["workshops"]
    (entry,) = [w for w in listed if w["id"] == workshop_id]
    return [room["seats"] for room in entry["rooms"]]


async def test_a_chosen_room_is_full_at_its_capacity(
    http: httpx.AsyncClient, server: RunningServer
) -> None:
    workshop = await server.create_workshop(room_capacity=2)
    code = workshop["join_code"]
    for name in ("Ann", "Ben"):
        assert (await join(http, code, name, room="r1"))[0] == 200
    status, body = await join(http, code, "Cat", room="r1")
    assert (status, body) == (
        409,
        {
            "error": "room_full",
            "detail": "Table 1 is full. Ask the facilitator, or join without choosing a room.",
        },
    )
    # Without a room, the next person goes where there is a seat.
    status, body = await join(http, code, "Cat")
    assert (status, body["room"]["id"]) == (200, "r2")
    assert await seats(http, server, workshop["id"]) == [2, 1]


async def test_a_device_that_joins_again_keeps_its_seat(
    http: httpx.AsyncClient, server: RunningServer
) -> None:
    workshop = await server.create_workshop(room_capacity=4)
    code = workshop["join_code"]
    _, first = await join(http, code, "Ann", room="r1")
    assert first["rejoined"] is False
    _, again = await join(http, code, "Annie", room="r1", rejoin=first["token"])
    assert again["rejoined"] is True
    assert again["participant"] == {"id": first["participant"]["id"], "name": "Annie"}
    _, third = await join(http, code, "Annie", rejoin=again["token"])
    assert (third["participant"]["id"], third["room"]["id"]) == (first["participant"]["id"], "r1")
    assert await seats(http, server, workshop["id"]) == [1, 0]
    # A token that is not this workshop's participant's is no claim on a seat.
    other = await server.create_workshop()
    _, stranger = await join(http, other["join_code"], "Zed")
    for bad in (stranger["token"], "v1.forged.token", workshop["facilitator_token"]):
        _, body = await join(http, code, "Ben", room="r1", rejoin=bad)
        assert body["rejoined"] is False
    assert await seats(http, server, workshop["id"]) == [4, 0]


async def test_rejoining_into_another_room_moves_the_seat_if_it_has_room(
    http: httpx.AsyncClient, server: RunningServer
) -> None:
    workshop = await server.create_workshop(room_capacity=1)
    code = workshop["join_code"]
    _, ann = await join(http, code, "Ann", room="r1")
    _, ben = await join(http, code, "Ben", room="r2")
    status, body = await join(http, code, "Ann", room="r2", rejoin=ann["token"])
    assert (status, body["error"]) == (409, "room_full")
    assert await seats(http, server, workshop["id"]) == [1, 1]
    leave = await http.post("/api/leave", headers={"Authorization": f"Bearer {ben['token']}"})
    assert leave.status_code == 204
    status, body = await join(http, code, "Ann", room="r2", rejoin=ann["token"])
    assert (status, body["room"]["id"], body["rejoined"]) == (200, "r2", True)
    assert await seats(http, server, workshop["id"]) == [0, 1]
    # The token from before the move no longer opens the old room.
    moved = (4403, "You have moved to another room.")
    assert await refusal(server, workshop["id"], ann["token"]) == moved


async def test_leave_frees_the_seat_at_once_and_closes_the_board(
    http: httpx.AsyncClient, server: RunningServer
) -> None:
    workshop = await server.create_workshop(rooms=("Table 1",), room_capacity=1)
    code = workshop["join_code"]
    _, ann = await join(http, code, "Ann")
    board = BoardClient(server.http_url, workshop["id"], "r1", ann["token"], reconnect=False)
    board.start()
    try:
        await board.wait_synced()
        assert (await join(http, code, "Ben"))[0] == 409
        response = await http.post(
            "/api/leave", headers={"Authorization": f"Bearer {ann['token']}"}
        )
        assert response.status_code == 204
        async with asyncio.timeout(5):
            await board.closed.wait()
        assert (board.close_code, board.close_reason) == (4401, "You left the workshop.")
    finally:
        await board.close()
    status, body = await join(http, code, "Ben")
    assert (status, body["room"]["id"]) == (200, "r1")
    # The old token opens nothing now, and cannot claim the seat back.
    gone = (4401, "This tablet is no longer in the workshop.")
    assert await refusal(server, workshop["id"], ann["token"]) == gone
    assert (await join(http, code, "Ann", rejoin=ann["token"]))[0] == 409


@pytest.mark.parametrize(
    ("header", "status", "error"),
    [(None, 401, "missing_token"), ("Bearer nonsense", 401, "invalid_token")],
)
async def test_leave_needs_a_participant_token(
    http: httpx.AsyncClient, header: str | None, status: int, error: str
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await http.post("/api/leave", headers=headers)
    assert (response.status_code, response.json()["error"]) == (status, error)


async def test_leave_refuses_other_roles(http: httpx.AsyncClient, server: RunningServer) -> None:
    workshop = await server.create_workshop()
    token = workshop["facilitator_token"]
    response = await http.post("/api/leave", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")


async def test_unused_seats_lapse_and_used_ones_stay(tmp_path: Path) -> None:
    server, stop = await start_server(tmp_path / "data", seat_grace_seconds=GRACE)
    try:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
            workshop = await server.create_workshop(rooms=("Table 1",), room_capacity=2)
            code = workshop["join_code"]
            _, used = await join(http, code, "Ann")
            _, unused = await join(http, code, "Ben")
            loop = asyncio.get_running_loop()
            lapsed_at = loop.time() + GRACE + 0.1
            board = BoardClient(server.http_url, workshop["id"], "r1", used["token"])
            board.start()
            try:
                await board.wait_synced()
            finally:
                await board.close()
            # Ann is offline now but connected once: her seat stays. Ben's
            # tablet never connected: once the grace is over, his seat is free.
            # The wait is the thing tested, so it is a sleep of exactly that long.
            await asyncio.sleep(max(0.0, lapsed_at - loop.time()))
            status, _ = await join(http, code, "Cat")
            assert status == 200
            assert await seats(http, server, workshop["id"]) == [2]
            assert (await join(http, code, "Dan"))[0] == 409
            # Ben's tablet connects at last: the room is full, so it is told to join again.
            gone = (4401, "This tablet is no longer in the workshop.")
            assert await refusal(server, workshop["id"], unused["token"]) == gone
            # Ann's tablet comes back the next morning: her seat is still hers.
            async with BoardClient(server.http_url, workshop["id"], "r1", used["token"]) as back:
                await back.wait_synced()
    finally:
        await stop()
