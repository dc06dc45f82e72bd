"""Bad input on the board socket: a precise close code, and the room carries on."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest
from conftest import LiveRoom, close_after, start_server
from pycrdt import Map
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from board_server.client import BoardClient
from board_server.model import Role
from board_server.sync import encode_sync_step1, encode_sync_update


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        (b"\x00\x09\x01\x02garbage", 4400, "malformed message: unknown sync message type 9"),
        (b"\x00\x02\x80", 4400, "malformed message: truncated varint"),
        (b"\x00\x02\x80\x80\x80", 4400, "malformed message: truncated varint"),
        (b"\x00\x00\x05ab", 4400, "malformed message: length prefix exceeds frame"),
        (b"\x01\x02\x05\x01", 4400, "malformed message: awareness entry count exceeds frame"),
        (b"", 4400, "malformed message: empty frame"),
        ("text frame", 1003, "text frames are not supported"),
    ],
)
async def test_malformed_frames(live: LiveRoom, frame: bytes | str, code: int, reason: str) -> None:
    assert await close_after(live.url(await live.token()), frame) == (code, reason)
    await live.still_serves("after-malformed")


async def test_update_that_is_not_a_yjs_update(live: LiveRoom) -> None:
    frame = encode_sync_update(b"\x05\x99\xffthis is not an update")
    code, reason = await close_after(live.url(await live.token()), frame)
    assert code == 4422
    assert reason.startswith("update rejected: ")
    await live.still_serves("after-invalid-update")


async def test_invalid_state_vector(live: LiveRoom) -> None:
    frame = encode_sync_step1(b"\x05\x99")
    assert await close_after(live.url(await live.token()), frame) == (
        4400,
        "malformed message: invalid state vector",
    )
    await live.still_serves("after-bad-sv")


async def step2_or_close(url: str, frame: bytes) -> int | str:
    """Send a frame, then a sync step 1: the close code, or "alive" if step 2 came back."""
    async with asyncio.timeout(10), connect(url) as ws:
        await ws.send(frame)
        await ws.send(encode_sync_step1(b"\x00"))
        try:
            while True:
                reply = await ws.recv()
                if isinstance(reply, bytes) and reply[:2] == b"\x00\x01":
                    return "alive"
        except ConnectionClosed:
            assert ws.close_code is not None
            return ws.close_code


async def test_random_garbage_never_breaks_the_room(live: LiveRoom) -> None:
    rng = random.Random(7)
    token = await live.token()
    outcomes = set()
    for _ in range(40):
        frame = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        outcome = await step2_or_close(live.url(token), frame)
        # Rejected with a precise code, or an unknown message type that is ignored.
        assert outcome in (4400, 4422, "alive"), frame
        outcomes.add(outcome)
    assert 4400 in outcomes
    await live.still_serves("after-fuzz")


async def test_unknown_message_type_is_ignored(live: LiveRoom) -> None:
    token = await live.token()
    async with asyncio.timeout(10), connect(live.url(token)) as ws:
        await ws.send(b"\x42\x01\x02\x03")
        await ws.send(encode_sync_step1(b"\x00"))
        # The connection still works: it answers step 1 with step 2 (type 0, 1).
        while True:
            frame = await ws.recv()
            assert isinstance(frame, bytes)
            if frame[:2] == b"\x00\x01":
                break
    await live.still_serves("after-unknown")


@pytest.mark.parametrize(
    ("token_kind", "reason"),
    [
        ("missing", "A token is required."),
        ("empty", "A token is required."),
        ("forged", "The token signature is not valid."),
        ("garbage", "The token is malformed."),
        ("expired", "The token has expired; join again."),
    ],
)
async def test_bad_tokens_get_4401(live: LiveRoom, token_kind: str, reason: str) -> None:
    signer = live.server.services.signer
    valid = await live.token()
    tokens = {
        "missing": None,
        "empty": "",
        "forged": valid[:-4] + ("AAAA" if not valid.endswith("AAAA") else "BBBB"),
        "garbage": "not-a-token",
        "expired": signer.issue(live.workshop["id"], Role.PARTICIPANT, "p", "r1", ttl=-1),
    }
    assert await close_after(live.url(tokens[token_kind])) == (4401, reason)
    await live.still_serves(f"after-{token_kind}")


async def test_another_workshops_token_gets_4403(live: LiveRoom) -> None:
    other = await live.server.create_workshop("Other")
    joined = await live.server.join(other["join_code"], "Eve", room="r1")
    assert await close_after(live.url(joined["token"])) == (
        4403,
        "This token does not open this room.",
    )
    await live.still_serves("after-other-workshop")


async def test_participant_of_another_room_gets_4403(live: LiveRoom) -> None:
    joined = await live.server.join(live.workshop["join_code"], "Eve", room="r2")
    code, _ = await close_after(live.url(joined["token"]))
    assert code == 4403


async def test_unknown_room_and_workshop_get_4404(live: LiveRoom) -> None:
    token = await live.token()
    reason = "No such workshop or room."
    assert await close_after(live.url(token, room="r99")) == (4404, reason)
    assert await close_after(live.url(token, workshop_id="nope")) == (4404, reason)
    await live.still_serves("after-unknown-room")


async def test_oversize_frame_gets_1009(tmp_path: Any) -> None:
    server, stop = await start_server(tmp_path / "data", max_message_bytes=64 * 1024)
    try:
        workshop = await server.create_workshop()
        a = await BoardClient.join(server.http_url, workshop["join_code"], "A", room="r1")
        b = await BoardClient.join(server.http_url, workshop["join_code"], "B", room="r1")
        await a.wait_synced()
        await b.wait_synced()
        a.doc.get("notes", type=Map)["first"] = "kept"
        live = LiveRoom(server, workshop, a, b)
        huge = encode_sync_update(b"\x00" * (100 * 1024))
        code, _ = await close_after(live.url(await live.token()), huge)
        assert code == 1009
        await live.still_serves("after-oversize")
        await a.close()
        await b.close()
    finally:
        await stop()


async def test_invalid_json_to_the_api_leaves_the_room_serving(live: LiveRoom) -> None:
    async with httpx.AsyncClient(base_url=live.server.http_url, timeout=10) as http:
        for body in (b"{", b"\x00\xff", b'{"code": [1, 2', b"null"):
            response = await http.post("/api/join", content=body)
            assert response.status_code == 400
            assert response.json()["error"] == "invalid_json"
    await live.still_serves("after-invalid-json")
