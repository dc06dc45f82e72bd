"""One process behind nginx dies in the middle of edits (kill -9, or SIGTERM as in a
rolling restart): its tablets move to the others, and nothing anyone saw is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from clusterkit import (
    Clients,
    Cluster,
    StartCluster,
    StartNginx,
    board_sockets,
    notes,
    open_board,
    wait_for_notes,
    ws_base,
)
from conftest import eventually
from nodeclient import NodeYClient
from pycrdt import Map
from serverproc import ServerProcess

from board_server.client import BoardClient, join

pytestmark = [pytest.mark.redis, pytest.mark.node]

# A writer's pause between notes: up to a hundred a second while the test runs.
PACE = 0.01
T = TypeVar("T")


@dataclass
class Writer:
    """One client adding notes until told to stop; remembers how many it wrote."""

    name: str
    pace: float = PACE
    count: int = 0
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    def key(self, i: int) -> str:
        return f"{self.name}-{i}"

    def value(self, i: int) -> dict[str, str]:
        return {"text": f"note {i} of {self.name}"}

    def notes(self, count: int | None = None) -> dict[str, dict[str, str]]:
        """Its first ``count`` notes (all it wrote by default)."""
        return {self.key(i): self.value(i) for i in range(self.count if count is None else count)}

    async def run(self, add: Callable[[str, dict[str, str]], Awaitable[object]]) -> None:
        while not self.stopped.is_set():
            await add(self.key(self.count), self.value(self.count))
            self.count += 1
            await asyncio.sleep(self.pace)


def python_adder(client: BoardClient) -> Callable[[str, dict[str, str]], Awaitable[None]]:
    async def add(key: str, value: dict[str, str]) -> None:
        client.doc.get("notes", type=Map)[key] = value

    return add


def node_adder(client: NodeYClient) -> Callable[[str, dict[str, str]], Awaitable[object]]:
    async def add(key: str, value: dict[str, str]) -> dict[str, Any]:
        return await client.call("map_set", map="notes", key=key, value=value)

    return add


async def placed(c: Cluster, connect: Awaitable[T]) -> tuple[T, ServerProcess]:
    """Open one board socket; the client and the process it landed on (from their logs)."""
    before = [board_sockets(p) for p in c.processes]
    client = await connect
    await eventually(lambda: sum(board_sockets(p) for p in c.processes) == sum(before) + 1)
    (process,) = [p for p, n in zip(c.processes, before, strict=True) if board_sockets(p) > n]
    return client, process


async def start_node(base: str, code: str, name: str, http_url: str) -> NodeYClient:
    joined = await join(http_url, code, name, room="r1")
    client = await NodeYClient.start(f"{base}/ws/{joined.workshop_id}", "r1", joined.token,
                                     name=name)  # fmt: skip
    await client.wait_event("synced")
    return client


def synced_again(client: NodeYClient) -> bool:
    return sum(1 for event in client.events if event.get("event") == "synced") >= 2


@pytest.mark.parametrize(
    ("stop", "exit_code"),
    [(ServerProcess.kill, -9), (ServerProcess.terminate, 0)],
    ids=["kill-9", "sigterm"],
)
async def test_a_process_dying_mid_edit_loses_no_update_any_client_had(
    cluster: StartCluster,
    nginx: StartNginx,
    clients: Clients,
    node_modules: None,
    stop: Callable[[ServerProcess], Awaitable[int]],
    exit_code: int,
) -> None:
    c = await cluster(3)
    proxy = await nginx(c)
    # Through nginx, one after another: least_conn puts one on every process,
    # and the Node client next to one of them.
    boards: list[BoardClient] = []
    where: list[ServerProcess] = []
    for i in range(1, 4):
        board, process = await placed(c, open_board(proxy.http_url, c.join_code, f"py{i}"))
        boards.append(clients.keep(board))
        where.append(process)
    assert len(set(map(id, where))) == 3
    roaming, victim = await placed(c, start_node(proxy.ws_url, c.join_code, "nod", proxy.http_url))
    clients.keep(roaming)
    # A tablet on the victim's own address that crashes with it: nobody can
    # resend its notes, so the others keep those they saw only if Redis has them.
    crashing, at = await placed(
        c, start_node(ws_base(victim.http_url), c.join_code, "crash", victim.http_url)
    )
    clients.keep(crashing)
    assert at is victim and board_sockets(victim) == 3

    # The crashing tablet writes flat out, so that notes of it are on their way
    # through the victim when it dies.
    writers = [Writer(f"py{i}") for i in range(1, 4)] + [Writer("nod"), Writer("crash", pace=0)]
    adders = [python_adder(b) for b in boards] + [node_adder(roaming), node_adder(crashing)]
    tasks = [asyncio.create_task(w.run(add)) for w, add in zip(writers, adders, strict=True)]
    try:
        # Every client has seen ten notes of every writer before the kill.
        for board in boards:
            await wait_for_notes(board, [w.key(9) for w in writers])

        crashing.proc.kill()
        assert await stop(victim) == exit_code
        writers[4].stopped.set()
        seen = [notes(board) for board in boards]
        seen.append((await roaming.call("map_get", map="notes"))["value"])
        await asyncio.gather(tasks.pop(), return_exceptions=True)

        # Its other two clients reconnect through nginx to the living processes.
        on_victim = [b for b, p in zip(boards, where, strict=True) if p is victim]
        await eventually(
            lambda: (
                all(b.connections == 2 and b.synced.is_set() for b in on_victim)
                and synced_again(roaming)
            ),
            timeout=15,
        )
        marks = [w.count for w in writers[:4]]
        await eventually(
            lambda: all(w.count >= m + 10 for w, m in zip(writers[:4], marks, strict=True)),
            timeout=15,
        )
        for writer in writers[:4]:
            writer.stopped.set()
        await asyncio.gather(*tasks)

        for board in boards:
            await wait_for_notes(board, [w.key(w.count - 1) for w in writers[:4]])
        for writer in writers[:4]:
            last = writer.count - 1
            await roaming.call("wait_map", map="notes", key=writer.key(last),
                               value=writer.value(last))  # fmt: skip
        final = (await roaming.call("map_get", map="notes"))["value"]
        boards.append(clients.keep(await open_board(proxy.http_url, c.join_code, "fresh")))
        assert [notes(board) for board in boards] == [final] * 4

        # Every note of the writers that lived on, and of the crashed tablet a
        # prefix of what it wrote that holds every one of its notes anyone had.
        crashed = writers[4]
        kept = sum(1 for key in final if key.startswith("crash-"))
        assert final == {**writers[0].notes(), **writers[1].notes(), **writers[2].notes(),
                         **writers[3].notes(), **crashed.notes(kept)}  # fmt: skip
        for had in seen:
            assert {k: v for k, v in had.items() if k.startswith("crash-")}.items() <= (
                crashed.notes(kept).items()
            )
        # Its last note may have reached the server before its reply reached us.
        assert 10 <= kept <= crashed.count + 1
        assert [p.returncode for p in c.processes] == [
            exit_code if p is victim else None for p in c.processes
        ]
    finally:
        for writer in writers:
            writer.stopped.set()
        await asyncio.gather(*tasks, return_exceptions=True)
