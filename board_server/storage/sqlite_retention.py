"""SQLiteStore's retention: each workshop's last activity (the ``activity``
table), and erasing a workshop with every row of it.

The functions take SQLiteStore's connection and run on its worker thread.
The file has ``secure_delete`` on, so erased rows are overwritten; the store
empties the write-ahead log after an erasure, so no copy stays there either.
"""

from __future__ import annotations

import sqlite3

# Schema version 7 (SQLiteStore's migration from 6).
MIGRATION: tuple[str, ...] = (
    "CREATE TABLE activity (workshop_id TEXT PRIMARY KEY, at REAL NOT NULL)",
)

# Every table whose rows belong to one workshop, by their ``workshop_id``.
_WORKSHOP_TABLES = (
    "participants", "doc_snapshots", "doc_updates", "controls", "audit", "ballots",
    "vote_results", "drafts", "activity", "bin",
)  # fmt: skip


def erase(conn: sqlite3.Connection, workshop_id: str) -> bool:
    """Delete the workshop's row and every row of it; whether the workshop was
    there. The caller holds a write transaction, which makes it one step."""
    cursor = conn.execute("DELETE FROM workshops WHERE id = ?", (workshop_id,))
    for table in _WORKSHOP_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE workshop_id = ?", (workshop_id,))
    return cursor.rowcount == 1


def touch(conn: sqlite3.Connection, workshop_id: str, at: float) -> None:
    """Record the workshop in use at ``at``, if it exists and no later time is kept."""
    conn.execute(
        "INSERT INTO activity (workshop_id, at) SELECT id, ? FROM workshops WHERE id = ?"
        " ON CONFLICT (workshop_id) DO UPDATE SET at = MAX(at, excluded.at)",
        (at, workshop_id),
    )


def idle(conn: sqlite3.Connection, before: float) -> list[str]:
    """Ids of the workshops last in use (or, never, created) before ``before``."""
    rows = conn.execute(
        "SELECT w.id FROM workshops w LEFT JOIN activity a ON a.workshop_id = w.id"
        " WHERE COALESCE(a.at, w.created) < ? ORDER BY w.created, w.id",
        (before,),
    ).fetchall()
    return [row[0] for row in rows]
