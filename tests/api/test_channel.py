"""The command channel (type 100) on one in-process server: roles, stock clients,
bad input, timers and phases, and the state surviving a restart."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from channelkit import Open, ok, open_channel
from conftest import LiveRoom, RunningServer, close_after, start_server
from pycrdt import Doc, Map
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from board_server.client import BoardClient
from board_server.sync import (
    BoardMessage,
    SyncStep2,
    SyncUpdate,
    encode_board,
    encode_sync_step1,
    parse_message,
)

__all__ = ["open_channel"]  # the fixture, from channelkit

FORBIDDEN = {"ok": False, "error": "forbidden", "detail": "Only the facilitator can do that."}


def answer(reply: dict[str, Any]) -> dict[str, Any]:
    """A reply without its request id."""
    return {key: value for key, value in reply.items() if key != "re"}


def timeless(state: dict[str, Any]) -> dict[str, Any]:
    """A STATE without its server_time, which changes with every message."""
    return {key: value for key, value in state.items() if key != "server_time"}


async def current_state(client: BoardClient) -> dict[str, Any]:
    reply = await client.request("state")
    assert reply["ok"] is True, reply
    state: dict[str, Any] = reply["result"]["state"]
    return state


def request_frame(request_id: Any, cmd: str, args: Any = None) -> bytes:
    return encode_board(msgpack.packb({"id": request_id, "cmd": cmd, "args": args or {}}))


async def next_command_message(ws: ClientConnection) -> dict[str, Any]:
    """The next type-100 message on a raw connection, skipping board messages."""
    async with asyncio.timeout(10):
        while True:
            frame = await ws.recv()
            assert isinstance(frame, bytes)
            message = parse_message(frame)
            if isinstance(message, BoardMessage):
                decoded: dict[str, Any] = msgpack.unpackb(message.body)
                return decoded


def room_url(server: RunningServer, workshop: dict[str, Any], token: str, room: str | None) -> str:
    path = f"{workshop['id']}/{room}" if room is not None else workshop["id"]
    return f"{server.ws_url}/ws/{path}?token={token}"


# 1. Raw-protocol attacks: only the facilitator may change anything.


async def attacks(server: RunningServer, workshop: dict[str, Any], me: str, other: str) -> list:
    """Every facilitator command, with arguments that would work for a facilitator."""
    return [
        ("agenda.set", {"phases": [{"id": "x", "title": "Takeover", "open": ["notes"]}]}),
        ("phase.set", {"phase": "vote"}),
        ("timer.start", {"seconds": 60}),
        ("timer.pause", {"room": "r1"}),
        ("timer.resume", {}),
        ("timer.add", {"seconds": 30, "room": "r1"}),
        ("timer.stop", {"room": "r1"}),
        ("room.lock", {"room": "r2", "locked": True}),
        ("room.prompt", {"room": "r1", "text": "Hacked"}),
        ("banner.set", {"text": "Hacked"}),
        ("spotlight.set", {"room": "r1"}),
        ("participant.move", {"participant": me, "room": "r2"}),
        ("rooms.shuffle", {}),
        ("participant.remove", {"participant": other}),
        ("people", {}),
        ("audit.list", {"limit": 10}),
        ("vote.open", {"mode": "dots", "room": "r1"}),
        ("vote.close", {}),
        ("vote.reveal", {"room": "r2"}),
    ]


@pytest.mark.parametrize(
    ("role", "socket_room"),
    [
        ("participant", "r1"),
        ("viewer", "r1"),
        ("observer", "r2"),
        ("participant", None),
        ("viewer", None),
    ],
)
async def test_no_facilitator_command_works_for_another_role(
    server: RunningServer,
    workshop: dict[str, Any],
    open_channel: Open,
    role: str,
    socket_room: str | None,
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    # Something for pause, add and stop to act on.
    await ok(facilitator, "timer.start", {"seconds": 600, "room": "r1"})
    await ok(facilitator, "room.prompt", {"room": "r1", "text": "What slows you down?"})
    bob = await server.join(workshop["join_code"], "Bob", room="r2")
    if role == "participant":
        joined = await server.join(workshop["join_code"], "Mallory", room="r1")
        token, me = joined["token"], joined["participant"]["id"]
    else:
        token, me = await server.role_token(workshop, role), bob["participant"]["id"]
    attacker = await open_channel(token, socket_room, reconnect=False)
    before = timeless(await current_state(facilitator))
    people_before = (await ok(facilitator, "people"))["people"]
    audit_before = (await ok(facilitator, "audit.list"))["entries"]

    commands = await attacks(server, workshop, me, bob["participant"]["id"])
    replies = await asyncio.gather(*(attacker.request(cmd, args) for cmd, args in commands))

    assert [answer(reply) for reply in replies] == [FORBIDDEN] * len(commands)
    assert timeless(await current_state(facilitator)) == before
    people_after = (await ok(facilitator, "people"))["people"]
    assert [(p["id"], p["room"]) for p in people_after] == [
        (p["id"], p["room"]) for p in people_before
    ]
    assert (await ok(facilitator, "audit.list"))["entries"] == audit_before
    assert [e["action"] for e in audit_before] == ["room.prompt", "timer.start"]
    # The attacker was answered, not thrown out, and saw no change pushed
    # (who is here may come, as to every tablet).
    assert not attacker.closed.is_set()
    assert [p["event"] for p in attacker.pushes if p["event"] != "people"] == []


async def test_each_role_sees_its_rooms_in_hello(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    joined = await server.join(workshop["join_code"], "Ann", room="r2")
    participant = await open_channel(joined["token"], "r2")
    lobby = await open_channel(joined["token"])
    viewer = await open_channel(await server.role_token(workshop, "viewer"), "r1")
    observer = await open_channel(await server.role_token(workshop, "observer"))
    facilitator = await open_channel(workshop["facilitator_token"])

    pid = joined["participant"]["id"]
    assert participant.hello is not None and lobby.hello is not None
    assert participant.hello["you"] == {"role": "participant", "participant": pid, "room": "r2"}
    assert lobby.hello["you"] == {"role": "participant", "participant": pid, "room": "r2"}
    assert list(participant.hello["state"]["rooms"]) == ["r2"]
    assert list(lobby.hello["state"]["rooms"]) == ["r2"]
    for client, role, room in (
        (viewer, "viewer", "r1"),
        (observer, "observer", None),
        (facilitator, "facilitator", None),
    ):
        assert client.hello is not None
        assert client.hello["you"] == {"role": role, "participant": None, "room": room}
        assert list(client.hello["state"]["rooms"]) == ["r1", "r2"]


# 2. Stock clients stay stock: no type-100 byte without a hello.


class RawListener:
    """A plain y-websocket peer: sends sync step 1 once, never says hello, and
    keeps every frame it receives (and a doc built from the updates)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[bytes] = []
        self.doc: Doc[Any] = Doc()
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                assert isinstance(frame, bytes)
                self.frames.append(frame)
                message = parse_message(frame)
                if isinstance(message, (SyncStep2, SyncUpdate)):
                    self.doc.apply_update(message.update)
                self._changed.set()
        except ConnectionClosed:
            pass

    async def wait_note(self, key: str) -> None:
        notes = self.doc.get("notes", type=Map)
        async with asyncio.timeout(10):
            while key not in notes:
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        await self.ws.close()
        await self._task


@pytest.mark.node
async def test_clients_that_never_say_hello_never_get_a_type_100_frame(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open, node_modules: None
) -> None:
    from nodeclient import NodeYClient

    async def token(name: str) -> str:
        joined = await server.join(workshop["join_code"], name, room="r1")
        return str(joined["token"])

    facilitator = await open_channel(workshop["facilitator_token"])
    tablet = await open_channel(await token("Tab"), "r1")
    plain = BoardClient(server.http_url, workshop["id"], "r1", await token("Py"), capture=True)
    plain.start()
    node = await NodeYClient.start(f"{server.ws_url}/ws/{workshop['id']}", "r1", await token("No"))
    ws = await connect(room_url(server, workshop, await token("Raw"), "r1"), max_size=None)
    raw = RawListener(ws)
    try:
        await ws.send(encode_sync_step1(Doc().get_state()))
        await plain.wait_synced()
        await node.wait_event("synced")

        await ok(facilitator, "phase.set", {"phase": "ideate", "room": "r1"})
        await ok(facilitator, "timer.start", {"seconds": 300, "room": "r1"})
        await ok(facilitator, "banner.set", {"text": "  Back at 11:00  "})
        result = await ok(facilitator, "room.prompt", {"room": "r1", "text": "Why walk?"})
        version = result["state"]["version"]
        final = await tablet.wait_push("state", lambda s: s["version"] == version)
        assert final["banner"] == "Back at 11:00"
        assert {k: v for k, v in final["rooms"]["r1"].items() if k != "timer"} == {
            "name": "Table 1", "phase": "ideate", "prompt": "Why walk?", "locked": False,
            "private": False, "vote": None, "kept": [],
        }  # fmt: skip
        assert final["rooms"]["r1"]["timer"] == result["state"]["rooms"]["r1"]["timer"]
        assert [p["event"] for p in tablet.pushes if p["event"] != "people"] == ["state"] * 4

        # A note written after the last push reaches everyone after any frame
        # sent to them before it, so the captures below are complete.
        tablet.doc.get("notes", type=Map)["after"] = "pushes"
        await node.call("wait_map", map="notes", key="after", value="pushes")
        await raw.wait_note("after")
        notes = plain.doc.get("notes", type=Map)
        await plain.wait_until(lambda: notes.get("after") == "pushes")

        assert [frame[0] for frame in raw.frames if frame[0] == 100] == []
        assert raw.frames[0][0] == 0
        assert {frame[0] for frame in raw.frames} <= {0, 1}
        assert plain.received is not None
        assert [frame[0] for frame in plain.received if frame[0] == 100] == []
        assert {frame[0] for frame in plain.received} <= {0, 1}
        assert plain.pushes == []
        # y-websocket logs "Unable to compute message" for a message type it lacks.
        assert [line for line in node.stderr_lines if "Unable to compute" in line] == []
    finally:
        await raw.close()
        await node.close()
        await plain.close()


# 3. Bad input on the channel.


def _oversized() -> bytes:
    return msgpack.packb({"id": 1, "cmd": "banner.set", "args": {"text": "x" * 65_536}})


@pytest.mark.parametrize("socket_room", ["r1", None])
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xc1\x00", "malformed message: malformed command: not msgpack"),
        (b"\x92\x01\x02\x03", "malformed message: malformed command: not msgpack"),
        (msgpack.packb([1, "state", {}]), "malformed message: malformed command: not a map"),
        (msgpack.packb("hello"), "malformed message: malformed command: not a map"),
        (msgpack.packb({"cmd": "state"}), "malformed message: malformed command: no integer id"),
        (
            msgpack.packb({"id": "1", "cmd": "state"}),
            "malformed message: malformed command: no integer id",
        ),
        (
            msgpack.packb({"id": True, "cmd": "state"}),
            "malformed message: malformed command: no integer id",
        ),
        (
            msgpack.packb({"id": 1.5, "cmd": "state"}),
            "malformed message: malformed command: no integer id",
        ),
        (_oversized(), "malformed message: command over 65536 bytes"),
    ],
)
async def test_unanswerable_bodies_close_with_4400(
    server: RunningServer,
    workshop: dict[str, Any],
    socket_room: str | None,
    body: bytes,
    reason: str,
) -> None:
    # The board socket's frame limit (4 MiB) is far above the channel's 64 KiB.
    assert server.config.max_message_bytes > 2 * 65_536
    joined = await server.join(workshop["join_code"], "Mallory", room="r1")
    url = room_url(server, workshop, joined["token"], socket_room)
    assert await close_after(url, encode_board(body)) == (4400, reason)


async def test_a_truncated_type_100_frame_closes_with_4400(
    server: RunningServer, workshop: dict[str, Any]
) -> None:
    joined = await server.join(workshop["join_code"], "Mallory", room="r1")
    url = room_url(server, workshop, joined["token"], "r1")
    assert await close_after(url, b"\x64\x09\x81") == (
        4400,
        "malformed message: length prefix exceeds frame",
    )


async def test_answerable_bad_requests_get_invalid_and_change_nothing(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    joined = await server.join(workshop["join_code"], "Mallory", room="r1")
    before = timeless(await current_state(facilitator))

    async with (
        asyncio.timeout(10),
        connect(room_url(server, workshop, joined["token"], "r1")) as ws,
    ):
        await ws.send(request_frame(1, "state"))
        assert await next_command_message(ws) == {
            "re": 1, "ok": False, "error": "invalid", "detail": "Say hello first.",
        }  # fmt: skip
        for version in (2, True, 1.0):
            await ws.send(request_frame(2, "hello", {"v": version}))
            assert await next_command_message(ws) == {
                "re": 2, "ok": False, "error": "invalid",
                "detail": "This server speaks version 1: send {'v': 1}.",
            }  # fmt: skip
        # Still not said hello: the failed one does not count.
        await ws.send(request_frame(3, "banner.set", {"text": "x"}))
        assert (await next_command_message(ws))["detail"] == "Say hello first."
        await ws.send(encode_board(msgpack.packb({"id": 4, "args": {}})))
        assert await next_command_message(ws) == {
            "re": 4, "ok": False, "error": "invalid", "detail": "The command has no name.",
        }  # fmt: skip
        await ws.send(request_frame(5, "hello", [1]))
        assert await next_command_message(ws) == {
            "re": 5, "ok": False, "error": "invalid",
            "detail": "The command's args must be a map with text keys.",
        }  # fmt: skip
        deep: Any = 1
        for _ in range(12):
            deep = [deep]
        await ws.send(request_frame(6, "hello", {"v": deep}))
        assert await next_command_message(ws) == {
            "re": 6, "ok": False, "error": "invalid",
            "detail": "The command's args are nested too deeply.",
        }  # fmt: skip
        await ws.send(request_frame(7, "hello", {"v": 1}))
        hello = await next_command_message(ws)
        assert (hello["re"], hello["ok"]) == (7, True)
        await ws.send(request_frame(8, "board.wipe"))
        assert await next_command_message(ws) == {
            "re": 8, "ok": False, "error": "invalid", "detail": "Unknown command 'board.wipe'.",
        }  # fmt: skip

    bad = [
        ("timer.start", {"seconds": 0}, "invalid", "'seconds' must be between 1 and 43200, not 0."),
        (
            "timer.start",
            {"seconds": 50000},
            "invalid",
            "'seconds' must be between 1 and 43200, not 0.",
        ),
        ("timer.start", {"seconds": "ten"}, "invalid", "'seconds' must be a number."),
        ("timer.start", {"seconds": True}, "invalid", "'seconds' must be a number."),
        ("timer.add", {"seconds": 0, "room": "r1"}, "invalid",
         "'seconds' must be between -43200 and 43200, not 0."),
        ("timer.pause", {}, "conflict", "The timer is not running."),
        ("phase.set", {"phase": "lunch"}, "not_found", "That phase is not on the agenda."),
        ("phase.set", {"phase": "vote", "room": "r9"}, "not_found", "There is no room 'r9'."),
        ("room.lock", {"room": "r9", "locked": True}, "not_found", "There is no room 'r9'."),
        ("room.lock", {"locked": True}, "invalid", "Say which room: 'room'."),
        ("room.lock", {"room": "r1", "locked": "yes"}, "invalid",
         "'locked' must be true or false."),
        ("room.prompt", {"room": "r1", "text": "x" * 301}, "invalid",
         "'text' is longer than 300 characters."),
        ("banner.set", {"text": 7}, "invalid", "'text' must be text."),
        (
            "agenda.set",
            {"phases": [{"id": "a", "title": "One"}, {"id": "a", "title": "Two"}]},
            "invalid",
            "Two phases have the id 'a'.",
        ),
        ("agenda.set", {"phases": []}, "invalid", "'phases' must be a list of 1 to 20 phases."),
        ("agenda.set", {"phases": [{"id": "A B", "title": "x"}]}, "invalid",
         "A phase id is 1 to 24 of a-z, 0-9 and '-'."),
        ("agenda.set", {"phases": [{"id": "a", "title": "x", "icon": "skull"}]}, "invalid",
         "'icon' must be one of wave, bulb, groups, map, vote, walk, clipboard, mirror, "
         "coffee, star."),
        ("participant.move", {"participant": "nobody", "room": "r2"}, "not_found",
         "That participant is not in the workshop."),
        ("participant.move", {"participant": joined["participant"]["id"], "room": "r9"},
         "not_found", "There is no such room."),
        ("participant.remove", {"participant": "nobody"}, "not_found",
         "That participant is not in the workshop."),
        ("audit.list", {"limit": 0}, "invalid", "'limit' must be 1 to 500."),
        ("spotlight.set", {"room": "r9"}, "not_found", "There is no room 'r9'."),
    ]  # fmt: skip
    # Two connections, so that no reply is the rate limit's (20 commands a second each).
    second = await open_channel(workshop["facilitator_token"])
    replies = [await facilitator.request(cmd, args) for cmd, args, _, _ in bad[:11]]
    replies += [await second.request(cmd, args) for cmd, args, _, _ in bad[11:]]
    assert [answer(reply) for reply in replies] == [
        {"ok": False, "error": error, "detail": detail} for _, _, error, detail in bad
    ]
    facilitator = second
    assert timeless(await current_state(facilitator)) == before
    assert (await ok(facilitator, "audit.list"))["entries"] == []
    people = (await ok(facilitator, "people"))["people"]
    assert [(p["name"], p["room"]) for p in people] == [("Mallory", "r1")]


async def test_a_burst_of_commands_is_rate_limited_and_the_room_carries_on(
    server: RunningServer, workshop: dict[str, Any]
) -> None:
    async def tablet(name: str) -> BoardClient:
        return await BoardClient.join(server.http_url, workshop["join_code"], name, room="r1")

    a, b = await tablet("A"), await tablet("B")
    try:
        await a.wait_synced()
        await b.wait_synced()
        joined = await server.join(workshop["join_code"], "Burst", room="r1")
        async with (
            asyncio.timeout(10),
            connect(room_url(server, workshop, joined["token"], "r1")) as ws,
        ):
            # A hello and 25 commands in one write: the server takes them all in
            # one go, so the bucket (20 a second) has no time to refill.
            ws.protocol.send_binary(request_frame(1, "hello", {"v": 1}))
            for request_id in range(2, 27):
                ws.protocol.send_binary(request_frame(request_id, "state"))
            ws.transport.write(b"".join(ws.protocol.data_to_send()))
            replies = {}
            while len(replies) < 26:
                message = await next_command_message(ws)
                replies[message["re"]] = message
            # And the connection still works once the bucket has refilled a little.
        limited = {
            "ok": False, "error": "rate_limited",
            "detail": "Too many commands at once; wait a moment.",
        }  # fmt: skip
        assert replies[1]["ok"] is True and "you" in replies[1]["result"]
        assert [replies[i]["ok"] for i in range(2, 21)] == [True] * 19
        assert [answer(replies[i]) for i in range(21, 27)] == [limited] * 6

        a.doc.get("notes", type=Map)["n1"] = "still here"
        notes = b.doc.get("notes", type=Map)
        await b.wait_until(lambda: notes.get("n1") == "still here")
        b.doc.get("notes", type=Map)["n2"] = "and back"
        await a.wait_until(lambda: a.doc.get("notes", type=Map).get("n2") == "and back")
        room = next(iter(server.services.rooms.rooms.values()))
        assert room.doc.get("notes", type=Map).to_py() == {"n1": "still here", "n2": "and back"}
    finally:
        await a.close()
        await b.close()


async def test_the_room_carries_on_after_bad_channel_input(live: LiveRoom) -> None:
    url = room_url(live.server, live.workshop, await live.token(), "r1")
    for body in (b"\xc1", msgpack.packb([1]), msgpack.packb({"id": None}), _oversized()):
        assert (await close_after(url, encode_board(body)))[0] == 4400
    await live.still_serves("second")
    assert live.b.doc.get("notes", type=Map).to_py() == {"first": "kept", "second": "after"}


# 4. Timers and phases, end to end.


async def test_timer_start_pause_add_resume_stop(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await server.join(workshop["join_code"], "Ann", room="r1")
    tablet = await open_channel(ann["token"], "r1")

    async def step(cmd: str, args: dict[str, Any]) -> dict[str, Any]:
        """Run a command; the state it answered, checked against the tablet's push."""
        state: dict[str, Any] = (await ok(facilitator, cmd, args))["state"]
        pushed = await tablet.wait_push("state", lambda s: s["version"] == state["version"])
        assert timeless(pushed) == {**timeless(state), "rooms": {"r1": state["rooms"]["r1"]}}
        assert state["rooms"]["r2"]["timer"] == {"state": "stopped"}
        return state

    before = await current_state(facilitator)
    started = await step("timer.start", {"seconds": 60, "room": "r1"})
    timer = started["rooms"]["r1"]["timer"]
    assert timer == {"state": "running", "ends_at": timer["ends_at"], "duration": 60.0}
    ends_at = timer["ends_at"]
    assert before["server_time"] <= ends_at - 60 <= started["server_time"]

    paused = await step("timer.pause", {"room": "r1"})
    timer = paused["rooms"]["r1"]["timer"]
    remaining = timer["remaining"]
    assert timer == {"state": "paused", "remaining": remaining, "duration": 60.0}
    assert ends_at - paused["server_time"] <= remaining <= ends_at - started["server_time"]

    added = await step("timer.add", {"seconds": 30, "room": "r1"})
    assert added["rooms"]["r1"]["timer"] == {
        "state": "paused", "remaining": remaining + 30, "duration": 90.0,
    }  # fmt: skip

    resumed = await step("timer.resume", {"room": "r1"})
    timer = resumed["rooms"]["r1"]["timer"]
    assert timer == {"state": "running", "ends_at": timer["ends_at"], "duration": 90.0}
    left = remaining + 30
    assert added["server_time"] + left <= timer["ends_at"] <= resumed["server_time"] + left

    assert (await step("timer.stop", {"room": "r1"}))["rooms"]["r1"]["timer"] == {
        "state": "stopped"
    }
    for cmd in ("timer.stop", "timer.pause", "timer.resume"):
        assert answer(await facilitator.request(cmd, {"room": "r1"})) == {
            "ok": False, "error": "conflict",
            "detail": "The timer is not paused." if cmd == "timer.resume"
            else "The timer is not running.",
        }  # fmt: skip
    assert answer(await facilitator.request("timer.add", {"seconds": 5})) == {
        "ok": False, "error": "conflict", "detail": "The timer is not running.",
    }  # fmt: skip
    versions = [p["data"]["version"] for p in tablet.pushes if p["event"] == "state"]
    assert versions == list(range(before["version"] + 1, before["version"] + 6))
    entries = (await ok(facilitator, "audit.list"))["entries"]
    assert [(e["action"], e["room"], e["detail"]) for e in entries] == [
        ("timer.stop", "r1", "timer stop (Table 1)"),
        ("timer.resume", "r1", "timer resume (Table 1)"),
        ("timer.add", "r1", "timer add 0:30 (Table 1)"),
        ("timer.pause", "r1", "timer pause (Table 1)"),
        ("timer.start", "r1", "timer 1:00 (Table 1)"),
    ]


async def test_a_timer_without_a_room_runs_in_every_room(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    state = (await ok(facilitator, "timer.start", {"seconds": 90}))["state"]
    (timer,) = {str(room["timer"]) for room in state["rooms"].values()}
    assert state["rooms"]["r1"]["timer"]["duration"] == 90.0
    # Pausing one room leaves the other running; resuming all answers for the paused one.
    await ok(facilitator, "timer.pause", {"room": "r2"})
    state = (await ok(facilitator, "timer.resume", {}))["state"]
    assert [room["timer"]["state"] for room in state["rooms"].values()] == ["running"] * 2
    assert str(state["rooms"]["r1"]["timer"]) == timer


async def test_phases_per_room_and_who_sees_which_rooms(
    server: RunningServer, workshop: dict[str, Any], open_channel: Open
) -> None:
    facilitator = await open_channel(workshop["facilitator_token"])
    ann = await server.join(workshop["join_code"], "Ann", room="r1")
    ben = await server.join(workshop["join_code"], "Ben", room="r2")
    one = await open_channel(ann["token"], "r1")
    two = await open_channel(ben["token"])
    viewer = await open_channel(await server.role_token(workshop, "viewer"))

    state = (await ok(facilitator, "phase.set", {"phase": "cluster", "room": "r2"}))["state"]
    assert [room["phase"] for room in state["rooms"].values()] == [None, "cluster"]
    version = state["version"]
    pushed_one = await one.wait_push("state", lambda s: s["version"] == version)
    pushed_two = await two.wait_push("state", lambda s: s["version"] == version)
    pushed_viewer = await viewer.wait_push("state", lambda s: s["version"] == version)
    assert pushed_one["rooms"] == {"r1": state["rooms"]["r1"]}
    assert pushed_one["rooms"]["r1"]["phase"] is None
    assert pushed_two["rooms"] == {"r2": state["rooms"]["r2"]}
    assert pushed_viewer["rooms"] == state["rooms"]
    assert timeless(pushed_viewer) == timeless(state)

    state = (await ok(facilitator, "phase.set", {"phase": "ideate"}))["state"]
    assert [room["phase"] for room in state["rooms"].values()] == ["ideate", "ideate"]
    assert (await current_state(one))["rooms"] == {"r1": state["rooms"]["r1"]}
    assert (await current_state(two))["rooms"] == {"r2": state["rooms"]["r2"]}
    assert (await current_state(viewer))["rooms"] == state["rooms"]

    # A new agenda without the phase in use clears it.
    phases = [{"id": "intro", "title": "  Intro ", "icon": "wave", "minutes": 5, "open": []}]
    state = (await ok(facilitator, "agenda.set", {"phases": phases}))["state"]
    assert state["agenda"] == [
        {"id": "intro", "title": "Intro", "icon": "wave", "minutes": 5, "open": []}
    ]
    assert [room["phase"] for room in state["rooms"].values()] == [None, None]
    state = (await ok(facilitator, "phase.set", {"phase": None, "room": "r1"}))["state"]
    assert [room["phase"] for room in state["rooms"].values()] == [None, None]


# 7. The state survives a restart, with either store.


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def store_options(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict]:
    """Server options for each store; Redis keys get a prefix of this test's own."""
    if request.param == "sqlite":
        yield {}
        return
    from rediskit import REDIS_URL, delete_prefix

    prefix = f"test:{tmp_path.name}:{secrets.token_hex(4)}:"
    try:
        yield {"redis_url": REDIS_URL, "redis_prefix": prefix}
    finally:
        await delete_prefix(prefix)


async def test_the_state_survives_a_restart(tmp_path: Path, store_options: dict) -> None:
    data_dir = tmp_path / "data"

    async def hello(server: RunningServer, workshop: dict[str, Any]) -> dict[str, Any]:
        client = BoardClient(
            server.http_url, workshop["id"], None, workshop["facilitator_token"], commands=True
        )
        async with client:
            async with asyncio.timeout(10):
                await client.said_hello.wait()
            assert client.hello is not None
            entries = (await ok(client, "audit.list"))["entries"]
            # The address tablets open: this run's, on its own port.
            assert client.hello["public_url"] == server.services.config.http_url
            return {"state": timeless(client.hello["state"]), "audit": entries}

    server, stop = await start_server(data_dir, **store_options)
    try:
        workshop = await server.create_workshop("Survivor", ("North", "South", "East"))
        client = BoardClient(
            server.http_url, workshop["id"], None, workshop["facilitator_token"], commands=True
        )
        async with client:
            await ok(client, "phase.set", {"phase": "map", "room": "r2"})
            await ok(client, "room.prompt", {"room": "r2", "text": "Where does it start?"})
            await ok(client, "timer.start", {"seconds": 1200, "room": "r2"})
            await ok(client, "timer.start", {"seconds": 300, "room": "r3"})
            await ok(client, "timer.pause", {"room": "r3"})
            await ok(client, "room.lock", {"room": "r1", "locked": True})
            await ok(client, "banner.set", {"text": "Lunch at 12"})
            await ok(client, "spotlight.set", {"room": "r3"})
        before = await hello(server, workshop)
    finally:
        await stop()
    assert before["state"]["version"] == 9
    assert len(before["audit"]) == 8

    server, stop = await start_server(data_dir, **store_options)
    try:
        after = await hello(server, workshop)
    finally:
        await stop()
    assert after == before
    state = after["state"]
    assert (state["banner"], state["spotlight"]) == (
        "Lunch at 12",
        {"room": "r3", "name": "East", "prompt": ""},
    )
    assert [(r["phase"], r["prompt"], r["locked"], r["timer"]["state"])
            for r in state["rooms"].values()] == [
        (None, "", True, "stopped"),
        ("map", "Where does it start?", False, "running"),
        (None, "", False, "paused"),
    ]  # fmt: skip
