"""SQLiteStore's votes: the ``ballots`` and ``vote_results`` tables.

The functions take SQLiteStore's connection and run on its worker thread,
inside a write transaction (BEGIN IMMEDIATE) where they write: that makes a
cast's check and write one step, across processes sharing the file too.
"""

from __future__ import annotations

import sqlite3

from board_server.model import CastResult, Tally, VoteKey, VoteRules
from board_server.storage.votes import apply_cast, pack_tally, tally, unpack_tally

# Schema version 5 (SQLiteStore's migration from 4): ballots of open votes, and
# the tallies of closed ones (whose ballots are deleted).
MIGRATION: tuple[str, ...] = (
    "CREATE TABLE ballots (workshop_id TEXT NOT NULL, vote_id TEXT NOT NULL,"
    " participant_id TEXT NOT NULL, item TEXT NOT NULL, amount INTEGER NOT NULL,"
    " PRIMARY KEY (workshop_id, vote_id, participant_id, item))",
    "CREATE TABLE vote_results (workshop_id TEXT NOT NULL, vote_id TEXT NOT NULL,"
    " mode TEXT NOT NULL, tally BLOB NOT NULL, PRIMARY KEY (workshop_id, vote_id))",
)


def get_ballot(conn: sqlite3.Connection, vote: VoteKey, participant_id: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT item, amount FROM ballots WHERE workshop_id = ? AND vote_id = ?"
        " AND participant_id = ?",
        (vote.workshop_id, vote.vote_id, participant_id),
    ).fetchall()
    return {item: amount for item, amount in rows}


def cast(
    conn: sqlite3.Connection,
    vote: VoteKey,
    participant_id: str,
    item: str,
    amount: int,
    rules: VoteRules,
) -> CastResult:
    """Check and write one cast; the caller holds a write transaction."""
    ballot = get_ballot(conn, vote, participant_id)
    if get_tally(conn, vote) is not None:
        return CastResult("closed", ballot)
    refused, after = apply_cast(ballot, item, amount, rules)
    if refused is not None:
        return CastResult(refused, ballot)
    key = (vote.workshop_id, vote.vote_id, participant_id, item)
    if item in after:
        conn.execute(
            "INSERT INTO ballots VALUES (?, ?, ?, ?, ?) ON CONFLICT"
            " (workshop_id, vote_id, participant_id, item) DO UPDATE SET amount = excluded.amount",
            (*key, after[item]),
        )
    else:
        conn.execute(
            "DELETE FROM ballots WHERE workshop_id = ? AND vote_id = ? AND participant_id = ?"
            " AND item = ?",
            key,
        )
    return CastResult(None, after)


def voters(conn: sqlite3.Connection, vote: VoteKey) -> set[str]:
    rows = conn.execute(
        "SELECT DISTINCT participant_id FROM ballots WHERE workshop_id = ? AND vote_id = ?",
        (vote.workshop_id, vote.vote_id),
    ).fetchall()
    return {row[0] for row in rows}


def close(conn: sqlite3.Connection, vote: VoteKey, mode: str, named: bool) -> Tally:
    """Keep the tally and delete the ballots; the caller holds a write transaction."""
    done = get_tally(conn, vote)
    if done is not None:
        return done
    ballots: dict[str, dict[str, int]] = {}
    for participant_id, item, amount in conn.execute(
        "SELECT participant_id, item, amount FROM ballots WHERE workshop_id = ? AND vote_id = ?",
        (vote.workshop_id, vote.vote_id),
    ):
        ballots.setdefault(participant_id, {})[item] = amount
    result = tally(mode, ballots, named=named)
    conn.execute(
        "INSERT INTO vote_results VALUES (?, ?, ?, ?)",
        (vote.workshop_id, vote.vote_id, mode, pack_tally(result)),
    )
    conn.execute(
        "DELETE FROM ballots WHERE workshop_id = ? AND vote_id = ?",
        (vote.workshop_id, vote.vote_id),
    )
    return result


def get_tally(conn: sqlite3.Connection, vote: VoteKey) -> Tally | None:
    row = conn.execute(
        "SELECT tally FROM vote_results WHERE workshop_id = ? AND vote_id = ?",
        (vote.workshop_id, vote.vote_id),
    ).fetchone()
    return unpack_tally(row[0]) if row else None
