"""SQLiteStore behaviour beyond the Store contract: file layout, WAL, group commit, failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from conftest import eventually

from board_server.model import (
    CastResult,
    Draft,
    Participant,
    RoomKey,
    StoredDoc,
    Tally,
    Versioned,
    VoteKey,
    VoteRules,
)
from board_server.storage import StoreError
from board_server.storage.sqlite import _MIGRATIONS, SCHEMA_VERSION, SQLiteStore

ROOM = RoomKey("w1", "r1")
OTHER = RoomKey("w1", "r2")
real_connect = sqlite3.connect


@contextlib.contextmanager
def raw(path: pathlib.Path) -> Iterator[sqlite3.Connection]:
    """A second, independent connection to the store's file."""
    conn = real_connect(path)
    try:
        yield conn
    finally:
        conn.close()


def stored_updates(path: pathlib.Path) -> list[tuple[str, str, bytes]]:
    with raw(path) as conn:
        return conn.execute(
            "SELECT workshop_id, room_id, data FROM doc_updates ORDER BY seq"
        ).fetchall()


def stored_seqs(path: pathlib.Path) -> list[tuple[int, bytes]]:
    with raw(path) as conn:
        return conn.execute("SELECT seq, data FROM doc_updates ORDER BY seq").fetchall()


def migrated_to(path: pathlib.Path, version: int) -> sqlite3.Connection:
    """A connection to a new file at an old schema version; the caller commits and closes."""
    conn = real_connect(path)
    for statements in _MIGRATIONS[:version]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


@contextlib.asynccontextmanager
async def opened(store: SQLiteStore) -> AsyncIterator[SQLiteStore]:
    async with asyncio.timeout(5):
        await store.start()
    try:
        yield store
    finally:
        async with asyncio.timeout(5):
            await store.close()


def update(i: int) -> bytes:
    return f"update {i}".encode()


async def test_creates_parent_dirs_wal_and_schema(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "a" / "b" / "board.sqlite3"
    async with opened(SQLiteStore(path)):
        with raw(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
            tables = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            ).fetchall()
    assert tables == [
        ("activity",), ("audit",), ("ballots",), ("bin",), ("controls",), ("doc_snapshots",),
        ("doc_updates",), ("drafts",), ("participants",), ("vote_results",), ("workshops",),
    ]  # fmt: skip


async def test_refuses_a_newer_schema(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    with raw(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store = SQLiteStore(path)
    async with asyncio.timeout(5):
        with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}"):
            await store.start()
        await store.close()


async def test_a_version_1_file_gains_seats_and_keeps_its_participants(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "board.sqlite3"
    conn = migrated_to(path, 1)
    conn.execute("INSERT INTO participants VALUES ('p1', 'w1', 'r1', 'Ann', 5.0)")
    conn.execute("INSERT INTO doc_snapshots VALUES ('w1', 'r1', x'0000')")
    conn.commit()
    conn.close()
    async with opened(SQLiteStore(path)) as store:
        # Nobody had a record of connecting: their seats lapse after the grace.
        assert await store.get_participant("w1", "p1") == Participant("p1", "w1", "r1", "Ann", 5.0)
        assert await store.room_headcounts("w1", lapse_before=5.0) == {"r1": 1}
        assert await store.room_headcounts("w1", lapse_before=6.0) == {}
        assert await store.load_doc(ROOM) == StoredDoc(b"\x00\x00", [], "")


async def test_a_version_2_file_gains_cursors_and_keeps_its_documents(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "board.sqlite3"
    conn = migrated_to(path, 2)
    conn.execute("INSERT INTO doc_snapshots VALUES ('w1', 'r1', x'0000')")
    # Rows 1 and 2 were folded into that snapshot by a compaction before the upgrade.
    conn.execute("INSERT INTO doc_updates VALUES (1, 'w1', 'r2', x'01')")
    conn.execute("INSERT INTO doc_updates VALUES (2, 'w1', 'r2', x'02')")
    conn.execute("DELETE FROM doc_updates")
    conn.execute("INSERT INTO doc_updates (workshop_id, room_id, data) VALUES ('w1', 'r1', x'03')")
    conn.commit()
    conn.close()
    async with opened(SQLiteStore(path, commit_interval=3600)) as store, asyncio.timeout(5):
        assert await store.load_doc(ROOM) == StoredDoc(b"\x00\x00", [b"\x03"], "3")
        assert await store.load_doc(OTHER) == StoredDoc(None, [], "")
        cursors: list[str] = []
        store.append_update(ROOM, update(4), cursors.append)
        assert cursors == ["4"]
        assert await store.compact(ROOM, b"snapshot", "3")
        assert await store.load_doc(ROOM) == StoredDoc(b"snapshot", [update(4)], "4")
    with raw(path) as conn:
        assert conn.execute("SELECT upto FROM doc_snapshots").fetchall() == [(3,)]


async def test_a_version_4_file_gains_votes_and_keeps_its_control_state(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "board.sqlite3"
    conn = migrated_to(path, 4)
    conn.execute("INSERT INTO controls VALUES ('w1', 7, x'80')")
    conn.commit()
    conn.close()
    vote = VoteKey("w1", "v1")
    async with opened(SQLiteStore(path)) as store, asyncio.timeout(5):
        assert await store.get_control("w1") == Versioned(7, b"\x80")
        cast = await store.cast_vote(vote, "p1", "a", 2, VoteRules("dots", budget=3, cap=3))
        assert cast == CastResult(None, {"a": 2})
        assert await store.close_vote(vote, "dots") == Tally({"a": 2}, {}, 1)


async def test_a_version_5_file_gains_drafts_and_keeps_its_votes(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    conn = migrated_to(path, 5)
    conn.execute("INSERT INTO ballots VALUES ('w1', 'v1', 'p1', 'a', 2)")
    conn.commit()
    conn.close()
    draft = Draft("d1", "r1", "p1", 1.0, b"body")
    async with opened(SQLiteStore(path)) as store, asyncio.timeout(5):
        assert await store.get_ballot(VoteKey("w1", "v1"), "p1") == {"a": 2}
        assert await store.add_draft("w1", draft, 100)
        assert await store.list_drafts("w1", "p1") == [draft]


async def test_a_version_6_file_gains_activity_and_counts_its_workshops_from_creation(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "board.sqlite3"
    conn = migrated_to(path, 6)
    conn.executemany(
        "INSERT INTO workshops VALUES (?, ?, ?, ?, 10, '[]')",
        [("old", "Old", "OLD111", 100.0), ("new", "New", "NEW222", 300.0)],
    )
    conn.commit()
    conn.close()
    async with opened(SQLiteStore(path)) as store, asyncio.timeout(5):
        assert await store.idle_workshops(200.0) == ["old"]
        await store.record_activity("old", 250.0)
        assert await store.idle_workshops(200.0) == []
        assert await store.idle_workshops(301.0) == ["old", "new"]


async def test_a_deleted_or_revealed_draft_leaves_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path)) as store, asyncio.timeout(5):
        await store.add_draft("w1", Draft("d1", "r1", "p1", 1.0, b"deleted-5c1e"), 100)
        await store.add_draft("w1", Draft("d2", "r1", "p1", 2.0, b"typed-9a7b"), 100)
        await store.edit_draft("w1", "d2", "p1", b"revealed-04d2")
        assert files_holding(tmp_path, b"deleted-5c1e") == ["board.sqlite3-wal"]
        await store.delete_draft("w1", "d1", "p1")
        # While the server runs: the file and its write-ahead log.
        assert files_holding(tmp_path, b"deleted-5c1e") == []
        await store.seal_drafts("w1", "r1")
        await store.drop_drafts("w1", ["d2"])
        assert files_holding(tmp_path, b"typed-9a7b") == []
        assert files_holding(tmp_path, b"revealed-04d2") == []


async def test_group_commit_writes_a_burst_in_one_transaction(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    statements: list[str] = []
    committed = asyncio.Event()

    def trace(statement: str) -> None:
        statements.append(statement)
        if statement == "COMMIT":
            loop.call_soon_threadsafe(committed.set)

    def traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real_connect(*args, **kwargs)
        conn.set_trace_callback(trace)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced_connect)
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path)) as store:
        statements.clear()
        committed.clear()
        for i in range(200):
            store.append_update(ROOM if i % 2 else OTHER, update(i))
        async with asyncio.timeout(5):
            await committed.wait()  # by the flusher: nothing here flushes
            # Store calls run in FIFO order, so this one waits for that COMMIT to finish.
            assert await store.log_length(ROOM) == 100
            assert [data for _, _, data in stored_updates(path)] == [update(i) for i in range(200)]
            await store.flush()
        assert statements.count("COMMIT") == 1


async def test_pending_updates_are_served_before_they_are_committed(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path, commit_interval=3600)) as store:
        async with asyncio.timeout(5):
            for i in range(3):
                store.append_update(ROOM, update(i))
            assert stored_updates(path) == []
            expected = StoredDoc(None, [update(0), update(1), update(2)], "3")
            assert await store.load_doc(ROOM) == expected
            assert await store.log_length(ROOM) == 3
            await store.flush()
            assert len(stored_updates(path)) == 3
            assert await store.load_doc(ROOM) == expected


async def test_cursors_are_the_rows_seqs(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    cursors: list[str] = []
    async with opened(SQLiteStore(path, commit_interval=3600)) as store:
        async with asyncio.timeout(5):
            for i in range(3):
                store.append_update(ROOM if i % 2 else OTHER, update(i), cursors.append)
            assert cursors == ["1", "2", "3"]  # at once: before any commit
            await store.flush()
    assert stored_seqs(path) == [(1, update(0)), (2, update(1)), (3, update(2))]


async def test_compact_while_pending_writes_only_other_rooms(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path, commit_interval=3600)) as store:
        async with asyncio.timeout(5):
            store.append_update(ROOM, update(1))
            store.append_update(OTHER, update(2))
            store.append_update(ROOM, update(3))
            assert await store.compact(ROOM, b"snapshot", "3")
            store.append_update(ROOM, update(4))
            assert stored_updates(path) == [("w1", "r2", update(2))]
            assert await store.load_doc(ROOM) == StoredDoc(b"snapshot", [update(4)], "4")
            await store.flush()
            assert stored_updates(path) == [("w1", "r2", update(2)), ("w1", "r1", update(4))]


async def test_compact_to_a_middle_cursor_writes_the_pending_updates_after_it(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path, commit_interval=3600)) as store:
        async with asyncio.timeout(5):
            for i in range(1, 4):
                store.append_update(ROOM, update(i))
            assert await store.compact(ROOM, b"snapshot", "2")
            assert stored_seqs(path) == [(3, update(3))]
            assert await store.load_doc(ROOM) == StoredDoc(b"snapshot", [update(3)], "3")
            assert await store.log_length(ROOM) == 1


async def test_seqs_covered_only_by_a_snapshot_are_not_reused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path, commit_interval=3600)) as store:
        async with asyncio.timeout(5):
            for i in range(1, 4):
                store.append_update(ROOM, update(i))
            assert await store.compact(ROOM, b"snapshot", "3")
    assert stored_seqs(path) == []
    cursors: list[str] = []
    async with opened(SQLiteStore(path)) as store, asyncio.timeout(5):
        assert await store.load_doc(ROOM) == StoredDoc(b"snapshot", [], "3")
        store.append_update(ROOM, update(4), cursors.append)
        assert cursors == ["4"]


async def test_compact_refuses_a_cursor_it_never_gave(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path)) as store, asyncio.timeout(5):
        store.append_update(ROOM, update(1))
        for cursor in ("2", "x", "1-0", "-1"):
            with pytest.raises(StoreError, match="is not a cursor of store"):
                await store.compact(ROOM, b"snapshot", cursor)
        assert await store.load_doc(ROOM) == StoredDoc(None, [update(1)], "1")


async def test_updates_are_durable_for_another_connection(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path)) as store:
        store.append_update(ROOM, update(1))
        # Nothing here flushes: the flusher commits on its own.
        await eventually(lambda: stored_updates(path) == [("w1", "r1", update(1))])


async def test_failed_commit_is_logged_once_and_retried(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    loop = asyncio.get_running_loop()
    failing = threading.Event()
    failing.set()
    refusals: list[str] = []
    retried_twice = asyncio.Event()

    def authorizer(action: int, table: str | None, *_: object) -> int:
        if failing.is_set() and action == sqlite3.SQLITE_INSERT and table == "doc_updates":
            refusals.append(table)
            if len(refusals) == 3:
                loop.call_soon_threadsafe(retried_twice.set)
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real_connect(*args, **kwargs)
        conn.set_authorizer(authorizer)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    caplog.set_level(logging.INFO, logger="board.storage")
    path = tmp_path / "board.sqlite3"
    async with opened(SQLiteStore(path, commit_interval=0.01)) as store:
        async with asyncio.timeout(5):
            store.append_update(ROOM, update(1))
            await retried_twice.wait()
            errors = [r for r in caplog.records if r.levelno == logging.ERROR]
            assert [r.name for r in errors] == ["board.storage"]
            assert store.health() == f"cannot write to {path}: not authorized"
            assert await store.load_doc(ROOM) == StoredDoc(None, [update(1)], "1")
            with pytest.raises(StoreError, match="not authorized"):
                await store.flush()
            failing.clear()
            await store.flush()
            assert store.health() is None
            assert stored_updates(path) == [("w1", "r1", update(1))]
            assert await store.load_doc(ROOM) == StoredDoc(None, [update(1)], "1")


async def test_use_after_close_raises(tmp_path: pathlib.Path) -> None:
    store = SQLiteStore(tmp_path / "board.sqlite3")
    async with opened(store):
        pass
    with pytest.raises(StoreError, match="is closed, not open"):
        store.append_update(ROOM, update(1))
    with pytest.raises(StoreError, match="cannot start a store that is closed"):
        await store.start()


def test_commit_interval_must_be_positive(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="commit_interval must be positive, got 0"):
        SQLiteStore(tmp_path / "board.sqlite3", commit_interval=0)


def files_holding(folder: pathlib.Path, text: bytes) -> list[str]:
    """The names of the store's files (database, WAL) that hold these bytes."""
    return [f.name for f in folder.glob("board.sqlite3*") if text in f.read_bytes()]


async def test_a_closed_vote_leaves_no_row_naming_a_voter(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "board.sqlite3"
    vote = VoteKey("w1", "v1")
    async with opened(SQLiteStore(path)) as store, asyncio.timeout(5):
        await store.cast_vote(vote, "voter-7f3a", "n1", 2, VoteRules("dots", 3, 3))
        await store.close_vote(vote, "dots")
    with raw(path) as conn:
        assert conn.execute("SELECT count(*) FROM ballots").fetchone() == (0,)
        tallies = conn.execute("SELECT tally FROM vote_results").fetchall()
    assert len(tallies) == 1
    assert b"voter-7f3a" not in tallies[0][0]
    # Nor any byte of the file and its journal: deleted rows are overwritten.
    assert files_holding(tmp_path, b"voter-7f3a") == []
