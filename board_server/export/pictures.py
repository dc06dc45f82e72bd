"""Each room's board and system map as pictures: the SVG download, and the
Markdown report's images (the map, embedded as a data URI so that the
report stays one file)."""

from __future__ import annotations

import base64
import re
from typing import Any

from board_server.export.gather import Gathered, RoomReport
from board_server.export.svg import board_svg, map_svg
from board_server.export.svgpage import finite

SKETCH_W, SKETCH_H = 220, 110
MAX_SKETCH_POINTS = 20_000
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def slug(name: str) -> str:
    """A room's name as a file name: letters and digits, joined by "-"."""
    words = "".join(c if c.isalnum() else "-" for c in name.lower())
    return "-".join(part for part in words.split("-") if part)[:40] or "room"


def svg_files(data: Gathered) -> dict[str, bytes]:
    """Two pictures per room, numbered in the rooms' order: its board and
    its system map."""
    files: dict[str, bytes] = {}
    for number, room in enumerate(data.rooms, start=1):
        name = room.outcome.room_name
        stem = f"{number:02d}-{slug(name)}"
        board = board_svg(room.board, title=name)
        files[f"{stem}-board.svg"] = board.encode()
        loops = room.outcome.loops
        files[f"{stem}-map.svg"] = map_svg(
            room.board, loops, title=f"{name}: the system map"
        ).encode()
    return files


def map_image(room: RoomReport) -> str | None:
    """The room's system map as a Markdown image, if it has factors."""
    if not room.outcome.factors:
        return None
    name = room.outcome.room_name
    svg = map_svg(room.board, room.outcome.loops, title=f"{name}: the system map")
    encoded = base64.b64encode(svg.encode()).decode()
    return f"![The system map of {name}](data:image/svg+xml;base64,{encoded})"


def sketch_svg(strokes: Any) -> str:
    """A sketch note's drawing as SVG: its strokes (flat x, y points in a
    220 x 110 box, a #rrggbb colour, a width of 1 to 20) on white; strokes
    that are not of that shape are left out, as the tablets do."""
    paths = []
    budget = MAX_SKETCH_POINTS
    for stroke in strokes if isinstance(strokes, list) else []:
        if not isinstance(stroke, dict) or not isinstance(stroke.get("points"), list):
            continue
        numbers = [finite(value) for value in stroke["points"][:budget]]
        if len(numbers) < 2 or None in numbers:
            continue
        budget -= len(numbers)
        xy = [f"{value:.1f}" for value in numbers if value is not None]
        points = [f"{xy[i]} {xy[i + 1]}" for i in range(0, len(xy) - 1, 2)]
        colour = stroke.get("color")
        colour = colour if isinstance(colour, str) and _COLOUR.fullmatch(colour) else "#212529"
        width = max(1.0, min(20.0, finite(stroke.get("width")) or 3.0))
        d = "M " + " L ".join(points if len(points) > 1 else points * 2)
        paths.append(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width:g}" '
            'stroke-linecap="round" stroke-linejoin="round"/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{SKETCH_W}" '
        f'height="{SKETCH_H}" viewBox="0 0 {SKETCH_W} {SKETCH_H}">'
        f'<rect width="{SKETCH_W}" height="{SKETCH_H}" fill="#ffffff"/>{"".join(paths)}</svg>'
    )


def sketch_image(note: dict[str, Any]) -> str:
    """A sketch note's drawing as a Markdown image (a data URI)."""
    encoded = base64.b64encode(sketch_svg(note.get("strokes")).encode()).decode()
    words = " ".join(str(note.get("text") or "").split())
    alt = f"Drawing: {words}" if words else "Drawing"
    return f"![{alt.replace(']', ')')}](data:image/svg+xml;base64,{encoded})"
