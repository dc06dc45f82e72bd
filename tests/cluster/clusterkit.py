"""Helpers for the cluster tests: N real server processes on one Redis key prefix.

Fixtures that start them (and clean up) are in tests/cluster/conftest.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from nginxproc import NginxProcess
from pycrdt import Map
from rediskit import REDIS_URL
from serverproc import ServerProcess

from board_server.client import BoardClient, join

# The server's log line for each board socket it serves (board_server/api/ws.py).
_CONNECT = re.compile(r"board\.connection: connect c\d+ role=(\w+) workshop=(\S+) room=(\S+)")


class Closable(Protocol):
    async def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class Clients:
    """The clients (Python or Node) a test opened: closed after it, newest first."""

    def __init__(self) -> None:
        self._opened: list[Closable] = []

    def keep(self, client: C) -> C:
        self._opened.append(client)
        return client

    async def close(self) -> None:
        while self._opened:
            await self._opened.pop().close()


@dataclass
class Cluster:
    """Server processes that share one Redis key prefix, as one deployment."""

    processes: list[ServerProcess]
    prefix: str

    @property
    def admin_token(self) -> str:
        return self.processes[0].admin_token

    @property
    def join_code(self) -> str:
        """The demo workshop's join code (every process prints the same one)."""
        return self.processes[0].join_code

    @property
    def upstreams(self) -> list[str]:
        """Each process's address as nginx (and its X-Upstream header) names it."""
        return [f"127.0.0.1:{p.port}" for p in self.processes]

    def process_at(self, upstream: str) -> ServerProcess:
        """The process nginx names by this address."""
        return self.processes[self.upstreams.index(upstream)]

    async def create_workshop(
        self, http: httpx.AsyncClient, rooms: Sequence[str], room_capacity: int
    ) -> dict[str, Any]:
        """POST /api/workshops to the first process, with the shared admin token."""
        answer = await http.post(
            f"{self.processes[0].http_url}/api/workshops",
            json={"title": "Cluster test", "rooms": list(rooms), "room_capacity": room_capacity},
            headers={"Authorization": f"Bearer {self.admin_token}"},
        )
        assert answer.status_code == 201, answer.text
        workshop: dict[str, Any] = answer.json()
        return workshop

    async def seats(
        self, http: httpx.AsyncClient, workshop_id: str, via: int = 0
    ) -> dict[str, int]:
        """Seats held per room, as GET /api/workshops on process ``via`` shows them."""
        answer = await http.get(
            f"{self.processes[via].http_url}/api/workshops",
            headers={"Authorization": f"Bearer {self.admin_token}"},
        )
        assert answer.status_code == 200, answer.text
        (workshop,) = [w for w in answer.json()["workshops"] if w["id"] == workshop_id]
        return {room["id"]: room["seats"] for room in workshop["rooms"]}


async def start_cluster(
    spawn: Callable[[], ServerProcess],
    prefix: str,
    count: int,
    cwd: Path,
    redis_url: str = REDIS_URL,
    extra: Sequence[str] = (),
) -> Cluster:
    """``count`` processes in Redis mode with --demo (and ``extra`` options), started
    side by side."""
    processes = [spawn() for _ in range(count)]
    args = ["--redis-url", redis_url, "--redis-prefix", prefix, "--log-level", "info", *extra]
    await asyncio.gather(*(p.start(None, extra_args=args, cwd=cwd) for p in processes))
    return Cluster(processes, prefix)


def ws_base(http_url: str) -> str:
    """The ws:// address of an http:// one."""
    return http_url.replace("http://", "ws://", 1)


async def open_board(http_url: str, code: str, name: str, room: str = "r1") -> BoardClient:
    """Join through ``http_url`` and open that room's board there; returns once synced."""
    joined = await join(http_url, code, name, room=room)
    return await connect_board(http_url, joined.workshop_id, joined.room_id, joined.token)


async def connect_board(http_url: str, workshop_id: str, room: str, token: str) -> BoardClient:
    """Open a room's board through ``http_url`` with a token in hand; returns once synced."""
    client = BoardClient(http_url, workshop_id, room, token)
    client.start()
    await client.wait_synced()
    return client


async def open_channel(
    http_url: str, workshop_id: str, room: str | None, token: str, **kwargs: Any
) -> BoardClient:
    """A client that speaks the command channel through ``http_url`` (room None: the
    workshop socket alone); returns once its hello is answered and, on a board, synced."""
    client = BoardClient(http_url, workshop_id, room, token, commands=True, **kwargs)
    client.start()
    try:
        async with asyncio.timeout(10):
            await client.said_hello.wait()
            if room is not None:
                await client.synced.wait()
    except BaseException:
        await client.close()
        raise
    return client


def notes(client: BoardClient) -> dict[str, Any]:
    """The board's ``notes`` map as plain values."""
    found: dict[str, Any] = client.doc.get("notes", type=Map).to_py()
    return found


async def wait_for_notes(client: BoardClient, keys: Iterable[str], timeout: float = 10.0) -> None:
    """Wait until the client's board holds a note under each of these keys."""
    wanted = set(keys)
    await client.wait_until(lambda: wanted <= notes(client).keys(), timeout=timeout)


def board_sockets(process: ServerProcess, room: str = "r1") -> int:
    """How many board sockets of this room the process has accepted, from its log."""
    return sum(1 for line in process.stderr_lines if (m := _CONNECT.search(line)) and m[3] == room)


class StartCluster(Protocol):
    """The cluster fixture: start ``count`` processes, on the test's key prefix of the
    suite's Redis unless told otherwise."""

    async def __call__(
        self, count: int, *, redis_url: str = ..., prefix: str = ..., extra: Sequence[str] = ...
    ) -> Cluster: ...


StartNginx = Callable[[Cluster], Awaitable[NginxProcess]]


async def wait_health(
    http: httpx.AsyncClient, url: str, status: int, timeout: float = 10.0
) -> dict[str, Any]:
    """Poll /healthz (server state with no event to wait on) until it answers status."""
    async with asyncio.timeout(timeout):
        while True:
            answer = await http.get(f"{url}/healthz")
            if answer.status_code == status:
                body: dict[str, Any] = answer.json()
                return body
            await asyncio.sleep(0.05)
