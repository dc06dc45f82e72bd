"""SQLiteStore's whole workshops, for backups: read from every table in one
read transaction, written in one write transaction.

The functions take SQLiteStore's connection and run on its worker thread;
the caller holds the transaction. A loaded board becomes its room's snapshot
covering no update (``upto`` 0): the room's log starts empty, and the next
compaction replaces the snapshot as usual.
"""

from __future__ import annotations

import sqlite3

from board_server.model import AuditEntry, Draft, Participant, StoredDoc, Workshop
from board_server.storage import sqlite_bin, sqlite_control, sqlite_retention
from board_server.storage.base import StoreError
from board_server.storage.dump import (
    Ballots,
    WorkshopDump,
    sorted_drafts,
    sorted_participants,
)
from board_server.storage.votes import pack_tally, unpack_tally

_PARTICIPANT_COLUMNS = "id, workshop_id, room_id, name, created, connected, left_at"
_AUDIT_COLUMNS = "at, actor, actor_id, action, room, detail"
_DRAFT_COLUMNS = "id, room_id, author, created, body, sealed"
# What nothing reads (the vote's mode is in the control state) but the column needs.
RESTORED_MODE = ""


def read(conn: sqlite3.Connection, workshop: Workshop) -> tuple[WorkshopDump, dict[str, StoredDoc]]:
    """The workshop's dump without its boards, and each room's stored document
    (its cursor unset): the store adds what it has not committed yet."""
    w = (workshop.id,)
    participants = conn.execute(
        f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE workshop_id = ?", w
    ).fetchall()
    audit = conn.execute(
        f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE workshop_id = ? ORDER BY id", w
    ).fetchall()
    ballots: dict[str, Ballots] = {}
    for vote_id, voter, item, amount in conn.execute(
        "SELECT vote_id, participant_id, item, amount FROM ballots WHERE workshop_id = ?", w
    ):
        ballots.setdefault(vote_id, {}).setdefault(voter, {})[item] = amount
    tallies = conn.execute("SELECT vote_id, tally FROM vote_results WHERE workshop_id = ?", w)
    drafts = conn.execute(f"SELECT {_DRAFT_COLUMNS} FROM drafts WHERE workshop_id = ?", w)
    active = conn.execute("SELECT at FROM activity WHERE workshop_id = ?", w).fetchone()
    dump = WorkshopDump(
        workshop=workshop,
        participants=sorted_participants(Participant(*row) for row in participants),
        boards={},
        control=sqlite_control.get_control(conn, workshop.id),
        audit=tuple(AuditEntry(*row) for row in audit),
        ballots=ballots,
        tallies={vote_id: unpack_tally(bytes(data)) for vote_id, data in tallies},
        drafts=sorted_drafts(
            Draft(draft_id, room_id, author, created, bytes(body), bool(sealed))
            for draft_id, room_id, author, created, body, sealed in drafts
        ),
        bin=tuple(sqlite_bin.entries(conn, workshop.id)),
        last_active=active[0] if active else None,
    )
    return dump, {room.id: _stored(conn, workshop.id, room.id) for room in workshop.rooms}


def _stored(conn: sqlite3.Connection, workshop_id: str, room_id: str) -> StoredDoc:
    key = (workshop_id, room_id)
    row = conn.execute(
        "SELECT snapshot FROM doc_snapshots WHERE workshop_id = ? AND room_id = ?", key
    ).fetchone()
    rows = conn.execute(
        "SELECT data FROM doc_updates WHERE workshop_id = ? AND room_id = ? ORDER BY seq", key
    ).fetchall()
    return StoredDoc(bytes(row[0]) if row else None, [bytes(data) for (data,) in rows])


def write(conn: sqlite3.Connection, row: tuple[object, ...], dump: WorkshopDump) -> None:
    """Write the dump, its workshop as ``row`` of ``workshops``, unless its id,
    join code or a participant id is taken (StoreError). The caller holds a
    write transaction, so a refusal, or a failure halfway, writes nothing."""
    w = dump.workshop.id
    if conn.execute("SELECT 1 FROM workshops WHERE id = ?", (w,)).fetchone():
        raise StoreError(f"workshop id {w!r} exists")
    if conn.execute("SELECT 1 FROM workshops WHERE join_code = ?", (row[2],)).fetchone():
        raise StoreError(f"join code {row[2]!r} exists")
    for p in dump.participants:
        owner = conn.execute("SELECT workshop_id FROM participants WHERE id = ?", (p.id,))
        if (found := owner.fetchone()) is not None and found[0] != w:
            raise StoreError(f"participant {p.id!r} belongs to another workshop")
    # Rows a deletion's racing writers left under this id go first.
    sqlite_retention.erase(conn, w)
    conn.execute("INSERT INTO workshops VALUES (?, ?, ?, ?, ?, ?)", row)
    conn.executemany(
        f"INSERT INTO participants ({_PARTICIPANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(p.id, w, p.room_id, p.name, p.created, p.connected, p.left) for p in dump.participants],
    )
    conn.executemany(
        "INSERT INTO doc_snapshots (workshop_id, room_id, snapshot, upto) VALUES (?, ?, ?, 0)",
        [(w, room_id, board) for room_id, board in dump.boards.items()],
    )
    if dump.control is not None:
        conn.execute(
            "INSERT INTO controls (workshop_id, version, data) VALUES (?, ?, ?)",
            (w, dump.control.version, dump.control.data),
        )
    conn.executemany(
        f"INSERT INTO audit (workshop_id, {_AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(w, e.at, e.actor, e.actor_id, e.action, e.room, e.detail) for e in dump.audit],
    )
    conn.executemany(
        "INSERT INTO ballots (workshop_id, vote_id, participant_id, item, amount)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (w, vote_id, voter, item, amount)
            for vote_id, ballots in dump.ballots.items()
            for voter, ballot in ballots.items()
            for item, amount in ballot.items()
        ],
    )
    conn.executemany(
        "INSERT INTO vote_results (workshop_id, vote_id, mode, tally) VALUES (?, ?, ?, ?)",
        [(w, vote_id, RESTORED_MODE, pack_tally(t)) for vote_id, t in dump.tallies.items()],
    )
    conn.executemany(
        f"INSERT INTO drafts (workshop_id, {_DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(w, d.id, d.room_id, d.author, d.created, d.body, int(d.sealed)) for d in dump.drafts],
    )
    for entry in dump.bin:
        sqlite_bin.put(conn, w, entry)
    if dump.last_active is not None:
        conn.execute("INSERT INTO activity (workshop_id, at) VALUES (?, ?)", (w, dump.last_active))
