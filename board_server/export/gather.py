"""Everything an export needs of one workshop, read from the store once.

Every renderer (Markdown, CSV, JSON, SVG, PDF) works from a ``Gathered``,
so that they all show the same things and withhold the same things: each
room's board passes ``visibility.for_outside`` (the observers' filter)
before anything else reads it, and votes drop the items it withheld.
Names are only in it when the workshop chose named notes and the caller
asked for them (``include_names``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from board_server.export.outcomes import RoomOutcome, add_votes, room_outcome
from board_server.model import RoomKey, VoteKey, Workshop
from board_server.rooms import doc_from_stored
from board_server.storage import Store
from board_server.workshop.control import Control
from board_server.workshop.visibility import Board, board_of, for_outside
from board_server.workshop.voting import results

AUDIT_LIMIT = 100_000
"""Audit entries read for the agenda as it ran: all of them, in practice."""


@dataclass(frozen=True)
class AgendaStep:
    """A phase change as it happened: when, which room (None: every room), what."""

    at: float
    room: str | None
    title: str


@dataclass
class RoomReport:
    """One room: its outcome records, the board they came from, and context."""

    outcome: RoomOutcome
    board: Board
    """The filtered board (for pictures): what observers may see."""
    prompt: str
    people: int
    """People whose tablet joined, counted in the room they ended in."""
    authors: dict[str, str] = field(default_factory=dict)
    """Note id → author's name; empty unless names are included."""


@dataclass
class Gathered:
    """A workshop, ready to render."""

    workshop: Workshop
    generated: float
    agenda: list[AgendaStep]
    rooms: list[RoomReport]
    named: bool
    """The workshop chose named notes and the export includes the names."""


async def gather(
    store: Store, workshop: Workshop, *, include_names: bool = False, now: float | None = None
) -> Gathered:
    """Read the workshop's rooms, votes, people and agenda from the store."""
    stored_control = await store.get_control(workshop.id)
    control = Control.from_bytes(stored_control.data) if stored_control else Control()
    named = include_names and not control.anonymous
    people: dict[str, int] = {}
    for participant in await store.list_participants(workshop.id):
        if participant.connected is not None:
            people[participant.room_id] = people.get(participant.room_id, 0) + 1
    rooms: list[RoomReport] = []
    for room in workshop.rooms:
        stored = await store.load_doc(RoomKey(workshop.id, room.id))
        raw = board_of(doc_from_stored(stored))
        settings = control.room(room.id)
        board = for_outside(raw, frozenset(settings.kept + settings.hidden))
        outcome = room_outcome(room.id, room.name, board)
        add_votes(outcome, await _votes(store, workshop.id, room.id, control))
        _drop_withheld_items(outcome)
        authors = _authors(raw, board) if named else {}
        rooms.append(RoomReport(outcome, board, settings.prompt, people.get(room.id, 0), authors))
    agenda = await _agenda(store, workshop, control)
    generated = time.time() if now is None else now
    return Gathered(workshop, generated, agenda, rooms, named)


async def _votes(
    store: Store, workshop_id: str, room_id: str, control: Control
) -> list[dict[str, Any]]:
    """The room's closed votes' results, oldest first (an open vote has none)."""
    found: list[dict[str, Any]] = []
    current = control.votes.get(room_id)
    for vote in (*control.past_votes.get(room_id, ()), *([current] if current else [])):
        tally = await store.get_tally(VoteKey(workshop_id, vote.id))
        if tally is not None:
            found.append({**results(room_id, vote, tally), "revealed": vote.state == "revealed"})
    return found


def _drop_withheld_items(outcome: RoomOutcome) -> None:
    """A vote's items that the filter withheld (hidden, stays in the room) or
    that were deleted leave its ranking, which is numbered again."""
    shown_notes = {note["id"] for note in outcome.notes}
    shown_groups = {cluster["id"] for cluster in outcome.clusters}
    for vote in outcome.votes:
        shown = shown_groups if vote["items"] == "groups" else shown_notes
        ranked = [entry for entry in vote["ranked"] if entry["item"] in shown]
        for rank, entry in enumerate(ranked, start=1):
            entry["rank"] = rank
        vote["left_out"] = len(vote["ranked"]) - len(ranked)
        vote["ranked"] = ranked


def _authors(raw: Board, shown: Board) -> dict[str, str]:
    """The names on the notes that are shown (named notes only)."""
    authors: dict[str, str] = {}
    for note_id in shown.get("notes", {}):
        note = raw.get("notes", {}).get(note_id)
        if isinstance(note, dict) and isinstance(note.get("author"), str) and note["author"]:
            authors[note_id] = note["author"]
    return authors


async def _agenda(store: Store, workshop: Workshop, control: Control) -> list[AgendaStep]:
    """The phase changes from the audit trail, oldest first."""
    names = {room.id: room.name for room in workshop.rooms}
    steps: list[AgendaStep] = []
    for entry in reversed(await store.list_audit(workshop.id, AUDIT_LIMIT)):
        if entry.action != "phase.set":
            continue
        title = entry.detail.removeprefix("phase: ")
        if title == "no phase":
            title = "No phase (everything open)"
        room = names.get(entry.room, entry.room) if entry.room is not None else None
        steps.append(AgendaStep(entry.at, room, title))
    return steps
