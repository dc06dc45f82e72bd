"""The whole workshop as one JSON document, described by docs/export.schema.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from board_server.export.gather import Gathered, RoomReport
from board_server.export.tables import loop_names, when

if TYPE_CHECKING:
    from board_server.export.themes import Theme

FORMAT = "board-workshop-export"
VERSION = 1


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def to_json(data: Gathered, *, themes: Sequence[Theme] = ()) -> str:
    """Everything the exports show, machine-readable (docs/export.schema.json);
    ``themes``: what several rooms arrived at (export/themes.py)."""
    workshop = data.workshop
    document = {
        "format": FORMAT,
        "version": VERSION,
        "generated": _iso(data.generated),
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "created": _iso(workshop.created),
            "names_included": data.named,
        },
        "agenda": [
            {"at": _iso(step.at), "room": step.room, "phase": step.title} for step in data.agenda
        ],
        "rooms": [_room(room, data.named) for room in data.rooms],
        "themes": [
            {
                "label": theme.label,
                "rooms": list(theme.room_names),
                "items": [
                    {
                        "room": item.room_name,
                        "kind": item.kind,
                        "id": item.item_id,
                        "text": item.text,
                    }
                    for item in theme.items
                ],
                "method": theme.method,
            }
            for theme in themes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _room(room: RoomReport, named: bool) -> dict[str, Any]:
    outcome = room.outcome
    names = loop_names(outcome)
    member: dict[str, list[str]] = {}
    for name, loop in zip(names, outcome.loops, strict=True):
        for link_id in loop.links:
            member.setdefault(link_id, []).append(name)
    notes = []
    for note in outcome.notes:
        record: dict[str, Any] = {
            "id": note["id"],
            "text": note["text"],
            "kind": note["kind"],
            "emoji": note["emoji"],
            "group": note["cluster"] or None,
            "created": when(note["created"]) or None,
        }
        if "strokes" in note:
            record["strokes"] = note["strokes"]
        if named:
            record["author"] = room.authors.get(note["id"])
        notes.append(record)
    return {
        "id": outcome.room_id,
        "name": outcome.room_name,
        "prompt": room.prompt,
        "people": room.people,
        "notes": notes,
        "groups": [{"id": c["id"], "title": c["title"]} for c in outcome.clusters],
        "factors": outcome.factors,
        "links": [{**link, "loops": member.get(link["id"], [])} for link in outcome.links],
        "loops": [
            {
                "name": name,
                "type": loop.kind,
                "factors": list(loop.factors),
                "links": list(loop.links),
                "delayed": loop.delayed,
            }
            for name, loop in zip(names, outcome.loops, strict=True)
        ],
        "votes": [_vote(vote) for vote in outcome.votes],
        "actions": [{**card, "created": when(card["created"]) or None} for card in outcome.actions],
    }


def _vote(vote: dict[str, Any]) -> dict[str, Any]:
    ranked = []
    for entry in vote["ranked"]:
        item = {"rank": entry["rank"], "item": entry["item"], "label": entry["label"],
                "total": entry["total"]}  # fmt: skip
        if vote["mode"] == "scale":
            item["mean"] = entry["mean"]
            item["spread"] = entry["spread"]
        ranked.append(item)
    return {
        "vote": vote["vote"],
        "mode": vote["mode"],
        "items": vote["items"],
        "unit": vote["unit"],
        "voters": vote["voters"],
        "revealed": vote["revealed"],
        "left_out": vote.get("left_out", 0),
        "ranked": ranked,
    }
