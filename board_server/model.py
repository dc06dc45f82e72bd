"""Plain data types shared by storage, workshop logic and the API.

This is the bottom layer: it imports nothing of ours.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    """What a token lets its holder do."""

    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    VIEWER = "viewer"
    OBSERVER = "observer"

    @property
    def read_only(self) -> bool:
        """True for roles whose board writes the server must drop."""
        return self in (Role.VIEWER, Role.OBSERVER)


@dataclass(frozen=True)
class RoomInfo:
    """A breakout room of a workshop; each room has one board document."""

    id: str
    name: str


@dataclass(frozen=True)
class Workshop:
    """A facilitated session: a title, a join code and its breakout rooms."""

    id: str
    title: str
    join_code: str
    created: float
    rooms: tuple[RoomInfo, ...]
    room_capacity: int = 10

    def room(self, room_id: str) -> RoomInfo | None:
        """The room with this id, or None."""
        for room in self.rooms:
            if room.id == room_id:
                return room
        return None


@dataclass(frozen=True)
class Participant:
    """Someone who joined with the code; the name may be a nickname.

    They hold a seat in their room from the moment they join. Once their
    tablet has connected (``connected``), the seat is theirs until they leave
    (``left``), however long they are offline; a join whose tablet never
    connects gives its seat back after a grace period (see ``holds_seat``).
    """

    id: str
    workshop_id: str
    room_id: str
    name: str
    created: float
    connected: float | None = None
    left: float | None = None

    def holds_seat(self, lapse_before: float) -> bool:
        """Whether this participant counts in its room's headcount, given that
        seats of joins made before lapse_before that never connected have lapsed."""
        if self.left is not None:
            return False
        return self.connected is not None or self.created >= lapse_before


@dataclass(frozen=True)
class RoomKey:
    """Names one room's board document across the whole deployment."""

    workshop_id: str
    room_id: str

    def __str__(self) -> str:
        return f"{self.workshop_id}/{self.room_id}"


@dataclass
class StoredDoc:
    """A board document as the store holds it: a snapshot plus the updates after it.

    ``cursor`` names the position in the room's log of the last update here
    (or of the snapshot's end when there are none): a reader that follows the
    log from it misses nothing and sees nothing twice.
    """

    snapshot: bytes | None = None
    updates: list[bytes] = field(default_factory=list)
    cursor: str = ""


@dataclass(frozen=True)
class Versioned:
    """A workshop's control state as the store keeps it: opaque bytes and a
    version that grows by one with every write (0: nothing stored yet)."""

    version: int
    data: bytes


@dataclass(frozen=True)
class AuditEntry:
    """One facilitator action: who, what, when and which room."""

    at: float
    actor: str
    actor_id: str
    action: str
    room: str | None
    detail: str


VOTE_MODES = ("dots", "budget", "scale")
SCALE_TOP = 5
"""The agreement scale runs from 1 to SCALE_TOP."""


@dataclass(frozen=True)
class VoteKey:
    """Names one vote (in one room) across the whole deployment."""

    workshop_id: str
    vote_id: str

    def __str__(self) -> str:
        return f"{self.workshop_id}/{self.vote_id}"


@dataclass(frozen=True)
class VoteRules:
    """What one cast may do. ``dots`` and ``budget``: a cast adds ``amount``
    (negative: takes back) to an item, each person gives at most ``budget`` in
    all and ``cap`` to one item. ``scale``: a cast sets the person's score of
    an item, 1 to SCALE_TOP, or 0 to clear it; budget and cap are unused."""

    mode: str
    budget: int = 0
    cap: int = 0


@dataclass(frozen=True)
class CastResult:
    """What a cast did. ``refused`` is None, ``over_budget`` (the budget or the
    per-item cap), ``invalid`` (taking back more than was given, a score out
    of range) or ``closed``; ``ballot`` is the caster's amounts per item after
    it (unchanged when refused)."""

    refused: str | None
    ballot: dict[str, int]


@dataclass(frozen=True)
class Tally:
    """A closed vote's results, with nobody's ballot in them: per item the sum
    of what was given (scale: of the scores), and on the scale how many gave
    each score (``spread[item][s - 1]`` for score s); ``voters`` counts the
    people whose ballot was not empty."""

    totals: dict[str, int]
    spread: dict[str, tuple[int, ...]]
    voters: int
    named: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    """Only for a vote that is not anonymous: per item, who gave what, as
    (voter id, amount) pairs sorted by voter id. Empty otherwise."""


@dataclass(frozen=True)
class Draft:
    """A note written in private mode, held by the server until the reveal.

    ``body`` is the note's content as ``workshop/drafts.py`` packs it; the
    store keeps it opaque. ``sealed`` marks a draft that a reveal has taken:
    its author can no longer change it, and it is dropped once it is on the
    board."""

    id: str
    room_id: str
    author: str
    created: float
    body: bytes
    sealed: bool = False


@dataclass(frozen=True)
class BinEntry:
    """A note the facilitator hid: off every board, kept for the facilitator
    alone until restored or until the workshop is deleted.

    ``body`` is the note as ``workshop/moderation.py`` packs it; the store
    keeps it opaque."""

    room_id: str
    note_id: str
    hidden_at: float
    body: bytes


BOARD_ROOTS = ("notes", "clusters", "nodes", "links", "actions", "buildons", "strokes", "meta")
"""The roots of a board document (docs/schema.md); each is a Y.Map of entries."""

BOARD_TEXTS: dict[str, frozenset[str]] = {
    "notes": frozenset({"text"}),
    "clusters": frozenset({"title"}),
    "nodes": frozenset({"label"}),
    "actions": frozenset({"idea", "step", "who", "when", "cost"}),
}
"""Per root, the entry fields that are Y.Text; every other field is a plain value."""
