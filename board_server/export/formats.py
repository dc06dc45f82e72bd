"""Rendering outcomes as Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from board_server.export.outcomes import RoomOutcome
from board_server.model import Workshop

_LOOP_NAMES = {"R": "reinforcing", "B": "balancing"}


def _labels(outcome: RoomOutcome) -> dict[str, str]:
    return {factor["id"]: factor["label"] or factor["id"] for factor in outcome.factors}


def _note_text(note: dict[str, Any]) -> str:
    """A note as one line: picture notes lead with their emoji, sketches with "(drawing)"."""
    text = str(note["text"])
    if note["kind"] == "emoji":
        return f"{note['emoji']} {text}".strip() or "(picture note)"
    if note["kind"] == "sketch":
        return f"(drawing) {text}".strip()
    return text or f"({note['kind']} note)"


def to_json(workshop: Workshop, rooms: list[RoomOutcome]) -> str:
    """Everything, machine-readable."""
    data = {
        "workshop": {"id": workshop.id, "title": workshop.title},
        "rooms": [
            {
                "id": room.room_id,
                "name": room.room_name,
                "notes": room.notes,
                "clusters": room.clusters,
                "factors": room.factors,
                "links": room.links,
                "loops": [
                    {
                        "type": loop.kind,
                        "factors": list(loop.factors),
                        "links": list(loop.links),
                        "delayed": loop.delayed,
                    }
                    for loop in room.loops
                ],
                "votes": room.votes,
                "actions": room.actions,
            }
            for room in rooms
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_markdown(workshop: Workshop, rooms: list[RoomOutcome]) -> str:
    """A readable report per room: clusters and notes, factors, links and
    loops, votes, and the action cards."""
    lines = [f"# {workshop.title}", ""]
    for room in rooms:
        lines += [f"## {room.room_name}", ""]
        titles = {cluster["id"]: cluster["title"] for cluster in room.clusters}
        groups: dict[str, list[dict[str, Any]]] = {cid: [] for cid in titles}
        loose: list[dict[str, Any]] = []
        for note in room.notes:
            groups.get(note["cluster"], loose).append(note)
        for cluster_id, notes in groups.items():
            lines.append(f"### {titles[cluster_id] or 'Untitled cluster'}")
            lines += [f"- {_note_text(note)}" for note in notes] + [""]
        if loose:
            lines.append("### Notes not in a cluster")
            lines += [f"- {_note_text(note)}" for note in loose] + [""]
        if room.factors:
            labels = _labels(room)
            lines.append("### System map")
            for link in room.links:
                mark = " (delayed)" if link["delay"] else ""
                label = f": {link['label']}" if link["label"] else ""
                lines.append(
                    f"- {labels[link['from']]} → {labels[link['to']]} "
                    f"({link['polarity']}){mark}{label}"
                )
            lines.append("")
        if room.loops:
            lines.append("### Feedback loops")
            counters = {"R": 0, "B": 0}
            for loop in room.loops:
                counters[loop.kind] += 1
                labels = _labels(room)
                path = " → ".join(labels[f] for f in (*loop.factors, loop.factors[0]))
                delay = ", with a delay" if loop.delayed else ""
                lines.append(
                    f"- {loop.kind}{counters[loop.kind]} ({_LOOP_NAMES[loop.kind]}{delay}): {path}"
                )
            lines.append("")
        for number, vote in enumerate(room.votes, start=1):
            lines += _vote_lines(number, vote)
        if room.actions:
            lines += _action_lines(room.actions)
    return "\n".join(lines)


_MODES = {"dots": "dots", "budget": "budget", "scale": "agreement, 1 to 5"}


def _vote_lines(number: int, vote: dict[str, Any]) -> list[str]:
    """A closed vote as a ranked list; on the scale with each score's count."""
    people = "person" if vote["voters"] == 1 else "people"
    shown = "" if vote.get("revealed", True) else "; not revealed in the room"
    lines = [f"### Vote {number} ({_MODES[vote['mode']]}, {vote['voters']} {people}{shown})"]
    unit = vote["unit"]
    for entry in vote["ranked"]:
        if vote["mode"] == "scale":
            counts = ", ".join(f"{score}: {n}" for score, n in enumerate(entry["spread"], 1) if n)
            lines.append(f"{entry['rank']}. {entry['label']}: mean {entry['mean']} ({counts})")
        else:
            lines.append(f"{entry['rank']}. {entry['label']}: {unit}{entry['total']}")
    return [*lines, ""]


_ACTION_LABELS = (
    ("First step (within 48 hours)", "step"),
    ("Who", "who"),
    ("By when", "when"),
    ("Needs", "cost"),
)


def _one_line(words: str) -> str:
    """Words typed over several lines, as one line of a list."""
    return " ".join(words.split())


def _action_lines(actions: list[dict[str, Any]]) -> list[str]:
    """Each card as a numbered idea with its first step, who, when and needs."""
    lines = ["### Actions", ""]
    for number, card in enumerate(actions, start=1):
        lines.append(f"{number}. **{_one_line(card['idea']) or '(no idea written yet)'}**")
        for label, key in _ACTION_LABELS:
            lines.append(f"   - {label}: {_one_line(card[key]) or '(not written yet)'}")
    return [*lines, ""]


def to_csv(workshop: Workshop, rooms: list[RoomOutcome]) -> str:
    """One row per note, factor, link, loop and action card, for analysis in a
    spreadsheet; an action's idea is its text, its other fields the last columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["room", "kind", "id", "text", "cluster", "from", "to", "polarity", "delay",
         "first step", "who", "by when", "needs"]
    )  # fmt: skip
    for room in rooms:
        titles = {cluster["id"]: cluster["title"] for cluster in room.clusters}
        labels = _labels(room)
        for note in room.notes:
            cluster = titles.get(note["cluster"], "")
            writer.writerow([room.room_name, "note", note["id"], _note_text(note), cluster])
        for factor in room.factors:
            writer.writerow([room.room_name, "factor", factor["id"], factor["label"]])
        for link in room.links:
            writer.writerow(
                [
                    room.room_name, "link", link["id"], link["label"], "",
                    labels[link["from"]], labels[link["to"]], link["polarity"],
                    "yes" if link["delay"] else "no",
                ]
            )  # fmt: skip
        for index, loop in enumerate(room.loops, start=1):
            path = " → ".join(labels[f] for f in loop.factors)
            writer.writerow(
                [room.room_name, f"loop {loop.kind}", f"loop{index}", path, "", "", "",
                 loop.kind, "yes" if loop.delayed else "no"]
            )  # fmt: skip
        for card in room.actions:
            writer.writerow(
                [room.room_name, "action", card["id"], card["idea"], "", "", "", "", "",
                 card["step"], card["who"], card["when"], card["cost"]]
            )  # fmt: skip
    return out.getvalue()
