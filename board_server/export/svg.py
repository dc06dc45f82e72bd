"""Pictures of a room for reports, as plain SVG 1.1: the board as people
arranged it (``board_svg``) and the system map with its loops (``map_svg``).

Both draw a board as plain data after ``visibility.for_outside``, so they
show only what observers may see, at the sizes the tablets use (client/src).
No scripts, nothing fetched, every text escaped; the same board gives the
same bytes. Each note, group, card, factor, arrow and loop is a group whose
id is made from the item's id (``svgtext.element_id``), its words in a <title>.
"""

from __future__ import annotations

import math
from typing import Any

from board_server.export.svgmap import arrow, factor, legend
from board_server.export.svgpage import (
    EDGE,
    MUTED,
    PAPER,
    SHADOW,
    Extent,
    coord,
    count,
    document,
    entries,
    finite,
    light_fill,
    nothing_yet,
    rect,
    safe_colour,
    words,
)
from board_server.export.svgtext import (
    Style,
    block,
    element_id,
    esc,
    graphemes,
    is_rtl,
    num,
    text_lines,
    wrap,
)
from board_server.workshop.loops import Loop
from board_server.workshop.visibility import Board

NOTE_W = NOTE_H = 220
SKETCH_W, SKETCH_H = 220, 110
FRAME_PAD, FRAME_TITLE_H = 16, 56
CARD_W, CARD_H = 300, 380
LANE_W, BUILDONS_SHOWN = 340, 40
PAD = 14
GAP = 80
"""Between the board and the build-on lane beside it."""
NOTE_COLOUR = "#ffe066"
LANE_FRAME = f'rx="10" fill="#f8f9fa" stroke="{EDGE}" stroke-dasharray="8 5"'
CARD_FIELDS = (
    ("step", "First step, within 48 hours"),
    ("who", "Who takes it"),
    ("when", "By when"),
    ("cost", "What it needs"),
)

NOTE_TEXT = Style(18, 23)
GROUP_NAME = Style(22, 26, bold=True)
CARD_HEAD = Style(15, 18, bold=True)
CARD_IDEA = Style(20, 24, bold=True)
CARD_LABEL = Style(13, 16, bold=True, fill=MUTED)
CARD_WORDS = Style(16, 19)
LANE_HEAD = Style(18, 22, bold=True)
LANE_FROM = Style(15, 18, bold=True, fill=MUTED)
LANE_WORDS = Style(16, 20)


def board_svg(board: Board, *, title: str) -> str:
    """The board as people arranged it: notes where they put them, group
    frames around them, action cards, and the build-on lane beside it all."""
    notes = [
        (key, note, coord(note.get("x")), coord(note.get("y")))
        for key, note in entries(board, "notes")
    ]
    cards = entries(board, "actions")
    lane = _buildons(board)
    if not notes and not cards and not lane:
        return nothing_yet(title, "No notes yet")
    extent = Extent()
    body: list[str] = []
    for cluster_id, cluster in entries(board, "clusters"):
        spots = [(x, y) for _, note, x, y in notes if note.get("cluster") == cluster_id]
        if spots:
            body.append(_frame(cluster_id, cluster, spots, extent))
    groups = len(body)
    for note_id, note, x, y in notes:
        extent.add(x, y, NOTE_W, NOTE_H)
        body.append(_note(note_id, note, x, y))
    for card_id, card in cards:
        x, y = coord(card.get("x")), coord(card.get("y"))
        extent.add(x, y, CARD_W, CARD_H)
        body.append(_card(card_id, card, x, y))
    summary = [count(len(notes), "note", "notes"), count(groups, "group", "groups")]
    summary.append(count(len(cards), "action card", "action cards"))
    if lane:
        body.append(_lane(lane, extent))
        summary.append(count(len(lane), "build-on", "build-ons"))
    return document(title, ", ".join(summary), body, extent)


def map_svg(board: Board, loops: list[Loop], *, title: str) -> str:
    """The system map: factors where people put them, arrows with their
    polarity and delays, and a legend of the feedback loops (R1, B1…)."""
    factors = entries(board, "nodes")
    if not factors:
        return nothing_yet(title, "No factors yet")
    spots = {key: (coord(node.get("x")), coord(node.get("y"))) for key, node in factors}
    labels = {key: words(node.get("label")) for key, node in factors}
    names = {key: label or "(unnamed factor)" for key, label in labels.items()}
    extent = Extent()
    # Arrows first, as on the tablets: the boxes lie over their ends.
    body: list[str] = []
    for link_id, link in entries(board, "links"):
        source, target = link.get("from"), link.get("to")
        if isinstance(source, str) and isinstance(target, str) and {source, target} <= spots.keys():
            between = (spots[source], spots[target], f"{names[source]} \u2192 {names[target]}")
            body.append(arrow(link_id, link, *between, extent, itself=source == target))
    arrows = len(body)
    for key, node in factors:
        body.append(factor(key, node, spots[key], labels[key], extent))
    body.append(legend(loops, names, extent))
    summary = [count(len(factors), "factor", "factors"), count(arrows, "arrow", "arrows")]
    summary.append(count(len(loops), "feedback loop", "feedback loops"))
    return document(title, ", ".join(summary), body, extent)


def _frame(
    cluster_id: str, cluster: dict[str, Any], spots: list[tuple[float, float]], extent: Extent
) -> str:
    """A group's frame around its notes (as client/src/untangle.js frameOf),
    its name in the bar above them."""
    xs, ys = [x for x, _ in spots], [y for _, y in spots]
    left, top = min(xs) - FRAME_PAD, min(ys) - FRAME_PAD - FRAME_TITLE_H
    w = max(xs) - min(xs) + NOTE_W + 2 * FRAME_PAD
    h = max(ys) - min(ys) + NOTE_H + 2 * FRAME_PAD + FRAME_TITLE_H
    extent.add(left, top, w, h)
    name = words(cluster.get("title"))
    shown, fill = (name, None) if name else ("Unnamed group", MUTED)
    return "".join(
        [
            f'<g id="{element_id("cluster", cluster_id)}"><title>{esc("Group: " + shown)}</title>',
            rect(left, top, w, h, f'rx="12" fill="#f1f3f5" stroke="{EDGE}" stroke-width="2"'),
            block(shown, GROUP_NAME, left + FRAME_PAD, top + 38, w - 2 * FRAME_PAD, fill=fill),
            "</g>",
        ]
    )


def _note(note_id: str, note: dict[str, Any], x: float, y: float) -> str:
    """A note in its colour: its words wrapped in the box, under its emoji or drawing."""
    kind = note.get("kind")
    text = words(note.get("text"))
    emoji = "".join(graphemes(words(note.get("emoji")))[:1]) if kind == "emoji" else ""
    if emoji:
        said = f"{emoji} {text}".strip()
    elif kind == "sketch":
        said = f"Drawing: {text}" if text else "Drawing"
    else:
        said = text or "Empty note"
    fill = light_fill(note.get("color"), NOTE_COLOUR)
    parts = [
        f'<g id="{element_id("note", note_id)}"><title>{esc(said)}</title>',
        rect(x + 3, y + 4, NOTE_W, NOTE_H, f'rx="4" fill="{SHADOW}"'),
        rect(x, y, NOTE_W, NOTE_H, f'rx="4" fill="{fill}" stroke="{EDGE}"'),
    ]
    top = y + PAD
    if emoji:
        size, baseline = (84, y + 104) if text else (100, y + 146)
        parts.append(
            f'<text x="{num(x + NOTE_W / 2)}" y="{num(baseline)}" font-size="{size}" '
            f'text-anchor="middle">{esc(emoji)}</text>'
        )
        top = y + 126
    elif kind == "sketch":
        parts.append(_sketch(note.get("strokes"), x + 8, y + 8))
        top = y + 118
    if text:
        baseline = top + NOTE_TEXT.size
        room = int((y + NOTE_H - PAD - baseline - 4) // NOTE_TEXT.line_height) + 1
        parts.append(block(text, NOTE_TEXT, x + PAD, baseline, NOTE_W - 2 * PAD, room))
    parts.append("</g>")
    return "".join(parts)


def _sketch(strokes: Any, x: float, y: float) -> str:
    """A sketch's strokes, scaled from their 220 x 110 box into the note and
    clipped to it; malformed strokes are left out, as the tablets do."""
    lines = []
    for stroke in strokes if isinstance(strokes, list) else []:
        points = stroke.get("points") if isinstance(stroke, dict) else None
        if not isinstance(points, list) or len(points) < 2:
            continue
        numbers = [n for n in map(finite, points) if n is not None]
        if len(numbers) != len(points):
            continue
        # Far outside the box is clipped anyway; bounded, no number needs an exponent.
        near = [max(-10 * SKETCH_W, min(10 * SKETCH_W, n)) for n in numbers]
        pairs = [f"{num(a)},{num(b)}" for a, b in zip(near[0::2], near[1::2], strict=False)]
        if len(pairs) == 1:
            pairs.append(pairs[0])  # a tap is a dot
        width = finite(stroke.get("width"))
        width = 4.0 if width is None else min(20.0, max(1.0, width))
        colour = safe_colour(stroke.get("color"), "#111111")
        lines.append(
            f'<polyline points="{" ".join(pairs)}" stroke="{colour}" stroke-width="{num(width)}"/>'
        )
    scale = (NOTE_W - 16) / SKETCH_W
    return (
        f'<svg x="{num(x)}" y="{num(y)}" width="{num(SKETCH_W * scale)}" '
        f'height="{num(SKETCH_H * scale)}" viewBox="0 0 {SKETCH_W} {SKETCH_H}">'
        f'<g fill="none" stroke-linecap="round" stroke-linejoin="round">{"".join(lines)}</g></svg>'
    )


def _card(card_id: str, card: dict[str, Any], x: float, y: float) -> str:
    """An action card: the idea, then the first step, who, by when and what it needs."""
    idea = words(card.get("idea"))
    fields = [(label, words(card.get(key))) for key, label in CARD_FIELDS]
    said = ". ".join(
        [f"Action: {idea or 'no idea written yet'}", *(f"{k}: {v}" for k, v in fields if v)]
    )
    inner, right = CARD_W - 32, x + CARD_W
    band = (
        f'<path d="M {num(x)} {num(y + 40)} V {num(y + 8)} Q {num(x)} {num(y)} {num(x + 8)} '
        f"{num(y)} H {num(right - 8)} Q {num(right)} {num(y)} {num(right)} {num(y + 8)} "
        f'V {num(y + 40)} Z" fill="#d0ebff"/>'
    )
    parts = [
        f'<g id="{element_id("action", card_id)}"><title>{esc(said)}</title>',
        rect(x + 3, y + 4, CARD_W, CARD_H, f'rx="8" fill="{SHADOW}"'),
        rect(x, y, CARD_W, CARD_H, f'rx="8" fill="{PAPER}"'),
        band,
        rect(x, y, CARD_W, CARD_H, f'rx="8" fill="none" stroke="{MUTED}" stroke-width="2"'),
        block("Action", CARD_HEAD, x + 16, y + 26, inner),
        _filled(idea, "No idea written yet", CARD_IDEA, x + 16, y + 66, inner, 3),
    ]
    for index, (label, text) in enumerate(fields):
        top = y + 128 + index * 62
        parts.append(block(label, CARD_LABEL, x + 16, top + 14, inner))
        parts.append(_filled(text, "\u2014", CARD_WORDS, x + 16, top + 33, inner, 2))
    parts.append("</g>")
    return "".join(parts)


def _filled(
    text: str, empty: str, style: Style, left: float, baseline: float, width: float, rows: int
) -> str:
    """A card's field: its words, or a muted placeholder when it has none."""
    if text:
        return block(text, style, left, baseline, width, rows)
    return block(empty, style, left, baseline, width, rows, fill=MUTED)


def _buildons(board: Board) -> list[tuple[str, str, str]]:
    """The lane's build-ons, oldest first: (id, the visiting room, the words)."""
    lane = []
    for key, entry in entries(board, "buildons"):
        text, source = words(entry.get("text")), words(entry.get("from"))
        if text:
            lane.append((key, source or "another table", text))
    return lane


def _lane(items: list[tuple[str, str, str]], extent: Extent) -> str:
    """The build-on lane, beside everything drawn so far."""
    left = extent.right + GAP if extent.right > extent.left else 0.0
    top = extent.top if math.isfinite(extent.top) else 0.0
    inner = LANE_W - 48
    parts = [block("Build-ons from other tables", LANE_HEAD, left + 16, top + 32, LANE_W - 32)]
    y = top + 52
    for key, source, text in items[:BUILDONS_SHOWN]:
        lines = wrap(text, inner, LANE_WORDS.size, 8)
        h = 38 + LANE_WORDS.line_height * len(lines)
        parts += [
            f'<g id="{element_id("buildon", key)}"><title>{esc(f"From {source}: {text}")}</title>',
            rect(left + 12, y, LANE_W - 24, h, f'rx="6" fill="{PAPER}" stroke="{EDGE}"'),
            block(f"From {source}:", LANE_FROM, left + 24, y + 22, inner),
            text_lines(lines, LANE_WORDS, left + 24, y + 44, inner, rtl=is_rtl(text)),
            "</g>",
        ]
        y += h + 10
    if len(items) > BUILDONS_SHOWN:
        more = count(len(items) - BUILDONS_SHOWN, "more build-on", "more build-ons")
        parts.append(block(f"and {more}", LANE_WORDS, left + 16, y + 18, inner, fill=MUTED))
        y += 28
    frame = rect(left, top, LANE_W, y - top + 2, LANE_FRAME)
    extent.add(left, top, LANE_W, y - top + 2)
    return f'<g id="buildons">{frame}{"".join(parts)}</g>'
