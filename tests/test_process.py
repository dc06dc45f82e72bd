"""The real server as a subprocess, the way a user runs it.

``python -m board_server.cli serve ...``: restart and crash recovery, what the
logs say (and never say), configuration by environment, and the export command.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import json
import re
import signal
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Doc, Map, Text
from serverproc import ServerProcess, _child_env
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from board_server.auth import TokenSigner
from board_server.client import BoardClient, join, post_json


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
    # On 127.0.0.1 alone, one line says how to let the tablets in.
    assert (
        "Only this computer can open these links. For tablets on the same Wi-Fi, "
        "start with --host 0.0.0.0 (make run HOST=0.0.0.0)."
    ) in first.stdout_lines

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
### Groups and notes

#### Transport
- Too few buses

#### Notes not in a group
- Fear of going out
- 🚌 only one an hour
- (drawing) my street
- (drawing)

### System map

#### Feedback loops

- **R1** (reinforcing, with a delay): Isolation → Health → Going out → Isolation

#### Links

- Isolation → Health (-)
- Health → Going out (+) (delayed)
- Going out → Isolation (-)

"""

EXPECTED_NOTES_CSV = [
    ["room", "group", "text", "kind", "votes", "agreement average", "agreement 1-5", "created",
     "note id"],
    ["Table 1", "Transport", "Too few buses", "text", "", "", "", "1970-01-01T00:00:00+00:00",
     "n1"],
    ["Table 1", "", "Fear of going out", "text", "", "", "", "1970-01-01T00:00:00+00:00", "n2"],
    ["Table 1", "", "🚌 only one an hour", "emoji", "", "", "", "1970-01-01T00:00:00+00:00",
     "n3"],
    ["Table 1", "", "(drawing) my street", "sketch", "", "", "", "1970-01-01T00:00:00+00:00",
     "n4"],
    ["Table 1", "", "(drawing)", "sketch", "", "", "", "1970-01-01T00:00:00+00:00", "n5"],
]  # fmt: skip

EXPECTED_LINKS_CSV = [
    ["room", "from", "to", "polarity", "delay", "label", "loops", "link id"],
    ["Table 1", "Isolation", "Health", "negative", "no", "", "R1", "l1"],
    ["Table 1", "Health", "Going out", "positive", "yes", "", "R1", "l2"],
    ["Table 1", "Going out", "Isolation", "negative", "no", "", "R1", "l3"],
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

    outputs = {"md": tmp_path / "report.md", "json": tmp_path / "workshop.json",
               "csv": tmp_path / "tables", "zip": tmp_path / "tables.zip"}  # fmt: skip
    for name, path in outputs.items():
        fmt = "csv" if name == "zip" else name
        result = await _export(data, tmp_path, "demo", "--format", fmt, "-o", str(path))
        assert result.returncode == 0, result.stderr
        assert f"wrote the {fmt} export of 'Demo workshop' to {path}" in result.stdout

    markdown = outputs["md"].read_text(encoding="utf-8")
    assert markdown.startswith("# Demo workshop\n\nWorkshop report · ")
    table_1 = markdown[markdown.index("## Table 1") : markdown.index("## Table 2")]
    assert "2 people took part." in table_1
    picture = re.compile(
        r"!\[The system map of Table 1\]\(data:image/svg\+xml;base64,[\w+/=]+\)\n\n"
    )
    sketched = re.compile(r" !\[(Drawing[^\]]*)\]\(data:image/svg\+xml;base64,[\w+/=]+\)")
    assert len(picture.findall(table_1)) == 1
    assert sketched.findall(table_1) == ["Drawing: my street", "Drawing"]
    assert sketched.sub("", picture.sub("", table_1)).endswith(EXPECTED_TABLE_1)
    empty = "## Table 4\n\n0 people took part.\n\n### Groups and notes\n\nNo notes.\n"
    assert markdown.endswith(empty)

    exported = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert (exported["workshop"]["id"], exported["workshop"]["title"]) == ("demo", "Demo workshop")
    assert exported["rooms"][0]["id"] == "r1"
    assert exported["rooms"][0]["loops"] == [
        {"name": "R1", "type": "R", "factors": ["f1", "f2", "f3"], "links": ["l1", "l2", "l3"],
         "delayed": True}
    ]  # fmt: skip
    assert [room["loops"] for room in exported["rooms"][1:]] == [[], [], []]
    sketch = exported["rooms"][0]["notes"][3]
    assert (sketch["kind"], sketch["text"], sketch["strokes"]) == ("sketch", "my street", drawing)

    assert sorted(p.name for p in outputs["csv"].iterdir()) == ["actions.csv", "links.csv",
                                                                 "notes.csv"]  # fmt: skip
    with (outputs["csv"] / "notes.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == EXPECTED_NOTES_CSV
    with (outputs["csv"] / "links.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == EXPECTED_LINKS_CSV
    with zipfile.ZipFile(outputs["zip"]) as archive:
        assert sorted(archive.namelist()) == [
            "demo-workshop/actions.csv", "demo-workshop/links.csv", "demo-workshop/notes.csv"
        ]  # fmt: skip
        for name in ("actions.csv", "links.csv", "notes.csv"):
            assert archive.read(f"demo-workshop/{name}") == (outputs["csv"] / name).read_bytes()

    missing = await _export(data, tmp_path, "nope", "--format", "md", "-o", str(tmp_path / "x"))
    assert missing.returncode == 2
    assert "no workshop" in missing.stderr
    assert not (tmp_path / "x").exists()

    # The join code names the workshop too, and "-o -" writes to standard output.
    by_code = await _export(data, tmp_path, server.join_code.lower(), "--format", "json", "-o", "-")
    assert by_code.returncode == 0, by_code.stderr
    assert json.loads(by_code.stdout)["rooms"] == exported["rooms"]
    assert not (tmp_path / "-").exists()
    several = await _export(data, tmp_path, "demo", "--format", "csv", "-o", "-")
    assert several.returncode == 2
    assert "csv is several files: give -o a folder or a name ending in .zip" in several.stderr

    # Only the formats there are are offered.
    docx = await _export(data, tmp_path, "demo", "--format", "docx", "-o", str(tmp_path / "o.docx"))
    assert docx.returncode == 2
    assert "invalid choice: 'docx'" in docx.stderr
    assert not (tmp_path / "o.docx").exists()

    # A data folder that holds no workshops is refused, and nothing is created.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    lost = await _export(tmp_path / "nothing-here", elsewhere, "demo", "-o", "-")
    assert lost.returncode == 2
    assert f"no workshops are kept in {tmp_path / 'nothing-here'}" in lost.stderr
    assert lost.stdout == ""
    assert not (tmp_path / "nothing-here").exists()
    assert list(elsewhere.iterdir()) == []


async def test_public_url_is_in_every_link(
    tmp_path: Path, spawn: Callable[[], ServerProcess]
) -> None:
    server = spawn()
    await server.start(tmp_path / "data", extra_args=["--public-url", "https://board.example.org/"])
    public = "https://board.example.org"
    assert server.printed_url == public
    links = [word for line in server.stdout_lines for word in line.split() if "://" in word]
    # board, admin, the demo's join, console, wall and observers' links, and its four rooms
    assert len(links) == 2 + 4 + 4
    assert all(link.startswith(f"{public}/") or link == public for link in links), links
    assert f"  Join link: {public}/join/{server.join_code}" in server.stdout_lines
    console = next(line for line in server.stdout_lines if "Facilitator console" in line)
    assert console.startswith(
        f"  Facilitator console (private): {public}/facilitate#workshop=demo&token=v1."
    )
    observers = f"  Observers: {public}/observe#workshop=demo&token=v1."
    assert any(line.startswith(observers) for line in server.stdout_lines)
    assert not any("Only this computer" in line for line in server.stdout_lines)
    # The API gives the same links to the pages.
    answer = await post_json(
        f"{server.http_url}/api/workshops", {"title": "Hall", "rooms": ["A"]}, server.admin_token
    )
    assert answer["join_url"] == f"{public}/join/{answer['join_code']}"
    assert answer["rooms"][0]["join_url"] == f"{public}/join/{answer['join_code']}?room=r1"


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "board_server.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, cwd=cwd, env=_child_env()
    )


def test_a_public_url_that_is_not_one_is_refused(tmp_path: Path) -> None:
    result = _cli(tmp_path, "--public-url", "board.example.org")
    assert result.returncode == 2
    assert "--public-url must look like https://board.example.org" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_speaks_to_an_operator(tmp_path: Path) -> None:
    result = _cli(tmp_path, "--help")
    assert result.returncode == 0
    assert "board-server --host 0.0.0.0         serve the tablets on this network" in result.stdout
    assert "``" not in result.stdout and "Only cli.py" not in result.stdout
    serve = _cli(tmp_path, "serve", "--help")
    for option in ("--public-url URL", "--seat-grace-seconds SECONDS", "--data-dir DIR"):
        assert option in serve.stdout
