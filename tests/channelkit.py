"""Command-speaking clients for tests on one in-process server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from conftest import RunningServer
from pycrdt import Doc

from board_server.client import BoardClient

Open = Callable[..., Awaitable[BoardClient]]


@pytest.fixture
async def open_channel(server: RunningServer, workshop: dict[str, Any]) -> AsyncIterator[Open]:
    """Open a command-speaking client of the workshop (room None: the workshop
    socket) and return once its hello is answered; all are closed afterwards."""
    opened: list[BoardClient] = []

    async def start(token: str, room: str | None = None, **kwargs: Any) -> BoardClient:
        client = BoardClient(server.http_url, workshop["id"], room, token, commands=True, **kwargs)
        opened.append(client)
        client.start()
        async with asyncio.timeout(10):
            await client.said_hello.wait()
        return client

    try:
        yield start
    finally:
        for client in reversed(opened):
            await client.close()


async def ok(client: BoardClient, cmd: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send a command that must succeed; its result."""
    reply = await client.request(cmd, args or {})
    assert reply["ok"] is True, reply
    result: dict[str, Any] = reply["result"]
    return result


async def refused(
    client: BoardClient, cmd: str, args: dict[str, Any] | None = None
) -> tuple[str, str]:
    """Send a command that must be refused; its error code and detail."""
    reply = await client.request(cmd, args or {})
    assert reply["ok"] is False, reply
    return reply["error"], reply["detail"]


async def seat(server: RunningServer, workshop: dict[str, Any], name: str, room: str) -> str:
    """Join the workshop as name, in room; the participant's token."""
    joined = await server.join(workshop["join_code"], name, room=room)
    token: str = joined["token"]
    return token


def writers(doc: Doc[Any]) -> dict[int, int]:
    """The doc's state vector: each Yjs client id that wrote to it, and its clock."""
    data = doc.get_state()
    position = 0

    def varuint() -> int:
        nonlocal position
        value = shift = 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    return {varuint(): varuint() for _ in range(varuint())}
