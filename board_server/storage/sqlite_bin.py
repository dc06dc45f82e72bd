"""SQLiteStore's moderation bin: the ``bin`` table.

The functions take SQLiteStore's connection and run on its worker thread.
A restore reads and deletes its row inside one write transaction, so a
note is restored once. The file has ``secure_delete`` on, and the store
checkpoints the write-ahead log after taking a row out.
"""

from __future__ import annotations

import sqlite3

from board_server.model import BinEntry

# Schema version 8 (SQLiteStore's migration from 7).
MIGRATION: tuple[str, ...] = (
    "CREATE TABLE bin (workshop_id TEXT NOT NULL, room_id TEXT NOT NULL, note_id TEXT NOT NULL,"
    " hidden_at REAL NOT NULL, body BLOB NOT NULL, PRIMARY KEY (workshop_id, room_id, note_id))",
)


def put(conn: sqlite3.Connection, workshop_id: str, entry: BinEntry) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO bin (workshop_id, room_id, note_id, hidden_at, body)"
        " VALUES (?, ?, ?, ?, ?)",
        (workshop_id, entry.room_id, entry.note_id, entry.hidden_at, entry.body),
    )


def take(conn: sqlite3.Connection, workshop_id: str, room_id: str, note_id: str) -> BinEntry | None:
    """Read and delete the entry; the caller holds a write transaction."""
    row = conn.execute(
        "SELECT hidden_at, body FROM bin WHERE workshop_id = ? AND room_id = ? AND note_id = ?",
        (workshop_id, room_id, note_id),
    ).fetchone()
    if row is None:
        return None
    conn.execute(
        "DELETE FROM bin WHERE workshop_id = ? AND room_id = ? AND note_id = ?",
        (workshop_id, room_id, note_id),
    )
    return BinEntry(room_id, note_id, row[0], bytes(row[1]))


def entries(conn: sqlite3.Connection, workshop_id: str) -> list[BinEntry]:
    rows = conn.execute(
        "SELECT room_id, note_id, hidden_at, body FROM bin WHERE workshop_id = ?"
        " ORDER BY hidden_at, room_id, note_id",
        (workshop_id,),
    ).fetchall()
    return [BinEntry(room, note, at, bytes(body)) for room, note, at, body in rows]
