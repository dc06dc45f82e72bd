"""Awareness is bound to its connection, on the real server: another
connection's client id, whatever clock it claims, changes nothing for
anyone; a state over the limit, or too many client ids, closes the
connection that sent it (4413), and the room carries on."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import LiveRoom, close_after
from pycrdt import Doc
from websockets.asyncio.client import ClientConnection, connect

from board_server.rooms.room import MAX_AWARENESS_CLIENTS, MAX_AWARENESS_STATE
from board_server.sync import (
    AwarenessEntry,
    AwarenessMessage,
    encode_awareness,
    encode_sync_step1,
    parse_message,
)
from board_server.sync.awareness import encode_awareness_update, parse_awareness

AT_10_20 = '{"cursor":{"space":"board","x":10,"y":20}}'
AT_11_21 = '{"cursor":{"space":"board","x":11,"y":21}}'


def presence(*entries: tuple[int, int, str]) -> bytes:
    return encode_awareness(encode_awareness_update([AwarenessEntry(*e) for e in entries]))


class Listener:
    """A raw connection that keeps every awareness entry it receives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.entries: list[AwarenessEntry] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self.ws:
            assert isinstance(frame, bytes)
            message = parse_message(frame)
            if isinstance(message, AwarenessMessage):
                self.entries += parse_awareness(message.payload)
                self._changed.set()

    async def wait_for(self, entry: AwarenessEntry) -> None:
        async with asyncio.timeout(10):
            while entry not in self.entries:
                self._changed.clear()
                await self._changed.wait()

    def close(self) -> None:
        self._task.cancel()


async def open_raw(url: str) -> ClientConnection:
    ws = await connect(url, max_size=None)
    await ws.send(encode_sync_step1(Doc().get_state()))
    return ws


async def test_a_connection_cannot_touch_anothers_presence(live: LiveRoom) -> None:
    alice_ws = await open_raw(live.url(await live.token()))
    mallory_ws = await open_raw(live.url(await live.token()))
    watcher_ws = await open_raw(live.url(await live.token()))
    watcher = Listener(watcher_ws)
    try:
        await alice_ws.send(presence((7001, 1, AT_10_20)))
        await watcher.wait_for(AwarenessEntry(7001, 1, AT_10_20))
        # Mallory claims Alice's client id with a higher clock, then removes it.
        forged = '{"cursor":{"space":"board","x":0,"y":0},"says":"I am a drug user"}'
        await mallory_ws.send(presence((7001, 50, forged)))
        await mallory_ws.send(presence((7001, 51, "null")))
        # Alice moves on; the watcher gets that, and never Mallory's.
        await alice_ws.send(presence((7001, 2, AT_11_21)))
        await watcher.wait_for(AwarenessEntry(7001, 2, AT_11_21))
        assert [e for e in watcher.entries if e.client_id == 7001] == [
            AwarenessEntry(7001, 1, AT_10_20),
            AwarenessEntry(7001, 2, AT_11_21),
        ]
        room = next(iter(live.server.services.rooms.rooms.values()))
        assert AwarenessEntry(7001, 2, AT_11_21) in room.awareness.snapshot()
    finally:
        watcher.close()
        for ws in (alice_ws, mallory_ws, watcher_ws):
            await ws.close()
    await live.still_serves("after forgery")


async def test_presence_over_the_limits_closes_its_sender(live: LiveRoom) -> None:
    big = '{"x":"' + "a" * MAX_AWARENESS_STATE + '"}'
    assert await close_after(live.url(await live.token()), presence((8001, 1, big))) == (
        4413, f"awareness state over {MAX_AWARENESS_STATE} bytes"
    )  # fmt: skip
    many: list[Any] = [(9000 + i, 1, "{}") for i in range(MAX_AWARENESS_CLIENTS + 1)]
    assert await close_after(live.url(await live.token()), presence(*many)) == (
        4413, f"more than {MAX_AWARENESS_CLIENTS} awareness clients"
    )  # fmt: skip
    room = next(iter(live.server.services.rooms.rooms.values()))
    assert all(e.client_id < 8000 or e.client_id > 9999 for e in room.awareness.snapshot())
    await live.still_serves("after the flood")
