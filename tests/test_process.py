"""The real server as a subprocess, the way a user runs it.

``python -m board_server.cli serve ...``: restart and crash recovery, what the
logs say (and never say), configuration by environment, and the export command.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Doc, Map, Text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from board_server.auth import TokenSigner
from board_server.client import BoardClient, join, post_json

START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0

_RUNNING = re.compile(r"Board server running at (http://\S+):(\d+)\s*$")
_ADMIN = re.compile(r"Admin \(keep this link private\): \S+/admin\?token=(\S+)\s*$")
_JOIN_CODE = re.compile(r"^\s+Join code: (\S+)\s*$")


def _child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without BOARD_* settings, plus extra."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOARD_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class ServerProcess:
    """``board-server serve`` in a child process, with its output collected."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self.port = 0
        self.printed_url = ""
        self.admin_url = ""
        self.admin_token = ""
        self.join_code = ""
        self._readers: list[asyncio.Task[None]] = []

    @property
    def http_url(self) -> str:
        """The URL clients use: the server listens on 127.0.0.1 only."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def stdout(self) -> str:
        return "\n".join(self.stdout_lines)

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    async def start(
        self,
        data_dir: Path | None,
        port: int = 0,
        extra_args: Sequence[str] = (),
        *,
        demo: bool = True,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        """Spawn the server and wait until it has printed its links."""
        args = [sys.executable, "-m", "board_server.cli", "serve", "--port", str(port)]
        if data_dir is not None:
            args += ["--data-dir", str(data_dir)]
        if demo:
            args.append("--demo")
        args += list(extra_args)
        self.proc = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_child_env(env),
            cwd=cwd,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers.append(
            asyncio.create_task(self._collect(self.proc.stderr, self.stderr_lines))
        )
        try:
            async with asyncio.timeout(START_TIMEOUT):
                await self._read_announcement(self.proc.stdout, demo=demo)
        except BaseException:
            await self.kill()
            raise
        # Keep draining stdout (the join links) so the child never blocks on it.
        self._readers.append(
            asyncio.create_task(self._collect(self.proc.stdout, self.stdout_lines))
        )

    async def _read_announcement(self, stream: asyncio.StreamReader, *, demo: bool) -> None:
        while not (self.port and self.admin_token and (self.join_code or not demo)):
            raw = await stream.readline()
            if not raw:
                await self._wait_exit()
                raise RuntimeError(
                    f"server exited before it was ready (code {self.returncode}):\n{self.stderr}"
                )
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stdout_lines.append(line)
            if match := _RUNNING.search(line):
                self.printed_url = f"{match[1]}:{match[2]}"
                self.port = int(match[2])
            elif match := _ADMIN.search(line):
                self.admin_url = line.split(": ", 1)[1].strip()
                self.admin_token = match[1]
            elif match := _JOIN_CODE.search(line):
                self.join_code = match[1]

    @staticmethod
    async def _collect(stream: asyncio.StreamReader, lines: list[str]) -> None:
        while raw := await stream.readline():
            lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode

    async def _wait_exit(self) -> int:
        """Wait (bounded) for the child to exit and its output to be read in full."""
        assert self.proc is not None
        async with asyncio.timeout(STOP_TIMEOUT):
            code = await self.proc.wait()
            await asyncio.gather(*self._readers, return_exceptions=True)
        return code

    async def terminate(self) -> int:
        """SIGTERM, as a service manager stops the server; returns the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await self._wait_exit()

    async def kill(self) -> int:
        """SIGKILL: a crash, with no chance to flush anything."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.kill()
        return await self._wait_exit()


@pytest.fixture
async def spawn() -> AsyncIterator[Callable[[], ServerProcess]]:
    """A factory of ServerProcess objects; any left running are killed afterwards."""
    made: list[ServerProcess] = []

    def make() -> ServerProcess:
        server = ServerProcess()
        made.append(server)
        return server

    yield make
    for server in made:
        if server.proc is not None:
            await server.kill()


@pytest.fixture
async def clients() -> AsyncIterator[list[BoardClient]]:
    """Clients registered here are closed after the test."""
    opened: list[BoardClient] = []
    yield opened
    await disconnect(opened, *opened)


async def disconnect(clients: list[BoardClient], *which: BoardClient) -> None:
    """Close these clients (bounded) and forget them; close() is not idempotent."""
    for client in which:
        clients.remove(client)
        async with asyncio.timeout(10):
            await client.close()


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition that has no event of its own, within a bound.

    BoardClient has events for "synced" and for remote changes, but none for a
    close code being recorded or a reconnect being counted; so this polls.
    """
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def notes_of(doc: Doc[Any]) -> dict[str, Any]:
    """The notes map as plain Python values."""
    notes: dict[str, Any] = doc.get("notes", type=Map).to_py() or {}
    return notes


async def join_room(
    server: ServerProcess, clients: list[BoardClient], name: str, room: str = "r1"
) -> BoardClient:
    """Join the demo workshop by its printed code and wait for the first sync."""
    client = await BoardClient.join(server.http_url, server.join_code, name, room=room)
    clients.append(client)
    await client.wait_synced()
    return client


def _forge(token: str) -> str:
    """The token with its signature replaced by one the server never made."""
    version, payload, _ = token.split(".")
    fake_mac = base64.urlsafe_b64encode(b"forged-signature-forged-signatur").rstrip(b"=").decode()
    return f"{version}.{payload}.{fake_mac}"


async def test_restart_keeps_everything(
    tmp_path: Path, spawn: Callable[[], ServerProcess], clients: list[BoardClient]
) -> None:
    data = tmp_path / "data"
    first = spawn()
    await first.start(data)
    assert first.printed_url == f"http://localhost:{first.port}"
    assert "Demo workshop 'Demo workshop' (id demo)" in first.stdout_lines

    writer = await join_room(first, clients, "Ann")
    reader = await join_room(first, clients, "Ben")
    notes = writer.doc.get("notes", type=Map)
    for i in range(50):
        notes[f"n{i:02d}"] = Map({"text": Text(f"note {i}"), "kind": "text", "created": i})
    edited: Text = notes["n07"]["text"]
    edited.insert(0, "Too few ")
    edited += " buses"
    del edited[8:13]
    expected_text = "Too few 7 buses"
    assert str(edited) == expected_text
    expected = notes_of(writer.doc)
    assert len(expected) == 50

    await reader.wait_until(lambda: notes_of(reader.doc) == expected)

    assert await first.terminate() == 0
    await wait_for(
        lambda: all(
            client.close_code == 1012 and not client.synced.is_set() for client in (writer, reader)
        )
    )
    await disconnect(clients, writer, reader)

    second = spawn()
    await second.start(data)
    assert second.admin_token == first.admin_token
    assert second.join_code == first.join_code
    assert "Demo workshop 'Demo workshop' (id demo)" in second.stdout_lines

    fresh = await join_room(second, clients, "Cem")
    restored = notes_of(fresh.doc)
    assert restored == expected
    assert restored["n07"]["text"] == expected_text
    assert await second.terminate() == 0


async def test_crash_then_reconnecting_client_restores_the_room(
    tmp_path: Path, spawn: Callable[[], ServerProcess], clients: list[BoardClient]
) -> None:
    data = tmp_path / "data"
    first = spawn()
    await first.start(data)
    port = first.port

    ann = await join_room(first, clients, "Ann")
    notes = ann.doc.get("notes", type=Map)
    # No await between the writes and the kill: most never leave the client.
    for i in range(300):
        notes[f"n{i:03d}"] = Map({"text": f"note {i}", "kind": "text", "created": i})
    assert await first.kill() == -signal.SIGKILL
    stored = tmp_path / "after-crash.json"
    result = await _export(data, tmp_path, "demo", "--format", "json", "-o", str(stored))
    assert result.returncode == 0, result.stderr
    on_disk = json.loads(stored.read_text(encoding="utf-8"))["rooms"][0]["notes"]
    assert len(on_disk) < 300, "every write reached the store; the crash proved nothing"

    second = spawn()
    await second.start(data, port=port)
    assert second.port == port
    await wait_for(lambda: ann.connections >= 2 and ann.synced.is_set(), timeout=20)

    ben = await join_room(second, clients, "Ben")
    await ben.wait_until(lambda: len(notes_of(ben.doc)) == 300, timeout=20)
    assert notes_of(ben.doc) == notes_of(ann.doc)
    assert notes_of(ben.doc)["n299"] == {"text": "note 299", "kind": "text", "created": 299}
    assert await second.terminate() == 0


async def test_logs_name_connections_but_never_secrets(
    tmp_path: Path, spawn: Callable[[], ServerProcess], clients: list[BoardClient]
) -> None:
    data = tmp_path / "data"
    server = spawn()
    await server.start(data)
    secret = (data / "secret").read_text(encoding="ascii").strip()
    assert secret

    joined = await join(server.http_url, server.join_code, "Ann", "r1")
    participant = BoardClient(server.http_url, joined.workshop_id, joined.room_id, joined.token)
    clients.append(participant)
    participant.start()
    await participant.wait_synced()

    forged = _forge(joined.token)
    close_code: int | None = None
    async with asyncio.timeout(10):
        async with connect(f"ws://127.0.0.1:{server.port}/ws/demo/r1?token={forged}") as ws:
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await ws.recv()
            close_code = ws.close_code
    assert close_code == 4401

    workshop = await post_json(
        f"{server.http_url}/api/workshops",
        {"title": "Logs", "rooms": ["Hall"]},
        server.admin_token,
    )
    facilitator_token: str = workshop["facilitator_token"]
    answer = await post_json(
        f"{server.http_url}/api/workshops/{workshop['id']}/tokens",
        {"role": "viewer"},
        facilitator_token,
    )
    viewer_token: str = answer["token"]
    room_id = workshop["rooms"][0]["id"]
    viewer = BoardClient(server.http_url, workshop["id"], room_id, viewer_token)
    facilitator = BoardClient(server.http_url, workshop["id"], room_id, facilitator_token)
    for client in (viewer, facilitator):
        clients.append(client)
        client.start()
        await client.wait_synced()

    await disconnect(clients, participant, viewer, facilitator)
    assert await server.terminate() == 0

    log = server.stderr
    lines = server.stderr_lines
    connect_line = re.compile(r": connect c\d+ role=participant workshop=demo room=r1 ")
    disconnect_line = re.compile(
        r": disconnect c\d+ role=participant workshop=demo room=r1 code=\d+ reason="
    )
    assert any(connect_line.search(line) for line in lines), log
    assert any(disconnect_line.search(line) for line in lines), log
    assert any("refused" in line and "code=4401" in line for line in lines), log
    assert any(re.search(r": connect c\d+ role=viewer ", line) for line in lines), log
    # One line per connect and per disconnect, and no duplicate from uvicorn.
    assert len([line for line in lines if re.search(r": connect c\d+ ", line)]) == 3, log
    assert len([line for line in lines if re.search(r": disconnect c\d+ ", line)]) == 3, log
    assert len([line for line in lines if ": refused " in line]) == 1, log
    assert "[accepted]" not in log

    secrets = {
        "admin token": server.admin_token,
        "participant token": joined.token,
        "facilitator token": facilitator_token,
        "viewer token": viewer_token,
        "forged token": forged,
        "secret": secret,
    }
    leaked = [name for name, value in secrets.items() if value in log]
    assert leaked == []
    assert secret not in server.stdout


async def test_env_vars_configure_the_server(
    tmp_path: Path, spawn: Callable[[], ServerProcess]
) -> None:
    env_data = tmp_path / "env-data"
    server = spawn()
    await server.start(
        None,
        env={
            "BOARD_DATA_DIR": str(env_data),
            "BOARD_ADMIN_TOKEN": "fixed-admin-token-123",
            "BOARD_SECRET": "fixed-secret-456",
        },
        cwd=tmp_path,
    )
    assert server.admin_url.endswith("token=fixed-admin-token-123")
    assert server.admin_token == "fixed-admin-token-123"

    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        created = await http.post(
            "/api/workshops",
            json={"title": "Env", "rooms": ["Hall"]},
            headers={"Authorization": "Bearer fixed-admin-token-123"},
        )
        refused = await http.post(
            "/api/workshops",
            json={"title": "Env", "rooms": ["Hall"]},
            headers={"Authorization": "Bearer some-other-token"},
        )
    assert created.status_code == 201, created.text
    assert refused.status_code == 401, refused.text
    # Tokens are signed with the secret from the environment.
    claims = TokenSigner("fixed-secret-456").verify(created.json()["facilitator_token"])
    assert claims.workshop_id == created.json()["id"]

    assert (env_data / "board.sqlite3").exists()
    assert not (tmp_path / "board-data").exists()
    assert await server.terminate() == 0
    assert not (tmp_path / "board-data").exists()


async def _export(data: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "board_server.cli", "export", *args, "--data-dir", str(data)]
    return await asyncio.to_thread(
        subprocess.run,
        command,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=_child_env(),
    )


EXPECTED_TABLE_1 = """\
## Table 1

### Transport
- Too few buses

### Notes not in a cluster
- Fear of going out
- 🚌 only one an hour
- (drawing) my street
- (drawing)

### System map
- Isolation → Health (-)
- Health → Going out (+) (delayed)
- Going out → Isolation (-)

### Feedback loops
- R1 (reinforcing, with a delay): Isolation → Health → Going out → Isolation

"""

EXPECTED_CSV = [
    ["room", "kind", "id", "text", "cluster", "from", "to", "polarity", "delay"],
    ["Table 1", "note", "n1", "Too few buses", "Transport"],
    ["Table 1", "note", "n2", "Fear of going out", ""],
    ["Table 1", "note", "n3", "🚌 only one an hour", ""],
    ["Table 1", "note", "n4", "(drawing) my street", ""],
    ["Table 1", "note", "n5", "(drawing)", ""],
    ["Table 1", "factor", "f1", "Isolation"],
    ["Table 1", "factor", "f2", "Health"],
    ["Table 1", "factor", "f3", "Going out"],
    ["Table 1", "link", "l1", "", "", "Isolation", "Health", "-", "no"],
    ["Table 1", "link", "l2", "", "", "Health", "Going out", "+", "yes"],
    ["Table 1", "link", "l3", "", "", "Going out", "Isolation", "-", "no"],
    ["Table 1", "loop R", "loop1", "Isolation → Health → Going out", "", "", "", "R", "yes"],
]


async def test_export_cli_writes_outcomes(
    tmp_path: Path, spawn: Callable[[], ServerProcess], clients: list[BoardClient]
) -> None:
    data = tmp_path / "data"
    server = spawn()
    await server.start(data)
    author = await join_room(server, clients, "Ann")
    doc = author.doc
    notes = doc.get("notes", type=Map)
    clusters = doc.get("clusters", type=Map)
    nodes = doc.get("nodes", type=Map)
    links = doc.get("links", type=Map)
    with doc.transaction():
        notes["n1"] = Map({"text": "Too few buses", "kind": "text", "cluster": "c1", "created": 1})
        notes["n2"] = Map(
            {"text": "Fear of going out", "kind": "text", "cluster": "", "created": 2}
        )
        notes["n3"] = Map(
            {
                "text": "only one an hour",
                "kind": "emoji",
                "emoji": "🚌",
                "cluster": "",
                "created": 3,
            }
        )
        drawing = [{"points": [10.0, 10.0, 50.0, 60.0], "color": "#111111", "width": 6}]
        for note_id, words, created in (("n4", "my street", 4), ("n5", "", 5)):
            notes[note_id] = Map(
                {
                    "text": words,
                    "kind": "sketch",
                    "strokes": drawing,
                    "cluster": "",
                    "created": created,
                }
            )
        clusters["c1"] = Map({"title": "Transport", "created": 1})
        nodes["f1"] = Map({"label": "Isolation", "created": 1})
        nodes["f2"] = Map({"label": "Health", "created": 2})
        nodes["f3"] = Map({"label": "Going out", "created": 3})
        for link_id, source, target, polarity, delay, created in (
            ("l1", "f1", "f2", "-", False, 1),
            ("l2", "f2", "f3", "+", True, 2),
            ("l3", "f3", "f1", "-", False, 3),
        ):
            links[link_id] = Map(
                {
                    "from": source,
                    "to": target,
                    "polarity": polarity,
                    "delay": delay,
                    "label": "",
                    "created": created,
                }
            )
    expected = {name: doc.get(name, type=Map).to_py() for name in ("notes", "clusters", "nodes")}
    expected["links"] = links.to_py()

    witness = await join_room(server, clients, "Ben")
    await witness.wait_until(
        lambda: {name: witness.doc.get(name, type=Map).to_py() for name in expected} == expected
    )
    assert await server.terminate() == 0

    outputs = {fmt: tmp_path / f"outcomes.{fmt}" for fmt in ("md", "csv", "json")}
    for fmt, path in outputs.items():
        result = await _export(data, tmp_path, "demo", "--format", fmt, "-o", str(path))
        assert result.returncode == 0, result.stderr
        assert f"wrote {fmt} outcomes of 'Demo workshop' to {path}" in result.stdout

    markdown = outputs["md"].read_text(encoding="utf-8")
    assert markdown.startswith("# Demo workshop\n\n## Table 1\n")
    table_1 = markdown[markdown.index("## Table 1") : markdown.index("## Table 2")]
    assert table_1 == EXPECTED_TABLE_1
    assert markdown.endswith("## Table 2\n\n## Table 3\n\n## Table 4\n")

    exported = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert exported["workshop"] == {"id": "demo", "title": "Demo workshop"}
    assert exported["rooms"][0]["id"] == "r1"
    assert exported["rooms"][0]["loops"] == [
        {"type": "R", "factors": ["f1", "f2", "f3"], "links": ["l1", "l2", "l3"], "delayed": True}
    ]
    assert [room["loops"] for room in exported["rooms"][1:]] == [[], [], []]
    sketch = exported["rooms"][0]["notes"][3]
    assert (sketch["kind"], sketch["text"], sketch["strokes"]) == ("sketch", "my street", drawing)

    with outputs["csv"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == EXPECTED_CSV
    csv_text = outputs["csv"].read_text(encoding="utf-8")
    assert "Table 1,note,n1,Too few buses,Transport\n" in csv_text
    assert "Table 1,loop R,loop1,Isolation → Health → Going out,,,,R,yes\n" in csv_text
    assert rows == list(csv.reader(io.StringIO(csv_text)))

    missing = await _export(data, tmp_path, "nope", "--format", "md", "-o", str(tmp_path / "x"))
    assert missing.returncode == 2
    assert "no workshop" in missing.stderr
    assert not (tmp_path / "x").exists()

    pdf = await _export(data, tmp_path, "demo", "--format", "pdf", "-o", str(tmp_path / "o.pdf"))
    assert pdf.returncode == 2
    assert "pdf export is not available yet" in pdf.stderr
    assert not (tmp_path / "o.pdf").exists()
