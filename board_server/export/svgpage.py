"""The page of an SVG picture (``export/svg.py``) and careful readers of
board fields: boards come from tablets, so a field that is missing or of the
wrong type gives a default, never an exception."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from board_server.export.svgtext import (
    FONT,
    Style,
    block,
    esc,
    is_rtl,
    measure,
    num,
    printable,
    text_lines,
    wrap,
)
from board_server.workshop.visibility import Board

MARGIN = 40
LIMIT = 1_000_000.0
"""A coordinate further out than this is drawn at it."""
MUTED = "#495057"
EDGE = "#868e96"
PAPER = "#ffffff"
SHADOW = "#ced4da"
HEADING = Style(28, 36, bold=True)
SUMMARY = Style(16, 20, fill=MUTED)
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def rect(x: float, y: float, w: float, h: float, attrs: str) -> str:
    """A <rect> with more attributes, written as they are."""
    return f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" {attrs}/>'


@dataclass
class Extent:
    """The box that everything drawn so far covers."""

    left: float = math.inf
    top: float = math.inf
    right: float = -math.inf
    bottom: float = -math.inf

    def add(self, x: float, y: float, w: float = 0.0, h: float = 0.0) -> None:
        """Cover the box at (x, y), ``w`` by ``h``."""
        self.left, self.top = min(self.left, x), min(self.top, y)
        self.right, self.bottom = max(self.right, x + w), max(self.bottom, y + h)


def finite(value: Any) -> float | None:
    """A finite number from the board (not a bool), or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def coord(value: Any) -> float:
    """A coordinate: a finite number within ``LIMIT``, or 0."""
    number = finite(value)
    return 0.0 if number is None else max(-LIMIT, min(LIMIT, number))


def words(value: Any) -> str:
    """A text field, printable and stripped; anything but a string is no text."""
    return printable(value).strip() if isinstance(value, str) else ""


def entries(board: Board, root: str) -> list[tuple[str, dict[str, Any]]]:
    """A root's entries that are maps, in created order, then id."""
    items = board.get(root) if isinstance(board, dict) else None
    if not isinstance(items, dict):
        return []
    found = [
        (finite(value.get("created")) or 0.0, str(key), index, value)
        for index, (key, value) in enumerate(items.items())
        if isinstance(value, dict)
    ]
    found.sort(key=lambda item: item[:3])
    return [(key, value) for _, key, _, value in found]


def light_fill(value: Any, default: str) -> str:
    """A peer's colour as a #rrggbb fill light enough for dark text in print."""
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        return default
    digits = value[1:]
    if len(digits) <= 4:
        digits = "".join(ch * 2 for ch in digits[:3])
    rgb = [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = rgb
    for step in range(6):
        mixed = [round(c + (255 - c) * step / 5) for c in rgb]
        if _luminance(mixed) >= 0.45:
            break
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _luminance(rgb: list[int]) -> float:
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def count(n: int, one: str, many: str) -> str:
    """ "1 note", "3 notes"."""
    return f"{n} {one if n == 1 else many}"


def document(title: str, summary: str, body: list[str], extent: Extent) -> str:
    """The SVG file: a white page fitted to ``extent`` with a margin, the
    title and a one-line summary above the drawing."""
    width = max(extent.right - extent.left, 480.0)
    heading = wrap(title.strip() or "Untitled", max(width, 720.0), 28, 2, bold=True)
    width = max([width, *(measure(line, 28, bold=True) for line in heading)])
    heading_h = 36 * len(heading) + 36
    left, top = extent.left - MARGIN, extent.top - MARGIN - heading_h
    full_w, full_h = width + 2 * MARGIN, extent.bottom - top + MARGIN
    baseline = top + MARGIN + 26
    head = text_lines(heading, HEADING, extent.left, baseline, width, rtl=is_rtl(title))
    under = block(summary, SUMMARY, extent.left, baseline + 36 * len(heading) - 14, width)
    view = " ".join(num(v) for v in (left, top, full_w, full_h))
    return "".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="{view}" ',
            f'width="{num(full_w)}" height="{num(full_h)}" font-family="{FONT}">\n',
            f"<title>{esc(title)}</title>\n",
            f"<desc>{esc(summary)}</desc>\n" if summary else "",
            rect(left, top, full_w, full_h, f'fill="{PAPER}"') + "\n",
            head,
            under,
            "\n",
            *(part + "\n" for part in body if part),
            "</svg>\n",
        ]
    )


def nothing_yet(title: str, message: str) -> str:
    """A small picture that says there is nothing to draw."""
    extent = Extent()
    extent.add(0, 0, 480, 120)
    shown = block(message, Style(22, 26, fill=MUTED, centred=True), 0, 68, 480)
    frame = rect(0, 0, 480, 120, f'rx="8" fill="#f8f9fa" stroke="{EDGE}"')
    return document(title, "", [frame, shown], extent)


def safe_colour(value: Any, default: str) -> str:
    """A peer's colour if it is a plain #hex colour (never url() or CSS), else the default."""
    return value if isinstance(value, str) and _HEX.fullmatch(value) else default
