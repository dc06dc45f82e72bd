"""``board-server backup`` and ``restore``: a workshop made on a real server
goes to one file, into a fresh Redis store, out again and into a fresh
SQLite store, and every file holds the same workshop; the restored one
serves. A workshop or join code already there, and files that are not
whole backups, are refused with exit status 2 and a reason."""

from __future__ import annotations

import asyncio
import secrets
import stat
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest
from channelkit import ok
from conftest import start_server
from hallkit import Hall
from pycrdt import Doc, Map, Text
from rediskit import REDIS_URL, delete_prefix

from board_server.backup_file import FORMAT, from_bytes
from board_server.cli import _parser, config_from, main
from board_server.config import Config
from board_server.model import Participant, RoomInfo, Workshop
from board_server.storage.dump import WorkshopDump
from board_server.storage.open import SQLITE_FILE
from board_server.storage.sqlite import SQLiteStore

MARK = secrets.token_hex(4)


def note(text: str) -> Map:
    fields = {"text": Text(text), "x": 5, "y": 5, "color": "#ffe066", "kind": "text",
              "cluster": "", "created": 7}  # fmt: skip
    return Map(fields)


def notes_of(board: bytes) -> dict[str, str]:
    doc: Doc[Any] = Doc()
    doc.apply_update(board)
    return {k: str(v["text"]) for k, v in doc.get("notes", type=Map).items()}


async def board_server(*argv: str) -> int:
    """Run the command line as the console script does (in a thread: it runs an
    event loop of its own); its exit status."""

    def run() -> int:
        try:
            main(list(argv))
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1
        return 0

    async with asyncio.timeout(30):
        return await asyncio.to_thread(run)


async def hold_a_workshop(data_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """A workshop made on a real server in data_dir, which is stopped again:
    notes in two rooms, a closed named vote and an open vote with a ballot,
    a draft, a hidden note, and the audit entries of all that. The workshop
    as created, and Ann's and Bob's participant ids."""
    running, stop = await start_server(data_dir)
    try:
        workshop = await running.create_workshop(f"Backup {MARK}")
        hall = Hall(running, workshop)
        try:
            ann, bob = await hall.join("Ann", "r1"), await hall.join("Bob", "r2")
            console = await hall.facilitator()
            tablet_a, tablet_b = await hall.open(ann.token, "r1"), await hall.open(bob.token, "r2")
            tablet_a.doc.get("notes", type=Map)["n1"] = note(f"Kept {MARK}")
            tablet_a.doc.get("notes", type=Map)["n2"] = note(f"Hidden {MARK}")
            tablet_b.doc.get("notes", type=Map)["n3"] = note(f"Other room {MARK}")
            await ok(tablet_a, "state")  # answered after the notes it sent before
            await ok(tablet_b, "state")
            await ok(console, "vote.open", {"mode": "dots", "room": "r1", "anonymous": False})
            await ok(tablet_a, "vote.cast", {"item": "n1", "amount": 2})
            await ok(console, "vote.close", {"room": "r1"})
            await ok(console, "vote.open", {"mode": "scale", "room": "r2"})
            await ok(tablet_b, "vote.cast", {"item": "n3", "amount": 4})
            await ok(console, "private.set", {"on": True, "room": "r1"})
            await ok(tablet_a, "draft.add", {"text": f"Draft {MARK}"})
            await ok(console, "note.hide", {"room": "r1", "note": "n2"})
        finally:
            await hall.close()
    finally:
        await stop()
    return workshop, {"ann": ann.id, "bob": bob.id}


def read_backup(path: Path) -> WorkshopDump:
    return from_bytes(path.read_bytes()).dump


def digest(path: Path) -> str:
    """The digest of the body, as the file's header gives it."""
    unpacker = msgpack.Unpacker()
    unpacker.feed(path.read_bytes())
    found: str = unpacker.unpack()["sha256"]
    return found


@pytest.mark.redis
async def test_a_backup_goes_through_redis_into_sqlite_and_comes_out_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, fresh = tmp_path / "data", tmp_path / "fresh"
    workshop, people = await hold_a_workshop(data)
    wid = workshop["id"]
    prefix = f"test:{tmp_path.name}:{secrets.token_hex(4)}:"
    in_redis = ["--redis-url", REDIS_URL, "--redis-prefix", prefix]
    files = {name: tmp_path / f"{name}.backup" for name in ("sqlite", "redis", "again")}
    try:
        assert await board_server("backup", wid, "-o", str(files["sqlite"]),
                                  "--data-dir", str(data)) == 0  # fmt: skip
        assert await board_server("restore", str(files["sqlite"]), *in_redis) == 0
        assert await board_server("backup", wid, "-o", str(files["redis"]), *in_redis) == 0
    finally:
        await delete_prefix(prefix)
    assert await board_server("restore", str(files["redis"]), "--data-dir", str(fresh)) == 0
    assert await board_server("backup", wid, "-o", str(files["again"]),
                              "--data-dir", str(fresh)) == 0  # fmt: skip
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.count(f"Wrote a backup of workshop {wid} ('Backup {MARK}')") == 3
    assert out.out.count(f"Restored workshop {wid} ('Backup {MARK}', join code ") == 2

    dump = read_backup(files["sqlite"])
    assert read_backup(files["redis"]) == dump
    assert read_backup(files["again"]) == dump
    # Byte for byte, apart from the time in the header.
    assert len({digest(f) for f in files.values()}) == 1
    assert {stat.S_IMODE(f.stat().st_mode) for f in files.values()} == {0o600}
    # What the server made is all there.
    assert dump.workshop.join_code == workshop["join_code"]
    assert [(p.id, p.name, p.room_id) for p in dump.participants] == [
        (people["ann"], "Ann", "r1"), (people["bob"], "Bob", "r2")
    ]  # fmt: skip
    assert {room: notes_of(board) for room, board in dump.boards.items()} == {
        "r1": {"n1": f"Kept {MARK}"},
        "r2": {"n3": f"Other room {MARK}"},
    }
    ((closed, tally),) = dump.tallies.items()
    assert (tally.totals, tally.voters, tally.named) == (
        {"n1": 2},
        1,
        {"n1": ((people["ann"], 2),)},
    )
    ((opened, ballots),) = dump.ballots.items()
    assert ballots == {people["bob"]: {"n3": 4}}
    assert closed.endswith("-r1") and opened.endswith("-r2")
    (draft,) = dump.drafts
    assert (draft.room_id, draft.author, draft.sealed) == ("r1", people["ann"], False)
    assert f"Draft {MARK}".encode() in draft.body
    (hidden,) = dump.bin
    assert (hidden.room_id, hidden.note_id) == ("r1", "n2")
    assert f"Hidden {MARK}".encode() in hidden.body
    assert [e.action for e in dump.audit] == [
        "vote.open", "vote.close", "vote.open", "private.set", "note.hide"
    ]  # fmt: skip
    assert dump.control is not None and dump.last_active is not None


async def test_a_restored_workshop_serves_but_not_the_old_servers_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workshop, _ = await hold_a_workshop(tmp_path / "data")
    backup = tmp_path / "w.backup"
    assert await board_server("backup", workshop["id"], "-o", str(backup),
                              "--data-dir", str(tmp_path / "data")) == 0  # fmt: skip
    assert await board_server("restore", str(backup), "--data-dir", str(tmp_path / "new")) == 0
    capsys.readouterr()
    running, stop = await start_server(tmp_path / "new")
    hall = Hall(running, workshop)
    try:
        cara = await hall.join("Cara", "r1")
        tablet = await hall.open(cara.token, "r1")
        notes = tablet.doc.get("notes", type=Map)
        assert {k: str(v["text"]) for k, v in notes.items()} == {"n1": f"Kept {MARK}"}
        state = (await ok(tablet, "state"))["state"]
        assert state["rooms"]["r1"]["private"] is True
        # The new server signs with its own secret: the old facilitator link opens nothing.
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(
                f"{running.http_url}/api/workshops/{workshop['id']}/tokens",
                json={"role": "viewer"},
                headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
            )
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_token")
    finally:
        await hall.close()
        await stop()


# Refusals.
WORKSHOP = Workshop("w1", "Stored workshop", "CODE42", 100.0, (RoomInfo("r1", "Table 1"),))


async def stored(data_dir: Path, workshop: Workshop = WORKSHOP, *, people: int = 1) -> None:
    """Put a workshop with participants into the SQLite store in data_dir."""
    store = SQLiteStore(data_dir / SQLITE_FILE)
    await store.start()
    try:
        await store.create_workshop(workshop)
        for n in range(people):
            person = Participant(f"{workshop.id}p{n}", workshop.id, "r1", f"Name {n}", 5.0)
            assert await store.seat_participant(person, capacity=10, lapse_before=0.0)
    finally:
        await store.close()


async def dumped(data_dir: Path, workshop_id: str) -> WorkshopDump | None:
    store = SQLiteStore(data_dir / SQLITE_FILE)
    await store.start()
    try:
        return await store.dump_workshop(workshop_id)
    finally:
        await store.close()


async def test_a_workshop_already_there_is_refused_unless_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, backup = tmp_path / "data", tmp_path / "w1.backup"
    await stored(data)
    assert await board_server("backup", "w1", "-o", str(backup), "--data-dir", str(data)) == 0
    saved = read_backup(backup)
    # Changed since the backup: a second participant joined.
    store = SQLiteStore(data / SQLITE_FILE)
    await store.start()
    later = Participant("late", "w1", "r1", "Late", 9.0)
    assert await store.seat_participant(later, capacity=10, lapse_before=0.0)
    await store.close()
    capsys.readouterr()

    assert await board_server("restore", str(backup), "--data-dir", str(data)) == 2
    assert capsys.readouterr().err == (
        "error: a workshop with the id w1 is here already ('Stored workshop'): "
        "pass --replace to delete it and restore the backup in its place\n"
    )
    current = await dumped(data, "w1")
    assert current is not None and [p.id for p in current.participants] == ["w1p0", "late"]

    assert await board_server("restore", str(backup), "--replace", "--data-dir", str(data)) == 0
    assert await dumped(data, "w1") == saved


async def test_a_join_code_another_workshop_has_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup, target = tmp_path / "w1.backup", tmp_path / "target"
    await stored(tmp_path / "data")
    assert await board_server("backup", "w1", "-o", str(backup),
                              "--data-dir", str(tmp_path / "data")) == 0  # fmt: skip
    other = Workshop("w9", "Another workshop", "code42", 50.0, (RoomInfo("r1", "Table"),))
    await stored(target, other, people=0)
    capsys.readouterr()

    for replace in ([], ["--replace"]):
        assert await board_server("restore", str(backup), *replace, "--data-dir", str(target)) == 2
        assert capsys.readouterr().err == (
            "error: the join code CODE42 is taken here by workshop w9 ('Another workshop')\n"
        )
    assert await dumped(target, "w1") is None
    assert await dumped(target, "w9") is not None


def header(**fields: Any) -> bytes:
    base = {"format": FORMAT, "version": 1, "made": 1.0, "size": 0, "sha256": ""}
    packed: bytes = msgpack.packb({**base, **fields})
    return packed


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: b"", "this is not a board-server backup"),
        (lambda data: b"PK\x03\x04 a zip, say", "this is not a board-server backup"),
        (lambda data: msgpack.packb({"format": "x"}) + data, "this is not a board-server backup"),
        (lambda data: header(version=2) + data, "this backup is in format version 2; "
                                                "this server reads version 1"),
        (lambda data: data[:-40], "the backup is cut short: "),
        (lambda data: data[:-40] + bytes(40), "the backup is damaged: its content does not "
                                              "match its digest"),
        (lambda data: header(size=3, sha256="0" * 64) + b"abc", "the backup is damaged: "),
    ],
    ids=["empty", "garbage", "another format", "a later version", "truncated", "damaged",
         "no body"],
)  # fmt: skip
async def test_a_file_that_is_not_a_whole_backup_is_refused_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Any, reason: str
) -> None:
    source, bad = tmp_path / "w1.backup", tmp_path / "bad.backup"
    await stored(tmp_path / "data")
    assert await board_server("backup", "w1", "-o", str(source),
                              "--data-dir", str(tmp_path / "data")) == 0  # fmt: skip
    bad.write_bytes(damage(source.read_bytes()))
    capsys.readouterr()

    assert await board_server("restore", str(bad), "--data-dir", str(tmp_path / "target")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: {reason}") and err.count("\n") == 1
    assert not (tmp_path / "target").exists()


async def test_a_missing_file_or_workshop_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    await stored(data)
    capsys.readouterr()
    missing = tmp_path / "missing.backup"
    assert await board_server("restore", str(missing), "--data-dir", str(data)) == 2
    assert capsys.readouterr().err == f"error: cannot read {missing}: No such file or directory\n"
    assert await board_server("backup", "w2", "-o", str(missing), "--data-dir", str(data)) == 2
    assert capsys.readouterr().err == "error: no workshop has the id 'w2'\n"
    assert not missing.exists()


def test_backup_and_restore_take_the_store_options() -> None:
    backup = _parser().parse_args(["backup", "w1", "-o", "w1.backup", "--data-dir", "/srv/b"])
    assert (backup.command, backup.workshop, backup.output) == ("backup", "w1", "w1.backup")
    assert config_from(backup, {}) == Config(data_dir=Path("/srv/b"))
    restore = _parser().parse_args(["restore", "w1.backup", "--replace", "--redis-url", REDIS_URL,
                                    "--redis-prefix", "hall2:"])  # fmt: skip
    assert (restore.command, restore.file, restore.replace) == ("restore", "w1.backup", True)
    assert config_from(restore, {}) == Config(redis_url=REDIS_URL, redis_prefix="hall2:")
    assert _parser().parse_args(["restore", "w1.backup"]).replace is False
