"""The ports every persistence backend implements.

Seven concerns, kept apart so that a second backend implements each cleanly:
- ``WorkshopStore``: workshops and participants (seats), their last
  activity, and erasing a workshop with everything of it;
- ``ControlStore``: each workshop's control state (compare-and-set on a
  version), its audit list, and presence;
- ``VoteStore``: ballots held to their budget atomically, and tallies;
- ``DraftStore``: private drafts, each visible to its author only, until a
  reveal takes them;
- ``DocLog``: each room's document, a snapshot plus a log of updates after
  it, with a cursor that names a position in the log;
- ``DumpStore``: one workshop read or written whole, for backups;
- the bus between processes, in ``board_server.bus``.

``Store`` is a backend's whole storage side. Rooms and workshop logic depend
only on these protocols; ``storage.open`` picks the implementation. Each one
passes tests/storage/test_conformance.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from board_server.model import (
    AuditEntry,
    BinEntry,
    CastResult,
    Draft,
    Participant,
    RoomKey,
    StoredDoc,
    Tally,
    Versioned,
    VoteKey,
    VoteRules,
    Workshop,
)
from board_server.storage.dump import WorkshopDump

Cursor = str
"""A position in one room's log, as the store writes it (an SQLite row number,
a Redis stream id). ``StoredDoc.cursor`` is the position of the last update a
load returned; the empty string is the position before the first."""

OnLogged = Callable[[Cursor], None]


class StoreError(Exception):
    """A store could not complete an operation."""


class WorkshopStore(Protocol):
    """Workshops, and participants with their seats."""

    async def create_workshop(self, workshop: Workshop) -> None:
        """Persist a new workshop. Raises StoreError if the id or join code exists."""

    async def get_workshop(self, workshop_id: str) -> Workshop | None:
        """The workshop with this id, or None."""

    async def find_workshop_by_code(self, join_code: str) -> Workshop | None:
        """The workshop with this join code (case-insensitive), or None."""

    async def list_workshops(self) -> list[Workshop]:
        """Every workshop, oldest first."""

    async def seat_participant(
        self, participant: Participant, *, capacity: int, lapse_before: float
    ) -> bool:
        """Write the participant (new, or the same id moved, renamed or back
        after leaving) if its room has a seat for it; False writes nothing.

        Atomic, across processes too: a room never ends with more than
        ``capacity`` seats held (see ``Participant.holds_seat``). One who
        holds a seat in the room already always may.
        """

    async def seat_in_emptiest(
        self, participant: Participant, room_ids: Sequence[str], *, capacity: int,
        lapse_before: float,
    ) -> Participant | None:  # fmt: skip
        """Write the participant into whichever of ``room_ids`` holds the fewest
        seats and has one free (the first of them on a tie), and return it as
        written; None, writing nothing, if every one is full.

        Choice and write are one atomic step, across processes too, so joins
        that arrive together spread evenly. The participant's own seat, if it
        holds one, does not count.
        """

    async def get_participant(self, workshop_id: str, participant_id: str) -> Participant | None:
        """The participant, or None."""

    async def claim_seat(
        self, workshop_id: str, participant_id: str, *, capacity: int, lapse_before: float,
        now: float,
    ) -> Participant | None:  # fmt: skip
        """Mark the participant connected (at ``now``, if never before) and return it.

        A seat that lapsed is taken again only if the room has one free, as
        in ``seat_participant``. None if the participant is unknown, has
        left, or lost its lapsed seat. Atomic like ``seat_participant``.
        """

    async def leave(self, workshop_id: str, participant_id: str, now: float) -> bool:
        """Free the participant's seat now. False if unknown or already gone."""

    async def room_headcounts(self, workshop_id: str, *, lapse_before: float) -> dict[str, int]:
        """Seats held per room id; rooms with nobody may be missing."""

    async def delete_workshop(self, workshop_id: str) -> bool:
        """Delete the workshop and everything of it: its join code, participants,
        control state, audit, presence, votes, drafts, activity, and every
        room's snapshot and log, with this process's updates of it not yet
        written. False if the workshop was not there (what is left of it
        goes all the same, so a second call sweeps up writes that raced the first).

        The workshop itself goes first, in one atomic step with its join code,
        so that a half-deleted workshop is never found. Nothing of it stays
        in the store's files or keys once this returns.
        """

    async def record_activity(self, workshop_id: str, at: float) -> None:
        """Note that the workshop was in use at ``at`` (the latest time wins);
        nothing for a workshop the store does not hold."""

    async def idle_workshops(self, before: float) -> list[str]:
        """Ids of the workshops last in use before ``before``; one never
        recorded in use counts from its creation."""


class ControlStore(Protocol):
    """Each workshop's control state (agenda, phases, timers, locks, prompts),
    its audit list, and who is online. Written by commands on any process."""

    async def get_control(self, workshop_id: str) -> Versioned | None:
        """The stored control state, or None if none was ever written."""

    async def put_control(
        self, workshop_id: str, expected: int, data: bytes, audit: AuditEntry | None = None
    ) -> bool:
        """Store data as version ``expected + 1`` and append the audit entry, in
        one atomic step across processes, if the stored version is ``expected``
        (0: none stored); otherwise write nothing and return False."""

    async def list_audit(self, workshop_id: str, limit: int) -> list[AuditEntry]:
        """The workshop's newest ``limit`` audit entries, newest first."""

    async def list_participants(self, workshop_id: str) -> list[Participant]:
        """Every participant of the workshop, those who left included, oldest first."""

    async def touch_presence(
        self, workshop_id: str, participant_ids: Sequence[str], until: float
    ) -> None:
        """Record these participants as online until ``until`` (a time in the
        past marks them offline now). Ephemeral: need not survive a restart."""

    async def online(self, workshop_id: str, now: float) -> set[str]:
        """Ids of the workshop's participants online at ``now``."""


class VoteStore(Protocol):
    """Ballots of the votes in progress, and the tallies of closed ones.

    The rules travel with each cast (the vote itself is control state). Who
    gave what is kept only while a vote is open, to hold each person to the
    budget; closing keeps the tally and deletes the ballots.
    """

    async def cast_vote(
        self, vote: VoteKey, participant_id: str, item: str, amount: int, rules: VoteRules
    ) -> CastResult:
        """Apply one cast if the rules allow it, else change nothing.

        Atomic across processes: however many casts of one person race, on
        however many processes, their budget and caps hold exactly.
        """

    async def get_ballot(self, vote: VoteKey, participant_id: str) -> dict[str, int]:
        """The person's amounts per item (empty once the vote is closed)."""

    async def vote_voters(self, vote: VoteKey) -> set[str]:
        """Ids of the people whose ballot is not empty (empty once closed)."""

    async def close_vote(self, vote: VoteKey, mode: str, *, named: bool = False) -> Tally:
        """Refuse further casts, keep the tally (of a vote in this mode) and
        delete every ballot, in one atomic step. Closing a closed vote returns
        its tally again. Only a ``named`` vote's tally keeps who gave what."""

    async def get_tally(self, vote: VoteKey) -> Tally | None:
        """The closed vote's tally; None while it is open."""


class DraftStore(Protocol):
    """Notes written in private mode, until the facilitator reveals them.

    Only the author reads or changes a draft; the rest of the server sees
    counts. A reveal seals a room's drafts (their authors can no longer
    change them), writes them onto the board, then drops them; a reveal cut
    short finds the sealed ones again. Deleting or dropping a draft leaves
    nothing of it in the store once the backend has compacted.
    """

    async def add_draft(self, workshop_id: str, draft: Draft, limit: int) -> bool:
        """Keep a new draft, unless its author already has ``limit`` waiting
        (False, keeping nothing). Atomic across processes."""

    async def edit_draft(self, workshop_id: str, draft_id: str, author: str, body: bytes) -> bool:
        """Replace the draft's body, if it is the author's and not sealed."""

    async def delete_draft(self, workshop_id: str, draft_id: str, author: str) -> bool:
        """Delete the draft, if it is the author's and not sealed."""

    async def list_drafts(self, workshop_id: str, author: str) -> list[Draft]:
        """The author's waiting (not sealed) drafts, oldest first, then by id."""

    async def count_drafts(self, workshop_id: str) -> dict[str, int]:
        """Waiting drafts per room; rooms with none are missing."""

    async def seal_drafts(self, workshop_id: str, room_id: str) -> list[Draft]:
        """Seal every waiting draft of the room, in one atomic step, and return
        all of the room's sealed drafts (those sealed before too), oldest first."""

    async def drop_drafts(self, workshop_id: str, draft_ids: Sequence[str]) -> None:
        """Delete these drafts, whoever wrote them (a reveal has put them on the board)."""


class BinStore(Protocol):
    """The moderation bin: notes the facilitator hid, one entry per note of a
    room. Only the facilitator reads it. Taking an entry out (a restore) is
    atomic across processes, so two facilitators never restore one note twice.
    """

    async def bin_put(self, workshop_id: str, entry: BinEntry) -> None:
        """Keep a hidden note (replacing an entry for the same note)."""

    async def bin_take(self, workshop_id: str, room_id: str, note_id: str) -> BinEntry | None:
        """Remove the note's entry and return it; None if there is none."""

    async def bin_list(self, workshop_id: str) -> list[BinEntry]:
        """Every entry of the workshop, oldest hide first, then by room and note."""


class DocLog(Protocol):
    """Each room's document: a snapshot and the log of updates after it."""

    def append_update(
        self, room: RoomKey, update: bytes, on_logged: OnLogged | None = None
    ) -> None:
        """Add an update to the room's log, without waiting: rooms call this on
        their hot path.

        ``on_logged(cursor)`` runs once the update is as safe as this store
        promises before anyone else may see it (docs/protocol.md, "Durability"),
        with the update's position; calls come in append order. Raises
        StoreError, and keeps nothing, when the store can take no more (closed,
        or its buffer for an unreachable server is full).
        """

    async def load_doc(self, room: RoomKey) -> StoredDoc:
        """The room's snapshot and every update after it, with the cursor of the last.

        Updates this process appended and that are not yet written are included.
        """

    async def compact(
        self, room: RoomKey, snapshot: bytes, upto: Cursor, *, scrub: bool = False
    ) -> bool:
        """Replace the log up to ``upto`` with this snapshot, which must cover
        every update at or before ``upto``. Later updates stay in the log.

        False, changing nothing, when another process is compacting the room.
        A snapshot whose ``upto`` is not after the stored one's is not kept
        (the log it covers may still be trimmed: the stored one covers it).
        With ``scrub`` (after a note was hidden), no copy of what was replaced
        stays where the store could still read it (SQLite's write-ahead log),
        apart from updates younger than ``log_grace``.
        """

    @property
    def log_grace(self) -> float:
        """Seconds for which a compaction keeps the updates it covers in the
        log (Redis keeps them for other processes' lagging readers): a
        compaction this long after an update leaves no copy of it."""

    async def log_length(self, room: RoomKey) -> int:
        """How many updates follow the snapshot, pending ones included."""

    async def flush(self) -> None:
        """Wait until everything appended so far is written."""


class DumpStore(Protocol):
    """One workshop with everything kept of it, read or written in one step
    (``board-server backup`` and ``restore``)."""

    async def dump_workshop(self, workshop_id: str) -> WorkshopDump | None:
        """Everything kept of the workshop but presence, read in one step (a
        Redis store finds the votes just before), with the updates this
        process has not written yet; None if there is no such workshop.
        Raises StoreError if a stored board does not decode."""

    async def load_workshop(self, dump: WorkshopDump) -> None:
        """Write the workshop with everything in the dump, in one atomic step:
        no process finds it until all of it is there. Each board becomes its
        room's snapshot. Raises StoreError, writing nothing, if the workshop's
        id or join code exists, or one of its participant ids is another
        workshop's."""


class Store(
    WorkshopStore, ControlStore, VoteStore, DraftStore, BinStore, DocLog, DumpStore, Protocol
):
    """A backend's storage side: workshops, control state, votes, drafts, the
    document log, and whole workshops for backups."""

    async def start(self) -> None:
        """Open connections and start background work (group commit, writers)."""

    async def close(self) -> None:
        """Write everything pending, then release resources. Idempotent."""

    def health(self) -> str | None:
        """None while the store works; otherwise why not, in plain words."""
