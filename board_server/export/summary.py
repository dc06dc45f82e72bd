"""What the report says across rooms: the top ideas and the action plan.

Rooms may vote in different ways (dots, a budget, the agreement scale), so
their totals are not comparable. The workshop's top ideas are therefore
each room's first three from its last vote, ordered by the share of that
vote they received (on the agreement scale: the average score out of 5),
and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from board_server.export.gather import Gathered

if TYPE_CHECKING:
    from board_server.export.themes import Theme

TOP_PER_ROOM = 3


@dataclass(frozen=True)
class TopIdea:
    """One of a room's first ideas in its last vote."""

    room: str
    label: str
    mode: str
    total: float
    share: float
    """Of the vote's total (dots, budget), or the average score / 5 (scale)."""
    mean: float | None
    rank: int
    unit: str


def top_ideas(data: Gathered) -> list[TopIdea]:
    """Each room's first ideas from its last vote, by share, then room order."""
    found: list[tuple[float, int, int, TopIdea]] = []
    for order, room in enumerate(data.rooms):
        votes = [vote for vote in room.outcome.votes if vote["ranked"]]
        if not votes:
            continue
        vote = votes[-1]
        whole = sum(entry["total"] for entry in vote["ranked"]) or 1
        for entry in vote["ranked"][:TOP_PER_ROOM]:
            if vote["mode"] == "scale":
                mean = entry["mean"]
                share = (mean or 0) / 5
            else:
                mean = None
                share = entry["total"] / whole
            idea = TopIdea(room.outcome.room_name, entry["label"], vote["mode"], entry["total"],
                           share, mean, entry["rank"], vote["unit"])  # fmt: skip
            found.append((-share, order, entry["rank"], idea))
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found]


def how_much(idea: TopIdea) -> str:
    """What an idea got, in words."""
    if idea.mode == "scale":
        return f"average agreement {idea.mean} of 5"
    share = round(idea.share * 100)
    if idea.mode == "budget":
        return f"{idea.unit}{_number(idea.total)}, {share}% of the room's budget"
    dots = "dot" if idea.total == 1 else "dots"
    return f"{_number(idea.total)} {dots}, {share}% of the room's dots"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def action_plan(data: Gathered) -> list[tuple[str, dict[str, Any]]]:
    """Every action card of every room, room by room, with its room's name."""
    return [(room.outcome.room_name, card) for room in data.rooms for card in room.outcome.actions]


def themes_of(data: Gathered) -> list[Theme]:
    """What several rooms arrived at on their own: their notes, group titles
    and factor labels, compared by meaning (export/themes.py, imported here:
    numpy and the model load only for an export that needs them)."""
    from board_server.export.themes import ThemeItem, find_themes

    items: list[ThemeItem] = []
    for room in data.rooms:
        outcome = room.outcome
        here = (outcome.room_id, outcome.room_name)
        items += [ThemeItem(*here, "note", n["id"], n["text"]) for n in outcome.notes]
        items += [ThemeItem(*here, "group", c["id"], c["title"]) for c in outcome.clusters]
        items += [ThemeItem(*here, "factor", f["id"], f["label"]) for f in outcome.factors]
    return find_themes(items)
