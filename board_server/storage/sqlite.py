"""SQLiteStore: the embedded store, one SQLite file in the data folder.

Its control state lives in ``sqlite_control``, which it delegates to.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import pathlib
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any, Literal, NamedTuple, TypeVar

from board_server.model import (
    AuditEntry,
    BinEntry,
    CastResult,
    Draft,
    Participant,
    RoomInfo,
    RoomKey,
    StoredDoc,
    Tally,
    Versioned,
    VoteKey,
    VoteRules,
    Workshop,
)
from board_server.storage import (
    sqlite_bin,
    sqlite_control,
    sqlite_drafts,
    sqlite_dump,
    sqlite_retention,
    sqlite_votes,
)
from board_server.storage.base import Cursor, OnLogged, StoreError
from board_server.storage.dump import WorkshopDump, boards

logger = logging.getLogger("board.storage")

T = TypeVar("T")

SCHEMA_VERSION = 8
# _MIGRATIONS[v] holds the statements that take the schema from user_version v to v + 1.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE workshops (id TEXT PRIMARY KEY, title TEXT NOT NULL,"
        " join_code TEXT NOT NULL UNIQUE, created REAL NOT NULL,"
        " room_capacity INTEGER NOT NULL, rooms TEXT NOT NULL)",
        "CREATE TABLE participants (id TEXT PRIMARY KEY, workshop_id TEXT NOT NULL,"
        " room_id TEXT NOT NULL, name TEXT NOT NULL, created REAL NOT NULL)",
        "CREATE INDEX participants_room ON participants (workshop_id, room_id)",
        "CREATE TABLE doc_snapshots (workshop_id TEXT NOT NULL, room_id TEXT NOT NULL,"
        " snapshot BLOB NOT NULL, PRIMARY KEY (workshop_id, room_id))",
        "CREATE TABLE doc_updates (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " workshop_id TEXT NOT NULL, room_id TEXT NOT NULL, data BLOB NOT NULL)",
        "CREATE INDEX doc_updates_room ON doc_updates (workshop_id, room_id, seq)",
    ),
    # Seats: when a participant's tablet first connected, and when they left.
    (
        "ALTER TABLE participants ADD COLUMN connected REAL",
        "ALTER TABLE participants ADD COLUMN left_at REAL",
    ),
    # Cursors: the seq of the last update each snapshot covers.
    ("ALTER TABLE doc_snapshots ADD COLUMN upto INTEGER NOT NULL DEFAULT 0",),
    # Control state and its audit list (statements in sqlite_control).
    sqlite_control.MIGRATION,
    # Ballots and tallies (statements in sqlite_votes).
    sqlite_votes.MIGRATION,
    # Private drafts (statements in sqlite_drafts).
    sqlite_drafts.MIGRATION,
    # Each workshop's last activity (statements in sqlite_retention).
    sqlite_retention.MIGRATION,
    # The moderation bin (statements in sqlite_bin).
    sqlite_bin.MIGRATION,
)
# A participant holds a seat (Participant.holds_seat) when this is true; the
# one parameter is lapse_before.
_HOLDS_SEAT = "left_at IS NULL AND (connected IS NOT NULL OR created >= ?)"
_PARTICIPANT_COLUMNS = "id, workshop_id, room_id, name, created, connected, left_at"
# A failing disk should not be hammered every commit_interval.
_RETRY_DELAY = 0.25


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


class _Pending(NamedTuple):
    seq: int  # the row number it gets in doc_updates; its cursor
    room: RoomKey
    data: bytes


def _normalize_code(join_code: str) -> str:
    return join_code.strip().upper()


def _workshop(row: tuple[str, str, str, float, int, str]) -> Workshop:
    id_, title, join_code, created, capacity, rooms = row
    infos = tuple(RoomInfo(id=r["id"], name=r["name"]) for r in json.loads(rooms))
    return Workshop(id_, title, join_code, created, infos, room_capacity=capacity)


def _workshop_row(workshop: Workshop) -> tuple[str, str, str, float, int, str]:
    rooms = json.dumps([{"id": r.id, "name": r.name} for r in workshop.rooms])
    code = _normalize_code(workshop.join_code)
    return workshop.id, workshop.title, code, workshop.created, workshop.room_capacity, rooms


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
    conn.execute(begin)
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class SQLiteStore:
    """The Store in one SQLite file (WAL), with a group-committed update log.

    The connection lives on one worker thread, so database calls run in FIFO order.
    A cursor is an update's ``seq`` in ``doc_updates``, handed out at append time.
    Presence lives in memory: SQLite mode is one process.
    """

    def __init__(self, path: pathlib.Path, *, commit_interval: float = 0.05) -> None:
        if commit_interval <= 0:
            raise ValueError(f"commit_interval must be positive, got {commit_interval}")
        self.path = path
        self.commit_interval = commit_interval
        self._state = _State.NEW
        self._executor: ThreadPoolExecutor | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._pending: deque[_Pending] = deque()
        self._seq = 0  # the highest seq handed out; this store is its file's only writer
        self._failure: str | None = None  # why group commits fail, while they do
        self._presence = sqlite_control.Presence()
        # Touched only on the worker thread.
        self._conn: sqlite3.Connection | None = None
        self._durable = 0  # highest _Pending.seq that is committed or covered by a snapshot

    async def start(self) -> None:
        """Open (creating or migrating) the database and start the group-commit flusher."""
        if self._state is not _State.NEW:
            raise StoreError(f"cannot start a store that is {self._state.value}")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="board-sqlite")
        try:
            self._seq = await self._run(self._db_open)
        except BaseException:
            self._executor.submit(self._db_close)  # in case a cancelled open still completes
            self._executor.shutdown(wait=False)
            self._executor = None
            raise
        self._state = _State.OPEN
        self._flusher = asyncio.create_task(self._flush_loop(), name=f"flusher {self.path}")
        self._flusher.add_done_callback(self._flusher_done)

    async def close(self) -> None:
        """Commit everything pending, stop the flusher and close the database. Idempotent."""
        if self._state is not _State.OPEN:
            self._state = _State.CLOSED
            return
        self._state = _State.CLOSED
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.wait({self._flusher})
            self._flusher = None
        try:
            await self._commit_pending()
        finally:
            await self._run(self._db_close)
            if self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None

    async def create_workshop(self, workshop: Workshop) -> None:
        """Persist a new workshop. Raises StoreError if the id or join code exists."""
        self._check_open()
        row = _workshop_row(workshop)
        what = f"workshop id {workshop.id!r} or join code {row[2]!r}"
        await self._run(partial(self._db_insert_row, "workshops", row, what))

    async def get_workshop(self, workshop_id: str) -> Workshop | None:
        """The workshop with this id, or None."""
        return await self._find_workshop("id", workshop_id)

    async def find_workshop_by_code(self, join_code: str) -> Workshop | None:
        """The workshop with this join code (case and surrounding space ignored), or None."""
        return await self._find_workshop("join_code", _normalize_code(join_code))

    async def list_workshops(self) -> list[Workshop]:
        """Every workshop, oldest first."""
        rows = await self._query("SELECT * FROM workshops ORDER BY created, rowid")
        return [_workshop(row) for row in rows]

    async def seat_participant(
        self, participant: Participant, *, capacity: int, lapse_before: float
    ) -> bool:
        """Write the participant if its room has a seat for it (atomic)."""
        self._check_open()
        return await self._run(partial(self._db_seat, participant, capacity, lapse_before))

    async def seat_in_emptiest(
        self, participant: Participant, room_ids: Sequence[str], *, capacity: int,
        lapse_before: float,
    ) -> Participant | None:  # fmt: skip
        """Write the participant into the emptiest of the rooms with a free seat (atomic)."""
        self._check_open()
        seat = partial(self._db_seat_emptiest, participant, list(room_ids), capacity, lapse_before)
        return await self._run(seat)

    async def get_participant(self, workshop_id: str, participant_id: str) -> Participant | None:
        """The participant, or None."""
        self._check_open()
        return await self._run(partial(self._db_participant, workshop_id, participant_id))

    async def claim_seat(
        self, workshop_id: str, participant_id: str, *, capacity: int, lapse_before: float,
        now: float,
    ) -> Participant | None:  # fmt: skip
        """Mark the participant connected, keeping or retaking its seat (atomic)."""
        self._check_open()
        claim = partial(self._db_claim, workshop_id, participant_id, capacity, lapse_before, now)
        return await self._run(claim)

    async def leave(self, workshop_id: str, participant_id: str, now: float) -> bool:
        """Free the participant's seat now."""
        self._check_open()
        return await self._run(partial(self._db_leave, workshop_id, participant_id, now))

    async def room_headcounts(self, workshop_id: str, *, lapse_before: float) -> dict[str, int]:
        """Seats held per room id; rooms with nobody are missing."""
        sql = (
            f"SELECT room_id, COUNT(*) FROM participants WHERE workshop_id = ? AND {_HOLDS_SEAT}"
            " GROUP BY room_id"
        )
        return dict(await self._query(sql, workshop_id, lapse_before))

    async def delete_workshop(self, workshop_id: str) -> bool:
        """Delete the workshop and every row of it in one transaction, with its
        updates still pending here and its presence, then empty the write-ahead log."""
        self._check_open()
        self._presence.forget(workshop_id)
        # Submitted after any write of them already under way (one worker, in order).
        self._pending = deque(p for p in self._pending if p.room.workshop_id != workshop_id)
        erase = sqlite_retention.erase
        existed = await self._run(partial(self._db_in_transaction, erase, workshop_id))
        await self._run(self._db_forget)
        return existed

    async def record_activity(self, workshop_id: str, at: float) -> None:
        """Note that the workshop was in use at ``at``, if it exists."""
        self._check_open()
        touch = sqlite_retention.touch
        await self._run(partial(self._db_in_transaction, touch, workshop_id, at))

    async def idle_workshops(self, before: float) -> list[str]:
        """Ids of the workshops last in use (or, never, created) before ``before``."""
        self._check_open()
        return await self._run(lambda: sqlite_retention.idle(self._db(), before))

    async def list_participants(self, workshop_id: str) -> list[Participant]:
        """Every participant of the workshop, those who left included, oldest first
        (by ``created``, then id)."""
        sql = (
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE workshop_id = ?"
            " ORDER BY created, id"
        )
        return [Participant(*row) for row in await self._query(sql, workshop_id)]

    # Control state.
    async def get_control(self, workshop_id: str) -> Versioned | None:
        """The stored control state, or None if none was ever written."""
        self._check_open()
        return await self._run(lambda: sqlite_control.get_control(self._db(), workshop_id))

    async def put_control(
        self, workshop_id: str, expected: int, data: bytes, audit: AuditEntry | None = None
    ) -> bool:
        """Store data as version ``expected + 1`` with the audit entry if the stored
        version is ``expected``: one write transaction, atomic across processes too."""
        self._check_open()
        put = partial(self._db_put_control, workshop_id, expected, data, audit)
        return await self._run(put)

    async def list_audit(self, workshop_id: str, limit: int) -> list[AuditEntry]:
        """The workshop's newest ``limit`` audit entries, newest first."""
        self._check_open()
        return await self._run(lambda: sqlite_control.list_audit(self._db(), workshop_id, limit))

    async def touch_presence(
        self, workshop_id: str, participant_ids: Sequence[str], until: float
    ) -> None:
        """Record these participants as online until ``until``, in this process's memory."""
        self._check_open()
        self._presence.touch(workshop_id, participant_ids, until)

    async def online(self, workshop_id: str, now: float) -> set[str]:
        """Ids of the workshop's participants online at ``now``."""
        self._check_open()
        return self._presence.online(workshop_id, now)

    # Votes.
    async def cast_vote(
        self, vote: VoteKey, participant_id: str, item: str, amount: int, rules: VoteRules
    ) -> CastResult:
        """Apply one cast if the rules allow it, in one write transaction."""
        self._check_open()
        cast = sqlite_votes.cast
        args = (vote, participant_id, item, amount, rules)
        return await self._run(partial(self._db_in_transaction, cast, *args))

    async def get_ballot(self, vote: VoteKey, participant_id: str) -> dict[str, int]:
        """The person's amounts per item (empty once the vote is closed)."""
        self._check_open()
        return await self._run(lambda: sqlite_votes.get_ballot(self._db(), vote, participant_id))

    async def vote_voters(self, vote: VoteKey) -> set[str]:
        """Ids of the people whose ballot is not empty (empty once closed)."""
        self._check_open()
        return await self._run(lambda: sqlite_votes.voters(self._db(), vote))

    async def close_vote(self, vote: VoteKey, mode: str, *, named: bool = False) -> Tally:
        """Keep the tally and delete the ballots, in one write transaction."""
        self._check_open()
        close = sqlite_votes.close
        return await self._run(partial(self._db_in_transaction, close, vote, mode, named))

    async def get_tally(self, vote: VoteKey) -> Tally | None:
        """The closed vote's tally; None while it is open."""
        self._check_open()
        return await self._run(lambda: sqlite_votes.get_tally(self._db(), vote))

    # Drafts.
    async def add_draft(self, workshop_id: str, draft: Draft, limit: int) -> bool:
        """Keep a new draft unless its author has ``limit`` waiting (one transaction)."""
        self._check_open()
        add = sqlite_drafts.add
        return await self._run(partial(self._db_in_transaction, add, workshop_id, draft, limit))

    async def edit_draft(self, workshop_id: str, draft_id: str, author: str, body: bytes) -> bool:
        """Replace the draft's body, if it is the author's and not sealed."""
        self._check_open()
        edit = sqlite_drafts.edit
        return await self._run(lambda: edit(self._db(), workshop_id, draft_id, author, body))

    async def delete_draft(self, workshop_id: str, draft_id: str, author: str) -> bool:
        """Delete the draft, if it is the author's and not sealed, and checkpoint."""
        self._check_open()
        delete = sqlite_drafts.delete
        done = await self._run(lambda: delete(self._db(), workshop_id, draft_id, author))
        if done:
            await self._run(self._db_forget)
        return done

    async def list_drafts(self, workshop_id: str, author: str) -> list[Draft]:
        """The author's waiting drafts, oldest first."""
        self._check_open()
        return await self._run(lambda: sqlite_drafts.mine(self._db(), workshop_id, author))

    async def count_drafts(self, workshop_id: str) -> dict[str, int]:
        """Waiting drafts per room."""
        self._check_open()
        return await self._run(lambda: sqlite_drafts.counts(self._db(), workshop_id))

    async def seal_drafts(self, workshop_id: str, room_id: str) -> list[Draft]:
        """Seal the room's waiting drafts and return all its sealed ones (one transaction)."""
        self._check_open()
        seal = sqlite_drafts.seal
        return await self._run(partial(self._db_in_transaction, seal, workshop_id, room_id))

    async def drop_drafts(self, workshop_id: str, draft_ids: Sequence[str]) -> None:
        """Delete these drafts, then checkpoint."""
        self._check_open()
        ids = list(draft_ids)
        if ids:
            drop = sqlite_drafts.drop
            await self._run(partial(self._db_in_transaction, drop, workshop_id, ids))
            await self._run(self._db_forget)

    # Whole workshops, for backups.
    async def dump_workshop(self, workshop_id: str) -> WorkshopDump | None:
        """Every table's rows of the workshop, read in one transaction, with
        the updates still pending here."""
        self._check_open()
        pending = list(self._pending)
        found = await self._run(partial(self._db_dump, workshop_id))
        if found is None:
            return None
        dump, docs, durable = found
        for p in pending:
            if p.room.workshop_id == workshop_id and p.seq > durable and p.room.room_id in docs:
                docs[p.room.room_id].updates.append(p.data)
        try:
            return replace(dump, boards=boards(docs))
        except ValueError as exc:
            raise StoreError(f"{self.path}: workshop {workshop_id}: {exc}") from exc

    async def load_workshop(self, dump: WorkshopDump) -> None:
        """Write the workshop and every row of it in one transaction."""
        self._check_open()
        row = _workshop_row(dump.workshop)
        await self._run(partial(self._db_in_transaction, sqlite_dump.write, row, dump))

    # The moderation bin.
    async def bin_put(self, workshop_id: str, entry: BinEntry) -> None:
        """Keep a hidden note."""
        self._check_open()
        await self._run(partial(self._db_in_transaction, sqlite_bin.put, workshop_id, entry))

    async def bin_take(self, workshop_id: str, room_id: str, note_id: str) -> BinEntry | None:
        """Remove the note's entry and return it (one transaction), then checkpoint."""
        self._check_open()
        take = sqlite_bin.take
        taken = await self._run(
            partial(self._db_in_transaction, take, workshop_id, room_id, note_id)
        )
        if taken is not None:
            await self._run(self._db_forget)
        return taken

    async def bin_list(self, workshop_id: str) -> list[BinEntry]:
        """Every entry of the workshop, oldest hide first."""
        self._check_open()
        return await self._run(lambda: sqlite_bin.entries(self._db(), workshop_id))

    # The document log.
    def append_update(
        self, room: RoomKey, update: bytes, on_logged: OnLogged | None = None
    ) -> None:
        """Queue an update; the flusher commits it within commit_interval.

        ``on_logged`` runs at once: this store promises durability within the
        commit interval, and fan-out does not wait for it.
        """
        self._check_open()
        self._seq += 1
        seq = self._seq
        self._pending.append(_Pending(seq, room, update))
        self._wake.set()
        if on_logged is not None:
            on_logged(str(seq))

    async def load_doc(self, room: RoomKey) -> StoredDoc:
        """The room's snapshot and every update after it, pending ones included."""
        self._check_open()
        pending = [p for p in self._pending if p.room == room]
        snapshot, upto, log, durable = await self._run(partial(self._db_load, room))
        log.extend((p.seq, p.data) for p in pending if p.seq > durable)
        last = log[-1][0] if log else upto
        return StoredDoc(snapshot, [data for _, data in log], str(last) if last else "")

    log_grace = 0.0
    """A compaction keeps nothing it covers: one process reads this file."""

    async def compact(
        self, room: RoomKey, snapshot: bytes, upto: Cursor, *, scrub: bool = False
    ) -> bool:
        """Replace the room's log up to ``upto`` with this snapshot; later updates stay.

        One transaction, which also commits every pending update; with
        ``scrub``, then a checkpoint, so the write-ahead log keeps no copy of
        what the snapshot replaced. Always True: one process owns the file,
        so nobody else compacts.
        """
        self._check_open()
        seq = self._seq_of(upto)
        batch = list(self._pending)
        self._forget(await self._run(partial(self._db_write, batch, (room, snapshot, seq))))
        if scrub:
            await self._run(self._db_forget)
        return True

    async def log_length(self, room: RoomKey) -> int:
        """How many updates follow the snapshot, pending ones included."""
        self._check_open()
        pending = [p.seq for p in self._pending if p.room == room]
        committed, durable = await self._run(partial(self._db_count, room))
        return committed + sum(1 for seq in pending if seq > durable)

    async def flush(self) -> None:
        """Wait until everything appended so far is committed."""
        self._check_open()
        await self._commit_pending()

    def health(self) -> str | None:
        """None while group commits succeed; otherwise why they fail."""
        return self._failure

    # Event-loop side.
    def _check_open(self) -> None:
        if self._state is not _State.OPEN:
            raise StoreError(f"store {self.path} is {self._state.value}, not open")

    def _seq_of(self, cursor: Cursor) -> int:
        if not cursor:
            return 0
        if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > self._seq:
            raise StoreError(f"{cursor!r} is not a cursor of store {self.path}")
        return int(cursor)

    async def _run(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise StoreError(f"store {self.path} has no worker")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    async def _query(self, sql: str, *params: str | float) -> list[Any]:
        self._check_open()
        return await self._run(partial(self._db_all, sql, *params))

    async def _find_workshop(
        self, column: Literal["id", "join_code"], value: str
    ) -> Workshop | None:
        rows = await self._query(f"SELECT * FROM workshops WHERE {column} = ?", value)
        return _workshop(rows[0]) if rows else None

    async def _commit_pending(self) -> None:
        if self._pending:
            self._forget(await self._run(partial(self._db_write, list(self._pending))))

    def _forget(self, durable: int) -> None:
        """After a successful write: drop what it made durable."""
        while self._pending and self._pending[0].seq <= durable:
            self._pending.popleft()
        if self._failure is not None:
            logger.info("commits to %s succeed again", self.path)
            self._failure = None

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.commit_interval)
            self._wake.clear()
            try:
                await self._commit_pending()
            except StoreError as exc:
                if self._failure is None:
                    logger.exception(
                        "commit of %d pending updates to %s failed; retrying every %s s",
                        len(self._pending),
                        self.path,
                        _RETRY_DELAY,
                    )
                self._failure = f"cannot write to {self.path}: {exc.__cause__ or exc}"
                self._wake.set()
                await asyncio.sleep(_RETRY_DELAY)

    def _flusher_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("flusher of %s died", self.path, exc_info=task.exception())

    # Worker-thread side.
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"store {self.path} has no open connection")
        return self._conn

    def _db_open(self) -> int:
        """Open and migrate the file; the highest seq it has ever used."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                logger.warning("%s: journal_mode is %s, WAL is unavailable", self.path, mode)
            conn.execute("PRAGMA synchronous = NORMAL")
            # Deleted rows (a closed vote's ballots) are overwritten, not left in
            # free pages: on by default in Debian's build, but not everywhere.
            conn.execute("PRAGMA secure_delete = ON")
            with _transaction(conn):
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.path} has schema version {version}; "
                        f"this server supports up to {SCHEMA_VERSION}"
                    )
                for statements in _MIGRATIONS[version:]:
                    for statement in statements:
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                # A compaction may cover updates that never got a row.
                (seq,) = conn.execute(
                    "SELECT MAX((SELECT IFNULL(MAX(seq), 0) FROM sqlite_sequence"
                    " WHERE name = 'doc_updates'), (SELECT IFNULL(MAX(seq), 0) FROM doc_updates),"
                    " (SELECT IFNULL(MAX(upto), 0) FROM doc_snapshots))"
                ).fetchone()
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return int(seq)

    def _db_close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _db_all(self, sql: str, *params: str | float) -> list[Any]:
        return self._db().execute(sql, params).fetchall()

    def _db_participant(self, workshop_id: str, participant_id: str) -> Participant | None:
        row = (
            self._db()
            .execute(
                f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE workshop_id = ? AND id = ?",
                (workshop_id, participant_id),
            )
            .fetchone()
        )
        return Participant(*row) if row else None

    def _db_has_seat_for(
        self, p: Participant, capacity: int, lapse_before: float, current: Participant | None
    ) -> bool:
        if (
            current is not None
            and current.room_id == p.room_id
            and current.holds_seat(lapse_before)
        ):
            return True
        (others,) = (
            self._db()
            .execute(
                "SELECT COUNT(*) FROM participants"
                f" WHERE workshop_id = ? AND room_id = ? AND id != ? AND {_HOLDS_SEAT}",
                (p.workshop_id, p.room_id, p.id, lapse_before),
            )
            .fetchone()
        )
        return bool(others < capacity)

    def _db_seat(self, p: Participant, capacity: int, lapse_before: float) -> bool:
        conn = self._db()
        with _transaction(conn):
            current = self._db_participant(p.workshop_id, p.id)
            if not self._db_has_seat_for(p, capacity, lapse_before, current):
                return False
            self._db_write_participant(p)
        return True

    def _db_write_participant(self, p: Participant) -> None:
        cursor = self._db().execute(
            f"INSERT INTO participants ({_PARTICIPANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET room_id = excluded.room_id,"
            " name = excluded.name, created = excluded.created,"
            " connected = excluded.connected, left_at = excluded.left_at"
            " WHERE participants.workshop_id = excluded.workshop_id",
            (p.id, p.workshop_id, p.room_id, p.name, p.created, p.connected, p.left),
        )
        if cursor.rowcount != 1:
            raise StoreError(f"participant {p.id!r} belongs to another workshop")

    def _db_seat_emptiest(
        self, p: Participant, room_ids: list[str], capacity: int, lapse_before: float
    ) -> Participant | None:
        conn = self._db()
        with _transaction(conn):
            counts = dict(
                conn.execute(
                    "SELECT room_id, COUNT(*) FROM participants"
                    f" WHERE workshop_id = ? AND id != ? AND {_HOLDS_SEAT} GROUP BY room_id",
                    (p.workshop_id, p.id, lapse_before),
                ).fetchall()
            )
            free = [room for room in room_ids if counts.get(room, 0) < capacity]
            if not free:
                return None
            seated = replace(p, room_id=min(free, key=lambda room: counts.get(room, 0)))
            self._db_write_participant(seated)
        return seated

    def _db_claim(
        self, workshop_id: str, participant_id: str, capacity: int, lapse_before: float, now: float
    ) -> Participant | None:
        conn = self._db()
        with _transaction(conn):
            current = self._db_participant(workshop_id, participant_id)
            if current is None or current.left is not None:
                return None
            if current.connected is not None:
                return current
            if not self._db_has_seat_for(current, capacity, lapse_before, current):
                return None
            conn.execute(
                "UPDATE participants SET connected = ? WHERE workshop_id = ? AND id = ?",
                (now, workshop_id, participant_id),
            )
        return replace(current, connected=now)

    def _db_leave(self, workshop_id: str, participant_id: str, now: float) -> bool:
        with _transaction(self._db()):
            cursor = self._db().execute(
                "UPDATE participants SET left_at = ? WHERE workshop_id = ? AND id = ?"
                " AND left_at IS NULL",
                (now, workshop_id, participant_id),
            )
        return cursor.rowcount == 1

    def _db_forget(self) -> None:
        """Copy the write-ahead log into the file and empty it, so that the
        old pages of a deleted draft or workshop stay in neither (``secure_delete`` clears
        them in the file). Busy readers of another store make it partial:
        the next one finishes it."""
        self._db().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _db_in_transaction(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(connection, *args) in one write transaction."""
        with _transaction(self._db()):
            return fn(self._db(), *args)

    def _db_dump(self, workshop_id: str) -> tuple[WorkshopDump, dict[str, StoredDoc], int] | None:
        """The workshop's dump without boards, its rooms' stored documents, and _durable."""
        conn = self._db()
        with _transaction(conn, "BEGIN"):
            row = conn.execute("SELECT * FROM workshops WHERE id = ?", (workshop_id,)).fetchone()
            if row is None:
                return None
            dump, docs = sqlite_dump.read(conn, _workshop(row))
        return dump, docs, self._durable

    def _db_put_control(
        self, workshop_id: str, expected: int, data: bytes, audit: AuditEntry | None
    ) -> bool:
        with _transaction(self._db()):
            return sqlite_control.put_control(self._db(), workshop_id, expected, data, audit)

    def _db_insert_row(self, table: str, row: tuple[object, ...], what: str) -> None:
        sql = f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})"
        try:
            with _transaction(self._db()):
                self._db().execute(sql, row)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{what} exists") from exc

    def _db_load(self, room: RoomKey) -> tuple[bytes | None, int, list[tuple[int, bytes]], int]:
        """The snapshot, the seq it covers, the (seq, data) rows after it, and _durable."""
        conn, key = self._db(), (room.workshop_id, room.room_id)
        with _transaction(conn, "BEGIN"):
            row = conn.execute(
                "SELECT snapshot, upto FROM doc_snapshots WHERE workshop_id = ? AND room_id = ?",
                key,
            ).fetchone()
            rows = conn.execute(
                "SELECT seq, data FROM doc_updates WHERE workshop_id = ? AND room_id = ?"
                " ORDER BY seq",
                key,
            ).fetchall()
        snapshot, upto = row if row else (None, 0)
        return snapshot, upto, rows, self._durable

    def _db_count(self, room: RoomKey) -> tuple[int, int]:
        sql = "SELECT COUNT(*) FROM doc_updates WHERE workshop_id = ? AND room_id = ?"
        (count,) = self._db().execute(sql, (room.workshop_id, room.room_id)).fetchone()
        return count, self._durable

    def _db_write(
        self, batch: list[_Pending], compaction: tuple[RoomKey, bytes, int] | None = None
    ) -> int:
        """Commit the batch and, given a (room, snapshot, upto) compaction, fold that
        room's log up to seq ``upto`` into the snapshot; the new _durable."""
        # An earlier job may have committed part of the batch already.
        fresh = [p for p in batch if p.seq > self._durable]
        if not fresh and compaction is None:
            return self._durable
        rows = fresh
        conn = self._db()
        with _transaction(conn):
            if compaction is not None and self._db_fold(*compaction):
                room, _, upto = compaction
                # The snapshot covers these, so they need no row.
                rows = [p for p in fresh if p.room != room or p.seq > upto]
            conn.executemany(
                "INSERT INTO doc_updates (seq, workshop_id, room_id, data) VALUES (?, ?, ?, ?)",
                [(p.seq, p.room.workshop_id, p.room.room_id, p.data) for p in rows],
            )
        if fresh:
            self._durable = fresh[-1].seq
        return self._durable

    def _db_fold(self, room: RoomKey, snapshot: bytes, upto: int) -> bool:
        """Store the snapshot and delete the rows it covers, unless the stored
        snapshot covers as much; whether it did. Runs inside a transaction."""
        conn, key = self._db(), (room.workshop_id, room.room_id)
        row = conn.execute(
            "SELECT upto FROM doc_snapshots WHERE workshop_id = ? AND room_id = ?", key
        ).fetchone()
        if upto <= (row[0] if row else 0):
            return False
        conn.execute(
            "DELETE FROM doc_updates WHERE workshop_id = ? AND room_id = ? AND seq <= ?",
            (*key, upto),
        )
        conn.execute(
            "INSERT INTO doc_snapshots (workshop_id, room_id, snapshot, upto) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (workshop_id, room_id)"
            " DO UPDATE SET snapshot = excluded.snapshot, upto = excluded.upto",
            (*key, snapshot, upto),
        )
        return True
