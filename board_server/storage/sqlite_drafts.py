"""SQLiteStore's private drafts: the ``drafts`` table.

The functions take SQLiteStore's connection and run on its worker thread;
the ones that check before they write run inside a write transaction
(BEGIN IMMEDIATE), so the check and the write are one step. The file has
``secure_delete`` on, so a deleted draft's text is overwritten, and the
store checkpoints the write-ahead log after deleting drafts so that no copy
stays there either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from board_server.model import Draft

# Schema version 6 (SQLiteStore's migration from 5).
MIGRATION: tuple[str, ...] = (
    "CREATE TABLE drafts (workshop_id TEXT NOT NULL, id TEXT NOT NULL, room_id TEXT NOT NULL,"
    " author TEXT NOT NULL, created REAL NOT NULL, sealed INTEGER NOT NULL DEFAULT 0,"
    " body BLOB NOT NULL, PRIMARY KEY (workshop_id, id))",
    "CREATE INDEX drafts_author ON drafts (workshop_id, author)",
)

_COLUMNS = "id, room_id, author, created, body, sealed"
_ORDER = "ORDER BY created, id"


def _draft(row: tuple[str, str, str, float, bytes, int]) -> Draft:
    draft_id, room_id, author, created, body, sealed = row
    return Draft(draft_id, room_id, author, created, bytes(body), bool(sealed))


def add(conn: sqlite3.Connection, workshop_id: str, draft: Draft, limit: int) -> bool:
    """Keep the draft unless its author has ``limit`` waiting; the caller holds
    a write transaction."""
    (waiting,) = conn.execute(
        "SELECT COUNT(*) FROM drafts WHERE workshop_id = ? AND author = ? AND sealed = 0",
        (workshop_id, draft.author),
    ).fetchone()
    if waiting >= limit:
        return False
    conn.execute(
        f"INSERT INTO drafts (workshop_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 0)",
        (workshop_id, draft.id, draft.room_id, draft.author, draft.created, draft.body),
    )
    return True


def edit(
    conn: sqlite3.Connection, workshop_id: str, draft_id: str, author: str, body: bytes
) -> bool:
    cursor = conn.execute(
        "UPDATE drafts SET body = ? WHERE workshop_id = ? AND id = ? AND author = ? AND sealed = 0",
        (body, workshop_id, draft_id, author),
    )
    return cursor.rowcount == 1


def delete(conn: sqlite3.Connection, workshop_id: str, draft_id: str, author: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM drafts WHERE workshop_id = ? AND id = ? AND author = ? AND sealed = 0",
        (workshop_id, draft_id, author),
    )
    return cursor.rowcount == 1


def mine(conn: sqlite3.Connection, workshop_id: str, author: str) -> list[Draft]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM drafts WHERE workshop_id = ? AND author = ? AND sealed = 0"
        f" {_ORDER}",
        (workshop_id, author),
    ).fetchall()
    return [_draft(row) for row in rows]


def counts(conn: sqlite3.Connection, workshop_id: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT room_id, COUNT(*) FROM drafts WHERE workshop_id = ? AND sealed = 0"
        " GROUP BY room_id",
        (workshop_id,),
    ).fetchall()
    return {room_id: n for room_id, n in rows}


def seal(conn: sqlite3.Connection, workshop_id: str, room_id: str) -> list[Draft]:
    """Seal the room's waiting drafts; the caller holds a write transaction."""
    conn.execute(
        "UPDATE drafts SET sealed = 1 WHERE workshop_id = ? AND room_id = ? AND sealed = 0",
        (workshop_id, room_id),
    )
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM drafts WHERE workshop_id = ? AND room_id = ? AND sealed = 1"
        f" {_ORDER}",
        (workshop_id, room_id),
    ).fetchall()
    return [_draft(row) for row in rows]


def drop(conn: sqlite3.Connection, workshop_id: str, draft_ids: Sequence[str]) -> None:
    conn.executemany(
        "DELETE FROM drafts WHERE workshop_id = ? AND id = ?",
        [(workshop_id, draft_id) for draft_id in draft_ids],
    )
