"""The command channel across processes on one Redis: state pushes, locks and
moves reach the connections of every process, and the state outlives them all."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from clusterkit import Clients, Cluster, StartCluster, notes, open_channel
from conftest import close_after
from pycrdt import Map

from board_server.client import BoardClient, Joined, join
from board_server.sync import SyncStep1, parse_message

pytestmark = pytest.mark.redis

ROOMS = ("Table 1", "Table 2")
MOVED_AWAY = (4403, "You have moved to another room.")


async def ok(client: BoardClient, cmd: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send a command that must succeed; its result."""
    reply = await client.request(cmd, args or {})
    assert reply["ok"] is True, reply
    result: dict[str, Any] = reply["result"]
    return result


def timeless(state: dict[str, Any]) -> dict[str, Any]:
    """A STATE without its server_time, which changes with every message."""
    return {key: value for key, value in state.items() if key != "server_time"}


def write(client: BoardClient, key: str, value: str) -> None:
    client.doc.get("notes", type=Map)[key] = value


def step1_count(client: BoardClient) -> int:
    """How many sync step 1 messages the server has sent this client."""
    assert client.received is not None
    return sum(isinstance(parse_message(frame), SyncStep1) for frame in client.received)


def board_url(process_url: str, workshop_id: str, room: str, token: str) -> str:
    return f"{process_url.replace('http://', 'ws://', 1)}/ws/{workshop_id}/{room}?token={token}"


class Deployment:
    """A workshop on a cluster, and the clients a test opens on its processes."""

    def __init__(self, cluster: Cluster, workshop: dict[str, Any], clients: Clients) -> None:
        self.cluster = cluster
        self.workshop = workshop
        self.clients = clients

    @property
    def id(self) -> str:
        workshop_id: str = self.workshop["id"]
        return workshop_id

    def url(self, process: int) -> str:
        return self.cluster.processes[process].http_url

    async def join(self, process: int, name: str, room: str) -> Joined:
        return await join(self.url(process), self.workshop["join_code"], name, room=room)

    async def facilitator(self, process: int) -> BoardClient:
        """The facilitator's console (the workshop socket) on this process."""
        token = self.workshop["facilitator_token"]
        return self.clients.keep(await open_channel(self.url(process), self.id, None, token))

    async def tablet(self, process: int, room: str, token: str, **kwargs: Any) -> BoardClient:
        """A board that speaks the channel, on this process."""
        return self.clients.keep(
            await open_channel(self.url(process), self.id, room, token, **kwargs)
        )


@pytest.fixture
async def deployment(
    cluster: StartCluster, http: httpx.AsyncClient, clients: Clients
) -> Deployment:
    """Two processes and a workshop with two rooms."""
    c = await cluster(2)
    return Deployment(c, await c.create_workshop(http, ROOMS, 10), clients)


async def test_a_phase_set_on_one_process_reaches_a_tablet_on_the_other(
    deployment: Deployment, http: httpx.AsyncClient
) -> None:
    ann = await deployment.join(1, "Ann", "r1")
    tablet = await deployment.tablet(1, "r1", ann.token)
    facilitator = await deployment.facilitator(0)

    state = (await ok(facilitator, "phase.set", {"phase": "ideate", "room": "r1"}))["state"]

    assert [room["phase"] for room in state["rooms"].values()] == ["ideate", None]
    pushed = await tablet.wait_push("state", lambda s: s["version"] == state["version"])
    assert timeless(pushed) == {**timeless(state), "rooms": {"r1": state["rooms"]["r1"]}}
    assert pushed["rooms"]["r1"]["phase"] == "ideate"
    # A viewer's hello on the second process sees the same state.
    answer = await http.post(
        f"{deployment.url(1)}/api/workshops/{deployment.id}/tokens",
        json={"role": "viewer"},
        headers={"Authorization": f"Bearer {deployment.workshop['facilitator_token']}"},
    )
    assert answer.status_code == 200, answer.text
    viewer = deployment.clients.keep(
        await open_channel(deployment.url(1), deployment.id, None, answer.json()["token"])
    )
    assert viewer.hello is not None
    assert timeless(viewer.hello["state"]) == timeless(state)


async def test_a_lock_set_on_one_process_holds_writes_on_the_other_until_the_unlock(
    deployment: Deployment,
) -> None:
    facilitator = await deployment.facilitator(0)
    board = await deployment.tablet(1, "r1", deployment.workshop["facilitator_token"])
    a = await deployment.tablet(1, "r1", (await deployment.join(1, "A", "r1")).token, capture=True)
    b = await deployment.tablet(0, "r1", (await deployment.join(0, "B", "r1")).token)

    state = (await ok(facilitator, "room.lock", {"room": "r1", "locked": True}))["state"]
    assert state["rooms"]["r1"]["locked"] is True
    # The second process has it once it pushes it to its own tablet.
    await a.wait_push("state", lambda s: s["version"] == state["version"])

    write(a, "a1", "written while locked")
    # Answered after the second process has handled the write before it.
    await ok(a, "state")
    write(board, "f1", "the facilitator's, after A's")
    await b.wait_until(lambda: "f1" in notes(b))
    assert notes(b) == {"f1": "the facilitator's, after A's"}
    assert notes(board) == {"f1": "the facilitator's, after A's"}
    assert step1_count(a) == 1

    state = (await ok(facilitator, "room.lock", {"room": "r1", "locked": False}))["state"]
    assert state["rooms"]["r1"]["locked"] is False

    both = {"a1": "written while locked", "f1": "the facilitator's, after A's"}
    await b.wait_until(lambda: notes(b) == both)
    await board.wait_until(lambda: notes(board) == both)
    # The second process asked A again (sync step 1), and A answered with a1.
    assert step1_count(a) == 2
    write(a, "a2", "after the unlock")
    await b.wait_until(lambda: notes(b) == {**both, "a2": "after the unlock"})


async def test_a_move_sent_to_one_process_moves_a_tablet_on_the_other(
    deployment: Deployment,
) -> None:
    facilitator = await deployment.facilitator(0)
    ann = await deployment.join(1, "Ann", "r1")
    tablet = await deployment.tablet(1, "r1", ann.token)
    bens = await deployment.tablet(0, "r2", (await deployment.join(0, "Ben", "r2")).token)
    write(bens, "b1", "Table 2's idea")

    result = await ok(
        facilitator, "participant.move", {"participant": ann.participant_id, "room": "r2"}
    )

    assert result == {"participant": ann.participant_id, "room": "r2"}
    moved = await tablet.wait_push("moved")
    assert moved == {"room": "r2", "name": "Table 2", "token": moved["token"]}
    async with asyncio.timeout(10):
        await tablet.closed.wait()
    assert (tablet.close_code, tablet.close_reason) == MOVED_AWAY
    # The new token opens Table 2 on either process; the old one no longer opens Table 1.
    again = await deployment.tablet(0, "r2", moved["token"])
    await again.wait_until(lambda: notes(again) == {"b1": "Table 2's idea"})
    for process in (0, 1):
        url = board_url(deployment.url(process), deployment.id, "r1", ann.token)
        assert await close_after(url) == MOVED_AWAY
    people = (await ok(facilitator, "people"))["people"]
    assert [(p["name"], p["room"]) for p in people] == [("Ann", "r2"), ("Ben", "r2")]


async def test_the_state_survives_restarting_every_process(
    cluster: StartCluster, deployment: Deployment
) -> None:
    facilitator = await deployment.facilitator(0)
    ann = await deployment.join(1, "Ann", "r1")
    await ok(facilitator, "phase.set", {"phase": "map", "room": "r2"})
    await ok(facilitator, "room.prompt", {"room": "r2", "text": "Where does it start?"})
    await ok(facilitator, "timer.start", {"seconds": 1200, "room": "r2"})
    await ok(facilitator, "room.lock", {"room": "r1", "locked": True})
    await ok(facilitator, "banner.set", {"text": "Lunch at 12"})
    await ok(facilitator, "spotlight.set", {"room": "r2"})
    await ok(facilitator, "participant.move", {"participant": ann.participant_id, "room": "r2"})
    before = {
        "state": timeless((await ok(facilitator, "state"))["state"]),
        "people": (await ok(facilitator, "people"))["people"],
        "audit": (await ok(facilitator, "audit.list"))["entries"],
    }
    await deployment.clients.close()
    for process in deployment.cluster.processes:
        assert await process.terminate() == 0

    restarted = Deployment(await cluster(2), deployment.workshop, deployment.clients)
    facilitator = await restarted.facilitator(1)
    assert facilitator.hello is not None
    after = {
        "state": timeless(facilitator.hello["state"]),
        "people": (await ok(facilitator, "people"))["people"],
        "audit": (await ok(facilitator, "audit.list"))["entries"],
    }
    assert after == before
    state = after["state"]
    assert (state["banner"], state["spotlight"]) == (
        "Lunch at 12",
        {"room": "r2", "name": "Table 2", "prompt": "Where does it start?"},
    )
    assert [(r["phase"], r["prompt"], r["locked"], r["timer"]["state"])
            for r in state["rooms"].values()] == [
        (None, "", True, "stopped"),
        ("map", "Where does it start?", False, "running"),
    ]  # fmt: skip
    assert [(p["name"], p["room"], p["online"]) for p in after["people"]] == [("Ann", "r2", False)]
    assert [e["action"] for e in after["audit"]] == [
        "participant.move", "spotlight.set", "banner.set", "room.lock",
        "timer.start", "room.prompt", "phase.set",
    ]  # fmt: skip
    url = board_url(restarted.url(0), restarted.id, "r1", ann.token)
    assert await close_after(url) == MOVED_AWAY
