"""Private drafts: what a draft may hold, its wire form, and how a reveal
turns drafts into notes. Pure, apart from building one Yjs update.

A draft's content (``Draft.body``) is a msgpack map ``{"kind", "text",
"emoji"?, "strokes"?, "keep"?, "updated"}``, the fields of a note of that kind in
docs/schema.md. The server writes revealed notes itself, from a document of
its own with a fresh client id, so that no Yjs item of a revealed note
carries the client id of the tablet that wrote it.
"""

from __future__ import annotations

import math
import random
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import msgpack
from pycrdt import Doc, Map, Text

from board_server.errors import BoardError
from board_server.model import Draft

KINDS = ("text", "emoji", "sketch")
MAX_TEXT = 1000
MAX_EMOJI = 16
MAX_STROKES = 200
MAX_POINTS = 20_000
"""Numbers in all of a sketch's strokes together."""
MAX_DRAFTS = 100
"""Waiting drafts per person."""
SKETCH_W, SKETCH_H = 220, 110

# As the tablets draw them (client/src/notes.js, clusters.js, actions.js, placement.js).
NOTE_W = NOTE_H = 220
CARD_W, CARD_H = 300, 380
GAP = 16
FRAME_PAD = 16
FRAME_TITLE = 56
COLORS = ("#ffe066", "#ffb3c1", "#b2f2bb", "#a5d8ff", "#ffd8a8", "#d0bfff")

Box = tuple[float, float, float, float]
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


def new_id() -> str:
    """A draft's id; the note it becomes on reveal has the same id."""
    return secrets.token_urlsafe(9)


def _text(args: Mapping[str, Any]) -> str:
    text = args.get("text", "")
    if not isinstance(text, str):
        raise BoardError("invalid", "'text' must be text.")
    if len(text) > MAX_TEXT:
        raise BoardError("invalid", f"'text' is longer than {MAX_TEXT} characters.")
    return text


def _strokes(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_STROKES:
        raise BoardError("invalid", f"'strokes' must be a list of 1 to {MAX_STROKES} strokes.")
    strokes: list[dict[str, Any]] = []
    numbers = 0
    for stroke in value:
        points = stroke.get("points") if isinstance(stroke, dict) else None
        if (
            not isinstance(points, list)
            or len(points) < 2
            or len(points) % 2
            or not all(
                isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p)
                for p in points
            )
        ):
            raise BoardError("invalid", "Each stroke needs 'points': x and y numbers in pairs.")
        numbers += len(points)
        if numbers > MAX_POINTS:
            raise BoardError("invalid", f"A sketch holds at most {MAX_POINTS} numbers.")
        color = stroke.get("color", "#111111")
        width = stroke.get("width", 4)
        if not isinstance(color, str) or not _COLOR.fullmatch(color):
            raise BoardError("invalid", "A stroke's 'color' is a colour such as #112233.")
        if not isinstance(width, (int, float)) or isinstance(width, bool) or not 1 <= width <= 20:
            raise BoardError("invalid", "A stroke's 'width' is 1 to 20.")
        clamped = [
            min(max(float(p), 0.0), float(SKETCH_W if i % 2 == 0 else SKETCH_H))
            for i, p in enumerate(points)
        ]
        strokes.append({"points": clamped, "color": color, "width": width})
    return strokes


def parse_new(args: Mapping[str, Any]) -> dict[str, Any]:
    """The content of a new draft, from ``draft.add``'s arguments."""
    kind = args.get("kind", "text")
    if kind not in KINDS:
        raise BoardError("invalid", f"'kind' must be one of {', '.join(KINDS)}.")
    body: dict[str, Any] = {"kind": kind, "text": _text(args)}
    if kind == "emoji":
        emoji = args.get("emoji")
        if not isinstance(emoji, str) or not 1 <= len(emoji) <= MAX_EMOJI:
            raise BoardError("invalid", f"'emoji' must be 1 to {MAX_EMOJI} characters.")
        body["emoji"] = emoji
    elif kind == "sketch":
        body["strokes"] = _strokes(args.get("strokes"))
    return body


def parse_edit(args: Mapping[str, Any]) -> tuple[str, str]:
    """``draft.edit``'s draft id and new text."""
    return draft_id(args), _text(args)


def draft_id(args: Mapping[str, Any]) -> str:
    value = args.get("draft")
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise BoardError("invalid", "Say which note: 'draft'.")
    return value


def pack(body: Mapping[str, Any]) -> bytes:
    data: bytes = msgpack.packb(dict(body))
    return data


def unpack(data: bytes) -> dict[str, Any]:
    body: dict[str, Any] = msgpack.unpackb(data)
    return body


def wire(draft: Draft) -> dict[str, Any]:
    """DRAFT as docs/protocol.md defines it (for its author only)."""
    return {"id": draft.id, "room": draft.room_id, "created": draft.created, **unpack(draft.body)}


def is_empty(body: Mapping[str, Any]) -> bool:
    """A text draft with no words: a reveal drops it."""
    return body.get("kind", "text") == "text" and not str(body.get("text", "")).strip()


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def _boxes(doc: Doc[Any]) -> list[Box]:
    """Every note, action card and group frame, as the tablets draw them."""
    notes = doc.get("notes", type=Map)
    boxes: list[Box] = []
    for card in doc.get("actions", type=Map).values():
        if isinstance(card, Map):
            boxes.append((_number(card.get("x")), _number(card.get("y")), CARD_W, CARD_H))
    members: dict[str, list[tuple[float, float]]] = {}
    for note in notes.values():
        if not isinstance(note, Map):
            continue
        x, y = _number(note.get("x")), _number(note.get("y"))
        boxes.append((x, y, NOTE_W, NOTE_H))
        cluster = note.get("cluster")
        if isinstance(cluster, str) and cluster:
            members.setdefault(cluster, []).append((x, y))
    for spots in members.values():
        left = min(x for x, _ in spots)
        top = min(y for _, y in spots)
        right = max(x for x, _ in spots) + NOTE_W
        bottom = max(y for _, y in spots) + NOTE_H
        boxes.append(
            (left - FRAME_PAD, top - FRAME_PAD - FRAME_TITLE,
             right - left + 2 * FRAME_PAD, bottom - top + 2 * FRAME_PAD + FRAME_TITLE)
        )  # fmt: skip
    return boxes


def spots(boxes: Sequence[Box], n: int) -> list[tuple[float, float]]:
    """Where n revealed notes go: together, in a block of grid slots below
    everything on the board, so that they cover nothing and read as one
    batch. Up to 8 across; fewer for a few notes."""
    if n <= 0:
        return []
    bottom = max((y + h for _, y, _, h in boxes), default=0.0)
    step_x, step_y = NOTE_W + GAP, NOTE_H + GAP
    top = max(GAP, bottom + GAP)
    cols = min(8, max(4, math.ceil(math.sqrt(n))))
    return [(GAP + (i % cols) * step_x, top + (i // cols) * step_y) for i in range(n)]


def server_doc(state: bytes, rng: random.Random) -> Doc[Any]:
    """A copy of a board whose whole state is ``state``, under a client id
    that is new: what the server writes there names no tablet."""
    doc: Doc[Any] = Doc(client_id=rng.randrange(1, 2**53))
    doc.apply_update(state)
    return doc


def reveal_update(
    state: bytes,
    drafts: Sequence[Draft],
    *,
    names: Mapping[str, str] | None,
    now_ms: int,
    rng: random.Random,
) -> tuple[bytes, int]:
    """The Yjs update that puts these drafts on a board whose whole state is
    ``state``, and how many notes it adds. Empty text drafts are left out;
    a draft whose note is already there (a reveal cut short) is skipped.
    ``names`` (author id → name) only when the workshop chose named notes.

    The notes are written in a random order, all with the same ``created``,
    from a document whose client id is new: nothing in the update tells who
    wrote which, or in what order."""
    doc = server_doc(state, rng)
    notes = doc.get("notes", type=Map)
    chosen = [d for d in drafts if d.id not in notes and not is_empty(unpack(d.body))]
    rng.shuffle(chosen)
    if not chosen:
        return b"", 0
    before = doc.get_state()
    places = spots(_boxes(doc), len(chosen))
    with doc.transaction(origin="reveal"):
        for draft, (x, y) in zip(chosen, places, strict=True):
            body = unpack(draft.body)
            fields: dict[str, Any] = {
                "text": Text(str(body.get("text", ""))),
                "x": x,
                "y": y,
                "placed": True,
                "color": rng.choice(COLORS),
                "kind": body.get("kind", "text"),
                "cluster": "",
                "created": now_ms,
            }
            if "emoji" in body:
                fields["emoji"] = body["emoji"]
            if "strokes" in body:
                fields["strokes"] = body["strokes"]
            if names is not None and draft.author in names:
                fields["author"] = names[draft.author]
            if body.get("keep") is True:
                # With the note itself, so that every process withholds it
                # from observers from the moment it arrives.
                fields["keep"] = True
            notes[draft.id] = Map(fields)
    return doc.get_update(before), len(chosen)
