"""A hall of tablets on one in-process server, for tests of breakouts, the
spotlight and the gallery walk: participants who joined, the clients a test
opens for them, and the server's rooms and connections behind them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import RunningServer, close_after
from pycrdt import Map

from board_server.client import BoardClient
from board_server.model import RoomKey
from board_server.rooms import Peer, Room

MOVED_AWAY = (4403, "You have moved to another room.")
NOT_THIS_ROOM = (4403, "This token does not open this room.")
TAKEN_OUT = (4401, "The facilitator has taken you out of this workshop.")
NO_LONGER_IN = (4401, "This tablet is no longer in the workshop.")
SPOTLIGHT_ENDED = (4403, "The spotlight has ended.")


@dataclass(frozen=True)
class Seat:
    """A participant who joined, with the token the join gave."""

    id: str
    name: str
    room: str
    token: str


def notes(client: BoardClient) -> dict[str, Any]:
    found: dict[str, Any] = client.doc.get("notes", type=Map).to_py()
    return found


def write(client: BoardClient, key: str, value: str) -> None:
    client.doc.get("notes", type=Map)[key] = value


def person(seat: Seat, room: str | None = None, *, online: bool) -> dict[str, Any]:
    """The PEOPLE entry of this participant."""
    return {"id": seat.id, "name": seat.name, "room": room or seat.room, "online": online}


class Hall:
    """A workshop on the server fixture, and the clients a test opens in it."""

    def __init__(self, server: RunningServer, workshop: dict[str, Any]) -> None:
        self.server = server
        self.workshop = workshop
        self.opened: list[BoardClient] = []

    async def join(self, name: str, room: str) -> Seat:
        joined = await self.server.join(self.workshop["join_code"], name, room=room)
        return Seat(joined["participant"]["id"], name, room, joined["token"])

    async def open(self, token: str, room: str | None, *, commands: bool = True) -> BoardClient:
        """A client on a room's board (room None: the workshop socket), once it has
        synced and, with commands, said hello."""
        client = BoardClient(
            self.server.http_url, self.workshop["id"], room, token, commands=commands
        )
        self.opened.append(client)
        client.start()
        async with asyncio.timeout(10):
            if commands:
                await client.said_hello.wait()
            if room is not None:
                await client.synced.wait()
        return client

    async def facilitator(self) -> BoardClient:
        """The facilitator's console: the workshop socket."""
        return await self.open(self.workshop["facilitator_token"], None)

    def url(self, token: str, room: str | None) -> str:
        path = self.workshop["id"] if room is None else f"{self.workshop['id']}/{room}"
        return f"{self.server.ws_url}/ws/{path}?token={token}"

    async def refusal(self, token: str, room: str | None) -> tuple[int | None, str]:
        """How the server closes a new connection with this token to this room."""
        return await close_after(self.url(token, room))

    def room(self, room: str) -> Room:
        """The server's loaded room."""
        return self.server.services.rooms.rooms[RoomKey(self.workshop["id"], room)]

    def peer(self, room: str, participant_id: str) -> Peer:
        """The server's one connection of this participant in this room."""
        (peer,) = [p for p in self.room(room).peers if p.session.participant_id == participant_id]
        return peer

    async def close(self) -> None:
        for client in reversed(self.opened):
            await client.close()


@pytest.fixture
async def hall(server: RunningServer, workshop: dict[str, Any]) -> AsyncIterator[Hall]:
    opened = Hall(server, workshop)
    try:
        yield opened
    finally:
        await opened.close()


async def closed(client: BoardClient) -> tuple[int | None, str]:
    """Wait until the server has closed this client; the close code and reason."""
    async with asyncio.timeout(10):
        await client.closed.wait()
    return client.close_code, client.close_reason
