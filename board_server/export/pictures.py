"""Each room's board and system map as pictures: the SVG download, and the
Markdown report's images (the map, embedded as a data URI so that the
report stays one file)."""

from __future__ import annotations

import base64

from board_server.export.gather import Gathered, RoomReport
from board_server.export.svg import board_svg, map_svg


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
