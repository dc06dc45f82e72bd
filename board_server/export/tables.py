"""The workshop as spreadsheets: notes, the system map's links, action cards.

Three CSV files, each with a header row and the same columns on every row,
in UTF-8 with a byte-order mark, so that a spreadsheet opens arrows, emoji
and non-Latin text as they are. A cell that a spreadsheet would read as a
formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) gets a leading apostrophe, the escape spreadsheets themselves use:
``=HYPERLINK(...)`` on a note stays words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from board_server.export.gather import Gathered, RoomReport
from board_server.export.outcomes import RoomOutcome

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

NOTE_COLUMNS = (
    "room", "group", "text", "kind", "votes", "agreement average", "agreement 1-5",
    "created", "note id",
)  # fmt: skip
"""``votes``: what the note got in the room's last dots or budget vote on
notes; ``agreement``: the average and the count of each score (1 to 5) in
the room's last agreement vote on notes; blank where no such vote ran."""
LINK_COLUMNS = ("room", "from", "to", "polarity", "delay", "label", "loops", "link id")
POLARITY = {"+": "positive", "-": "negative"}
"""A link's polarity in words: a bare + or - is where a spreadsheet formula starts."""
ACTION_COLUMNS = (
    "room", "idea", "first step", "who", "by when", "needs", "from note", "created", "card id",
)  # fmt: skip
NAME_COLUMN = "written by"


def safe_cell(value: object) -> str:
    """A cell's text, with a leading apostrophe where a spreadsheet would
    otherwise take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        assert len(row) == len(header)
        writer.writerow([safe_cell(value) for value in row])
    return BOM + out.getvalue()


def when(ms: object) -> str:
    """A board time (ms since the epoch) as ISO 8601 in UTC, or "" if unknown."""
    if not isinstance(ms, (int, float)) or isinstance(ms, bool) or not ms > 0:
        return ""
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return ""


def note_words(note: dict[str, Any]) -> str:
    """A note as words: picture notes lead with their emoji, sketches say so."""
    text = str(note["text"])
    if note["kind"] == "emoji":
        return f"{note['emoji']} {text}".strip()
    if note["kind"] == "sketch":
        return f"(drawing) {text}".strip()
    return text


def last_vote(outcome: RoomOutcome, modes: tuple[str, ...]) -> dict[str, Any] | None:
    """The room's most recent closed vote on notes in one of these modes."""
    found: dict[str, Any] | None = None
    for vote in outcome.votes:
        if vote["items"] == "notes" and vote["mode"] in modes:
            found = vote
    return found


def loop_names(outcome: RoomOutcome) -> list[str]:
    """Each loop's name, R1, R2, B1…, numbered per kind in the loops' order."""
    counts = {"R": 0, "B": 0}
    names = []
    for loop in outcome.loops:
        counts[loop.kind] += 1
        names.append(f"{loop.kind}{counts[loop.kind]}")
    return names


def notes_csv(data: Gathered) -> str:
    """One row per note."""
    header = [*NOTE_COLUMNS, NAME_COLUMN] if data.named else list(NOTE_COLUMNS)
    return _csv(header, (row for room in data.rooms for row in _note_rows(room, data.named)))


def _note_rows(room: RoomReport, named: bool) -> Iterable[list[object]]:
    outcome = room.outcome
    titles = {cluster["id"]: cluster["title"] for cluster in outcome.clusters}
    dots = last_vote(outcome, ("dots", "budget"))
    scale = last_vote(outcome, ("scale",))
    totals = {entry["item"]: entry["total"] for entry in dots["ranked"]} if dots else {}
    spreads = {entry["item"]: entry for entry in scale["ranked"]} if scale else {}
    for note in outcome.notes:
        votes: object = totals.get(note["id"], 0) if dots else ""
        agreement = spreads.get(note["id"])
        average: object = ""
        spread = ""
        if agreement is not None:
            average = "" if agreement["mean"] is None else agreement["mean"]
            spread = " ".join(str(count) for count in agreement["spread"])
        row: list[object] = [
            outcome.room_name, titles.get(note["cluster"], ""), note_words(note), note["kind"],
            votes, average, spread, when(note.get("created")), note["id"],
        ]  # fmt: skip
        if named:
            row.append(room.authors.get(note["id"], ""))
        yield row


def links_csv(data: Gathered) -> str:
    """One row per link of the system maps, with the loops it belongs to."""
    rows: list[list[object]] = []
    for room in data.rooms:
        outcome = room.outcome
        labels = {f["id"]: f["label"] or "(unnamed factor)" for f in outcome.factors}
        names = loop_names(outcome)
        member: dict[str, list[str]] = {}
        for name, loop in zip(names, outcome.loops, strict=True):
            for link_id in loop.links:
                member.setdefault(link_id, []).append(name)
        for link in outcome.links:
            rows.append([
                outcome.room_name, labels[link["from"]], labels[link["to"]],
                POLARITY[link["polarity"]],
                "yes" if link["delay"] else "no", link["label"],
                "; ".join(member.get(link["id"], [])), link["id"],
            ])  # fmt: skip
    return _csv(LINK_COLUMNS, rows)


def actions_csv(data: Gathered) -> str:
    """One row per action card."""
    rows: list[list[object]] = []
    for room in data.rooms:
        outcome = room.outcome
        texts = {note["id"]: note_words(note) for note in outcome.notes}
        for card in outcome.actions:
            rows.append([
                outcome.room_name, card["idea"], card["step"], card["who"], card["when"],
                card["cost"], texts.get(card["note"], ""), when(card.get("created")), card["id"],
            ])  # fmt: skip
    return _csv(ACTION_COLUMNS, rows)


def csv_files(data: Gathered) -> dict[str, str]:
    """The three files by name."""
    return {"notes.csv": notes_csv(data), "links.csv": links_csv(data),
            "actions.csv": actions_csv(data)}  # fmt: skip
