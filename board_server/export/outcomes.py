"""Reading a room's board document into plain outcome records."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from board_server.workshop.loops import Link, Loop, find_loops
from board_server.workshop.visibility import Board

ACTION_FIELDS = ("idea", "step", "who", "when", "cost")
"""An action card's words (docs/schema.md): the idea, the first step within
48 hours, who takes it (a role), by when, and what it needs."""


@dataclass
class RoomOutcome:
    """What one room produced: notes by cluster, the system map and its loops,
    votes, and the action cards."""

    room_id: str
    room_name: str
    notes: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    factors: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    votes: list[dict[str, Any]] = field(default_factory=list)
    """Closed votes' ranked results (workshop/voting.results), oldest first;
    each item has a ``label``: its note's text or its group's title."""
    actions: list[dict[str, Any]] = field(default_factory=list)
    """Action cards in created order, then id: ``id``, the ``ACTION_FIELDS``
    as plain strings, ``note``, the id of the note it was made from or "",
    and ``created`` (ms since the epoch, or None)."""


def _entries(board: Board, name: str) -> dict[str, dict[str, Any]]:
    root = board.get(name) or {}
    return {key: value for key, value in root.items() if isinstance(value, dict)}


def _number(value: Any) -> float | None:
    """A finite number from the board, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _by_created(items: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return sorted(items.items(), key=lambda kv: (_number(kv[1].get("created")) or 0.0, kv[0]))


def _from_first_made(loop: Loop, made: dict[str, int]) -> Loop:
    """The loop turned to start at its oldest factor (links[i] leaves factors[i])."""
    first = min(range(len(loop.factors)), key=lambda i: made.get(loop.factors[i], 0))
    factors = loop.factors[first:] + loop.factors[:first]
    return replace(loop, factors=factors, links=loop.links[first:] + loop.links[:first])


def room_outcome(room_id: str, room_name: str, board: Board) -> RoomOutcome:
    """Plain records of a board as plain data (``visibility.board_of``, after
    ``visibility.for_outside``); unknown fields are ignored."""
    outcome = RoomOutcome(room_id, room_name)
    for note_id, note in _by_created(_entries(board, "notes")):
        record: dict[str, Any] = {
            "id": note_id,
            "text": str(note.get("text") or ""),
            "kind": str(note.get("kind") or "text"),
            "emoji": str(note.get("emoji") or ""),
            "cluster": str(note.get("cluster") or ""),
            "created": _number(note.get("created")),
        }
        strokes = note.get("strokes")
        if record["kind"] == "sketch" and isinstance(strokes, list):
            record["strokes"] = strokes  # the drawing, as the board stores it
        outcome.notes.append(record)
    for cluster_id, cluster in _by_created(_entries(board, "clusters")):
        outcome.clusters.append({"id": cluster_id, "title": str(cluster.get("title") or "")})
    for node_id, node in _by_created(_entries(board, "nodes")):
        outcome.factors.append(
            {
                "id": node_id,
                "label": str(node.get("label") or ""),
                "description": str(node.get("description") or ""),
            }
        )
    factor_ids = {factor["id"] for factor in outcome.factors}
    links = []
    for link_id, link in _by_created(_entries(board, "links")):
        source, target = str(link.get("from") or ""), str(link.get("to") or "")
        if source not in factor_ids or target not in factor_ids:
            continue
        polarity = "-" if link.get("polarity") == "-" else "+"
        delay = bool(link.get("delay"))
        outcome.links.append(
            {
                "id": link_id,
                "from": source,
                "to": target,
                "polarity": polarity,
                "delay": delay,
                "label": str(link.get("label") or ""),
            }
        )
        links.append(Link(link_id, source, target, polarity, delay))
    # Each loop reads from its oldest factor, as people built it (ids are
    # random); the factors are in the order they were made.
    made = {factor["id"]: index for index, factor in enumerate(outcome.factors)}
    outcome.loops = [_from_first_made(loop, made) for loop in find_loops(links)]
    for card_id, card in _by_created(_entries(board, "actions")):
        words = {key: str(card.get(key) or "").strip() for key in ACTION_FIELDS}
        outcome.actions.append(
            {"id": card_id, **words, "note": str(card.get("note") or ""),
             "created": _number(card.get("created"))}
        )  # fmt: skip
    return outcome


def add_votes(outcome: RoomOutcome, votes: list[dict[str, Any]]) -> None:
    """Attach closed votes' results, naming each item by what it is on the board."""
    texts = {note["id"]: note["text"] or note["emoji"] or f"({note['kind']} note)"
             for note in outcome.notes}  # fmt: skip
    titles = {cluster["id"]: cluster["title"] or "Untitled group" for cluster in outcome.clusters}
    for result in votes:
        names = titles if result["items"] == "groups" else texts
        ranked = [{**entry, "label": names.get(entry["item"], "(removed since)")}
                  for entry in result["ranked"]]  # fmt: skip
        outcome.votes.append({**result, "ranked": ranked})
