"""Shared fixtures: a real uvicorn server on 127.0.0.1:0, and API helpers."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Map
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from board_server.client import BoardClient, post_json
from board_server.config import Config
from board_server.server import build_server
from board_server.services import Services

TESTS_DIR = Path(__file__).parent
sys.path.insert(0, str(TESTS_DIR))


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll server-side state that has no event to wait on, with a deadline."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def until_stored(predicate: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll the store (state with no event to wait on) until the async predicate holds."""
    async with asyncio.timeout(timeout):
        while not await predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def close_after(url: str, *frames: bytes | str) -> tuple[int | None, str]:
    """Connect, send frames, and read until the server closes; the close code and reason."""
    async with asyncio.timeout(10), connect(url, max_size=None) as ws:
        for frame in frames:
            await ws.send(frame)
        try:
            while True:
                await ws.recv()
        except ConnectionClosed:
            pass
        return ws.close_code, ws.close_reason


@dataclass
class RunningServer:
    """A live in-process server and the helpers tests use against it."""

    config: Config
    services: Services
    http_url: str
    ws_url: str

    async def create_workshop(
        self,
        title: str = "Test workshop",
        rooms: tuple[str, ...] = ("Table 1", "Table 2"),
        room_capacity: int | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"title": title, "rooms": list(rooms)}
        if room_capacity is not None:
            body["room_capacity"] = room_capacity
        return await post_json(f"{self.http_url}/api/workshops", body, self.config.admin_token)

    async def join(self, code: str, name: str = "Ann", room: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"code": code, "name": name}
        if room is not None:
            body["room"] = room
        return await post_json(f"{self.http_url}/api/join", body)

    async def role_token(self, workshop: dict[str, Any], role: str) -> str:
        answer = await post_json(
            f"{self.http_url}/api/workshops/{workshop['id']}/tokens",
            {"role": role},
            workshop["facilitator_token"],
        )
        token: str = answer["token"]
        return token


async def start_server(data_dir: Path, **overrides: Any) -> tuple[RunningServer, Any]:
    """Start a server in this event loop; returns it and a stop coroutine function."""
    ready = asyncio.Event()
    holder: dict[str, Services] = {}

    async def on_ready(services: Services) -> None:
        holder["services"] = services
        ready.set()

    server, sock, config = build_server(
        Config(port=0, data_dir=data_dir, **overrides), on_ready=on_ready
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(10):
        await ready.wait()
    running = RunningServer(
        config,
        holder["services"],
        f"http://127.0.0.1:{config.port}",
        f"ws://127.0.0.1:{config.port}",
    )

    async def stop() -> None:
        server.should_exit = True
        async with asyncio.timeout(15):
            await task
        sock.close()

    return running, stop


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def spawn() -> AsyncIterator[Callable[[], Any]]:
    """A factory of ServerProcess objects; any left running are killed afterwards."""
    from serverproc import ServerProcess

    made: list[ServerProcess] = []

    def make() -> ServerProcess:
        server = ServerProcess()
        made.append(server)
        return server

    yield make
    for server in made:
        if server.proc is not None:
            await server.kill()


@pytest.fixture(scope="session")
def node_modules() -> None:
    """The npm packages under tests/node, installed once (npm ci) if missing."""
    from nodeclient import ensure_node_modules

    ensure_node_modules()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A fresh server with its own data dir."""
    running, stop = await start_server(tmp_path / "data")
    try:
        yield running
    finally:
        await stop()


@pytest.fixture
async def workshop(server: RunningServer) -> dict[str, Any]:
    """A workshop with two rooms on the server fixture."""
    return await server.create_workshop()


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[Any]:
    """A redis-server of this test's own (with an append-only file, so that a
    restart keeps its data), which the test may stop and start."""
    from redisproc import RedisProcess

    server = RedisProcess(tmp_path / "redis", persistent=True)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@dataclass
class LiveRoom:
    """Two synced participants in room r1 with one note on the board."""

    server: RunningServer
    workshop: dict[str, Any]
    a: BoardClient
    b: BoardClient

    def url(self, token: str | None, workshop_id: str | None = None, room: str = "r1") -> str:
        wid = workshop_id or self.workshop["id"]
        query = f"?token={token}" if token is not None else ""
        return f"{self.server.ws_url}/ws/{wid}/{room}{query}"

    async def token(self) -> str:
        joined = await self.server.join(self.workshop["join_code"], "Mallory", room="r1")
        token: str = joined["token"]
        return token

    async def still_serves(self, marker: str) -> None:
        """A writes a new note, B receives it, and the first note is intact."""
        self.a.doc.get("notes", type=Map)[marker] = "after"
        notes_b = self.b.doc.get("notes", type=Map)
        await self.b.wait_until(lambda: notes_b.get(marker) == "after", timeout=5)
        assert notes_b.get("first") == "kept"
        assert not self.a.closed.is_set() and not self.b.closed.is_set()


@pytest.fixture
async def live(server: RunningServer, workshop: dict[str, Any]) -> AsyncIterator[LiveRoom]:
    a = await BoardClient.join(server.http_url, workshop["join_code"], "A", room="r1")
    b = await BoardClient.join(server.http_url, workshop["join_code"], "B", room="r1")
    try:
        await a.wait_synced()
        await b.wait_synced()
        a.doc.get("notes", type=Map)["first"] = "kept"
        notes_b = b.doc.get("notes", type=Map)
        await b.wait_until(lambda: notes_b.get("first") == "kept", timeout=5)
        yield LiveRoom(server, workshop, a, b)
    finally:
        await a.close()
        await b.close()
