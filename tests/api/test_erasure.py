"""Deleting a workshop, and retention: DELETE /api/workshops/{id} closes every
socket of it with 4404 and leaves nothing of it in the store; only the admin
and its own facilitator may; ``board-server delete`` reaches a running
server; the retention sweep deletes idle workshops and keeps used ones."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from conftest import RunningServer, close_after, eventually, start_server, until_stored
from hallkit import Hall, closed, hall, write
from pycrdt import Map

from board_server.model import RoomKey
from board_server.storage import Store
from board_server.workshop.retention import DAY, Retention

__all__ = ["hall"]  # the fixture

DELETED = (4404, "This workshop was deleted.")


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def files_holding(data_dir: Path, text: str) -> list[str]:
    """The store's files (database and its journals) that hold these bytes."""
    files = data_dir.glob("board.sqlite3*")
    return sorted(f.name for f in files if text.encode() in f.read_bytes())


async def listed(http: httpx.AsyncClient, server: RunningServer) -> list[str]:
    answer = await http.get("/api/workshops", headers=bearer(server.config.admin_token or ""))
    assert answer.status_code == 200, answer.text
    return [w["id"] for w in answer.json()["workshops"]]


async def test_deleting_closes_every_socket_with_4404_and_forgets_the_workshop(
    server: RunningServer, hall: Hall, http: httpx.AsyncClient
) -> None:
    workshop = hall.workshop
    other = Hall(server, await server.create_workshop("Another workshop"))
    try:
        ann = await hall.join("Ann 9b2e", "r1")
        tablet = await hall.open(ann.token, "r1")
        console = await hall.facilitator()
        wall = await hall.open(await server.role_token(workshop, "viewer"), "r2")
        neighbour = await other.open((await other.join("Bo", "r1")).token, "r1")
        write(tablet, "note", "Words that must go 7c41e9")
        await eventually(lambda: "note" in room_notes(server, workshop["id"]))
        data_dir = server.config.data_dir
        await server.services.store.flush()
        assert files_holding(data_dir, "7c41e9") != []

        answer = await http.delete(
            f"/api/workshops/{workshop['id']}", headers=bearer(workshop["facilitator_token"])
        )

        assert (answer.status_code, answer.content) == (204, b"")
        for client in (tablet, console, wall):
            assert await closed(client) == DELETED
        assert [k for k in server.services.rooms.rooms if k.workshop_id == workshop["id"]] == []
        join = await http.post("/api/join", json={"code": workshop["join_code"], "name": "Cy"})
        assert (join.status_code, join.json()["error"]) == (404, "unknown_code")
        assert await listed(http, server) == [other.workshop["id"]]
        code, _ = await hall.refusal(workshop["facilitator_token"], "r1")
        assert code == 4404
        for text in ("7c41e9", workshop["title"], workshop["id"], ann.id, "Ann 9b2e"):
            assert files_holding(data_dir, text) == [], text
        # The other workshop carries on.
        assert not neighbour.closed.is_set()
        assert (await neighbour.request("state"))["ok"] is True
    finally:
        await other.close()


def room_notes(server: RunningServer, workshop_id: str) -> list[str]:
    """The ids of the notes on the server's loaded board of room r1."""
    room = server.services.rooms.rooms.get(RoomKey(workshop_id, "r1"))
    return [] if room is None else list(room.doc.get("notes", type=Map).keys())


async def test_only_the_admin_or_the_workshops_own_facilitator_may_delete(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    one = await server.create_workshop("One")
    two = await server.create_workshop("Two")
    path = f"/api/workshops/{one['id']}"
    participant = (await server.join(one["join_code"], "Ann"))["token"]
    viewer = await server.role_token(one, "viewer")
    refusals = {
        "none": await http.delete(path),
        "garbage": await http.delete(path, headers=bearer("not-a-token")),
        "participant": await http.delete(path, headers=bearer(participant)),
        "viewer": await http.delete(path, headers=bearer(viewer)),
        "other facilitator": await http.delete(path, headers=bearer(two["facilitator_token"])),
    }
    assert {who: (r.status_code, r.json()["error"]) for who, r in refusals.items()} == {
        "none": (401, "missing_token"),
        "garbage": (401, "invalid_token"),
        "participant": (403, "forbidden"),
        "viewer": (403, "forbidden"),
        "other facilitator": (403, "forbidden"),
    }
    assert await listed(http, server) == [two["id"], one["id"]]

    admin = bearer(server.config.admin_token or "")
    assert (await http.delete(path, headers=admin)).status_code == 204
    again = await http.delete(path, headers=admin)
    assert (again.status_code, again.json()) == (
        404, {"error": "unknown_workshop", "detail": "No such workshop."}
    )  # fmt: skip
    own = await http.delete(f"/api/workshops/{two['id']}", headers=bearer(two["facilitator_token"]))
    assert own.status_code == 204
    assert await listed(http, server) == []


async def test_board_server_delete_reaches_a_running_server(
    server: RunningServer, hall: Hall, http: httpx.AsyncClient
) -> None:
    ann = await hall.join("Ann", "r1")
    tablet = await hall.open(ann.token, "r1")
    workshop_id = hall.workshop["id"]
    command = [sys.executable, "-m", "board_server.cli", "delete", workshop_id,
               "--data-dir", str(server.config.data_dir)]  # fmt: skip

    async def run() -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        async with asyncio.timeout(20):
            out, _ = await proc.communicate()
        return proc.returncode or 0, out.decode()

    assert await run() == (0, f"Deleted workshop {workshop_id} and everything kept of it.\n")
    # The server finds it gone within its check interval, and lets go.
    assert await closed(tablet) == DELETED
    assert await listed(http, server) == []
    code, output = await run()
    assert (code, output) == (2, f"error: no workshop has the id {workshop_id!r}\n")


async def test_the_sweep_deletes_idle_workshops_and_keeps_used_ones(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    store: Store = server.services.store
    idle = Hall(server, await server.create_workshop("Idle workshop 5d1f"))
    used = Hall(server, await server.create_workshop("Used workshop"))
    try:
        watcher = await idle.facilitator()  # its hello is the idle workshop's last use
        since = time.time()
        # Joins, commands and board edits count as use, recorded by the server.
        seat = await used.join("Ann", "r1")
        tablet = await used.open(seat.token, "r1")
        write(tablet, "n1", "an idea")
        await until_stored(lambda: in_use_since(store, used.workshop["id"], since))
        caplog.set_level(logging.INFO, logger="board.retention")
        # A sweep a month on, with a retention of a month: ``since`` is the cut.
        month_later = Retention(
            store, server.services.eraser, days=30, interval=3600,
            clock=lambda: since + 30 * DAY,
        )  # fmt: skip

        assert await month_later.sweep() == [idle.workshop["id"]]

        assert await closed(watcher) == DELETED
        assert [w.id for w in await store.list_workshops()] == [used.workshop["id"]]
        assert not tablet.closed.is_set()
        lines = [r.getMessage() for r in caplog.records if r.name == "board.retention"]
        assert lines == [f"workshop {idle.workshop['id']} deleted: unused for 30 days"]
        assert await month_later.sweep() == []
    finally:
        await idle.close()
        await used.close()


async def in_use_since(store: Store, workshop_id: str, since: float) -> bool:
    """Whether the store has the workshop in use at ``since`` or later."""
    return workshop_id not in await store.idle_workshops(since)


async def test_a_server_with_retention_sweeps_on_its_own(tmp_path: Path) -> None:
    # A retention of a millisecond: every workshop is idle at the next sweep.
    running, stop = await start_server(
        tmp_path / "data", retention_days=0.001 / DAY, retention_sweep_seconds=0.05
    )
    try:
        workshop = await running.create_workshop("Short-lived")
        store = running.services.store

        async def gone() -> bool:
            return await store.get_workshop(workshop["id"]) is None

        await until_stored(gone)
        url = f"{running.ws_url}/ws/{workshop['id']}?token={workshop['facilitator_token']}"
        assert (await close_after(url))[0] == 4404
    finally:
        await stop()
