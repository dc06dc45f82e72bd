"""One workshop as a single value: what ``Store.dump_workshop`` reads and
``Store.load_workshop`` writes, for backups (``board_server/backup.py``).

Every field is in a canonical form, so that a dump loaded into another store,
of either kind, dumps again equal: lists in a fixed order, and each room's
board as one Yjs update.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc

from board_server.model import (
    AuditEntry,
    BinEntry,
    Draft,
    Participant,
    StoredDoc,
    Tally,
    Versioned,
    Workshop,
)

_FATAL = (KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit)

Ballots = dict[str, dict[str, int]]
"""One open vote's ballots: participant id -> item -> amount (empty ballots left out)."""


@dataclass(frozen=True)
class WorkshopDump:
    """Everything a store keeps of one workshop, apart from presence (which
    is ephemeral) and the process-wide secrets."""

    workshop: Workshop
    participants: tuple[Participant, ...]
    """Oldest first (by ``created``, then id), those who left included."""
    boards: dict[str, bytes]
    """Room id -> the room's whole board as one Yjs update (v1); a room that
    has nothing stored is missing."""
    control: Versioned | None
    audit: tuple[AuditEntry, ...]
    """Every entry, oldest first."""
    ballots: dict[str, Ballots]
    """Vote id -> the ballots of a vote that is still open."""
    tallies: dict[str, Tally]
    """Vote id -> a closed vote's tally."""
    drafts: tuple[Draft, ...]
    """Waiting and sealed, oldest first (by ``created``, then id)."""
    bin: tuple[BinEntry, ...]
    """Oldest hide first, then by room and note (as ``bin_list``)."""
    last_active: float | None
    """When the workshop was last in use, if that was ever recorded."""


def board_update(stored: StoredDoc) -> bytes | None:
    """The stored document as one Yjs update, or None if nothing is stored.

    A snapshot with no updates after it is that snapshot, byte for byte, so
    a loaded board dumps again unchanged. Otherwise the document is rebuilt
    and encoded whole, as a compaction stores it (deleted text is not kept).
    Raises ValueError if the stored updates do not decode.
    """
    if not stored.updates:
        return stored.snapshot
    doc: Doc[Any] = Doc()
    try:
        if stored.snapshot is not None:
            doc.apply_update(stored.snapshot)
        for update in stored.updates:
            doc.apply_update(update)
    except BaseException as exc:
        # yrs can raise a PanicException, which is not an Exception.
        if isinstance(exc, _FATAL):
            raise
        raise ValueError(f"its stored board does not decode: {exc}") from None
    return doc.get_update()


def boards(docs: Mapping[str, StoredDoc]) -> dict[str, bytes]:
    """Each room's board as one update (see ``board_update``), rooms with
    nothing stored left out. Raises ValueError naming the room that does not decode."""
    found: dict[str, bytes] = {}
    for room_id, stored in docs.items():
        try:
            board = board_update(stored)
        except ValueError as exc:
            raise ValueError(f"room {room_id}: {exc}") from None
        if board is not None:
            found[room_id] = board
    return found


def sorted_participants(found: Iterable[Participant]) -> tuple[Participant, ...]:
    """The dump's order of participants."""
    return tuple(sorted(found, key=lambda p: (p.created, p.id)))


def sorted_drafts(found: Iterable[Draft]) -> tuple[Draft, ...]:
    """The dump's order of drafts."""
    return tuple(sorted(found, key=lambda d: (d.created, d.id)))


def sorted_bin(found: Iterable[BinEntry]) -> tuple[BinEntry, ...]:
    """The dump's order of the bin."""
    return tuple(sorted(found, key=lambda e: (e.hidden_at, e.room_id, e.note_id)))
