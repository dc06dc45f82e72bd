"""SQLiteStore's control state: the ``controls`` and ``audit`` tables, and presence.

The functions take SQLiteStore's connection and run on its worker thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from board_server.model import AuditEntry, Versioned

# Schema version 4 (SQLiteStore's migration from 3): control state and its audit list.
MIGRATION: tuple[str, ...] = (
    "CREATE TABLE controls (workshop_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
    " data BLOB NOT NULL)",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, workshop_id TEXT NOT NULL,"
    " at REAL NOT NULL, actor TEXT NOT NULL, actor_id TEXT NOT NULL, action TEXT NOT NULL,"
    " room TEXT, detail TEXT NOT NULL)",
    "CREATE INDEX audit_workshop ON audit (workshop_id, id)",
)


def get_control(conn: sqlite3.Connection, workshop_id: str) -> Versioned | None:
    """The workshop's stored control state, or None."""
    row = conn.execute(
        "SELECT version, data FROM controls WHERE workshop_id = ?", (workshop_id,)
    ).fetchone()
    return Versioned(row[0], row[1]) if row else None


def put_control(
    conn: sqlite3.Connection,
    workshop_id: str,
    expected: int,
    data: bytes,
    audit: AuditEntry | None,
) -> bool:
    """Compare, write and append the audit row; the caller holds a write
    transaction (BEGIN IMMEDIATE), which makes the three one step."""
    current = get_control(conn, workshop_id)
    if (current.version if current else 0) != expected:
        return False
    conn.execute(
        "INSERT INTO controls (workshop_id, version, data) VALUES (?, ?, ?)"
        " ON CONFLICT (workshop_id) DO UPDATE SET version = excluded.version,"
        " data = excluded.data",
        (workshop_id, expected + 1, data),
    )
    if audit is not None:
        conn.execute(
            "INSERT INTO audit (workshop_id, at, actor, actor_id, action, room, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (workshop_id, audit.at, audit.actor, audit.actor_id, audit.action, audit.room,
             audit.detail),
        )  # fmt: skip
    return True


def list_audit(conn: sqlite3.Connection, workshop_id: str, limit: int) -> list[AuditEntry]:
    """The workshop's newest ``limit`` audit entries, newest first."""
    if limit <= 0:
        return []  # SQLite reads a negative LIMIT as no limit
    rows = conn.execute(
        "SELECT at, actor, actor_id, action, room, detail FROM audit WHERE workshop_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (workshop_id, limit),
    ).fetchall()
    return [AuditEntry(*row) for row in rows]


class Presence:
    """Who is online until when, per workshop, in this process's memory: an
    SQLite deployment is one process, and presence need not survive a restart."""

    def __init__(self) -> None:
        self._until: dict[str, dict[str, float]] = {}

    def touch(self, workshop_id: str, participant_ids: Sequence[str], until: float) -> None:
        """Record these participants as online until ``until``."""
        if participant_ids:
            times = self._until.setdefault(workshop_id, {})
            times.update(dict.fromkeys(participant_ids, until))

    def online(self, workshop_id: str, now: float) -> set[str]:
        """Ids of the workshop's participants online at ``now``."""
        times = self._until.get(workshop_id, {})
        return {pid for pid, until in times.items() if until > now}

    def forget(self, workshop_id: str) -> None:
        """Drop everything of the workshop (it was deleted)."""
        self._until.pop(workshop_id, None)
