"""The system map's parts for ``svg.map_svg``: factor boxes, arrows from
edge to edge with their polarity and delay marks, and the loops' legend.
Sizes and the arrows' bend are the tablets' (client/src/map.js)."""

from __future__ import annotations

import math
from typing import Any

from board_server.export.svgpage import EDGE, MUTED, PAPER, SHADOW, Extent, rect, words
from board_server.export.svgtext import (
    INK,
    Style,
    block,
    element_id,
    esc,
    is_rtl,
    measure,
    num,
    text_lines,
    wrap,
)
from board_server.workshop.loops import Loop

FACTOR_W, FACTOR_H = 200, 150
PAD = 14
BEND = 40
"""How far an arrow bends to its right, so that A→B and B→A stay apart."""
GAP = 80
"""Between the map and its legend."""
LEGEND_W, LOOPS_SHOWN = 440, 30
LOOP_NAMES = {"R": "Reinforcing", "B": "Balancing"}
LOOP_FILLS = {"R": "#d3f9d8", "B": "#ffe3e3"}
SIGNS = {"+": ("+", "#1864ab"), "-": ("\u2212", "#c92a2a")}
ARROW = "#343a40"
FACTOR_FILL, FACTOR_EDGE = "#e7f5ff", 'stroke="#1864ab" stroke-width="2"'

FACTOR_NAME = Style(18, 22, centred=True)
LINK_LABEL = Style(15, 18, fill=MUTED, centred=True, extra='class="label" font-style="italic"')
LEGEND_HEAD = Style(20, 24, bold=True)
LEGEND_TEXT = Style(16, 21)
BADGE = Style(15, 18, bold=True, centred=True)
SMALL_BADGE = Style(12, 18, bold=True, centred=True)

Point = tuple[float, float]
Curve = tuple[Point, Point, Point, Point]


def factor(key: str, node: dict[str, Any], spot: Point, label: str, extent: Extent) -> str:
    """A factor: a box with its name in the middle, its description in <desc>."""
    x, y = spot
    extent.add(x, y, FACTOR_W, FACTOR_H)
    shown = label or "(unnamed factor)"
    inner = FACTOR_W - 2 * PAD
    lines = wrap(shown, inner, FACTOR_NAME.size, 5)
    baseline = y + FACTOR_H / 2 - (len(lines) - 1) * FACTOR_NAME.line_height / 2 + 6
    description = words(node.get("description"))
    rtl, fill = is_rtl(shown), None if label else MUTED
    return "".join(
        [
            f'<g id="{element_id("factor", key)}"><title>{esc(shown)}</title>',
            f"<desc>{esc(description)}</desc>" if description else "",
            rect(x + 3, y + 4, FACTOR_W, FACTOR_H, f'rx="10" fill="{SHADOW}"'),
            rect(x, y, FACTOR_W, FACTOR_H, f'rx="10" fill="{FACTOR_FILL}" {FACTOR_EDGE}'),
            text_lines(lines, FACTOR_NAME, x + PAD, baseline, inner, rtl=rtl, fill=fill),
            "</g>",
        ]
    )


def arrow(
    link_id: str,
    link: dict[str, Any],
    source: Point,
    target: Point,
    ends: str,
    extent: Extent,
    *,
    itself: bool = False,
) -> str:
    """An arrow from box edge to box edge, bent to its right as on the
    tablets, its sign near the head on the outer side of the bend, and a
    delay's two strokes across it halfway. ``source``, ``target``: the
    factors' corners; ``ends``: "A → B", for its <title>; ``itself``: the
    factor feeds itself."""
    curve, inside = _curve(source, target, itself)
    start, end = curve[0], curve[3]
    tx, ty = _along(curve, 1.0)
    base = (end[0] - tx * 16, end[1] - ty * 16)
    head = [end, (base[0] - ty * 7, base[1] + tx * 7), (base[0] + ty * 7, base[1] - tx * 7)]
    sign, colour = SIGNS["-" if link.get("polarity") == "-" else "+"]
    delay = link.get("delay") is True
    label = words(link.get("label"))
    # The sign about 40 units back from the head, clear of a delay mark halfway.
    chord = math.hypot(end[0] - start[0], end[1] - start[1])
    near_head = 0.8 if itself else 1 - min(0.3, 40 / max(chord, 1.0))
    (mx, my), normal = _outward(curve, near_head, inside)
    mx, my = mx + normal[0] * 18, my + normal[1] * 18
    said = f"{ends} ({sign}){', with a delay' if delay else ''}{f': {label}' if label else ''}"
    parts = [
        f'<g id="{element_id("link", link_id)}"><title>{esc(said)}</title>',
        f'<path d="M {_xy(start)} C {_xy(curve[1])} {_xy(curve[2])} {_xy(base)}" fill="none" '
        f'stroke="{ARROW}" stroke-width="2.5"/>',
        f'<polygon points="{" ".join(_xy(p, ",") for p in head)}" fill="{ARROW}"/>',
        f'<g class="polarity">{_sign(sign, colour, mx, my, 14)}</g>',
    ]
    for point in (*curve, (mx - 16, my - 16), (mx + 16, my + 16)):
        extent.add(*point)
    (hx, hy), across = _outward(curve, 0.5, inside)
    if delay:
        strokes = []
        for step in (-4.5, 4.5):
            cx, cy = hx - across[1] * step, hy + across[0] * step
            ax, ay = across[0] * 12, across[1] * 12
            strokes.append(f'<path d="M {_xy((cx - ax, cy - ay))} L {_xy((cx + ax, cy + ay))}"/>')
        parts.append(f'<g class="delay" stroke="{INK}" stroke-width="3">{"".join(strokes)}</g>')
    lines = wrap(label, 180, LINK_LABEL.size, 2)
    if lines:
        w = max(measure(line, LINK_LABEL.size) for line in lines)
        h = LINK_LABEL.line_height * len(lines)
        # Far enough out along the normal that the words clear the arrow and its delay mark.
        away = abs(across[0]) * w / 2 + abs(across[1]) * h / 2 + 16
        lx, ly = hx + across[0] * away, hy + across[1] * away
        baseline = ly + 5 - (len(lines) - 1) * LINK_LABEL.line_height / 2
        parts.append(text_lines(lines, LINK_LABEL, lx - 90, baseline, 180, rtl=is_rtl(label)))
        extent.add(lx - w / 2, ly - h / 2 - 4, w, h + 8)
    parts.append("</g>")
    return "".join(parts)


def _curve(source: Point, target: Point, itself: bool) -> tuple[Curve, Point]:
    """The arrow's cubic curve, and a point that it bends around: marks go
    on the side away from it."""
    if itself:  # a loop around the factor's top right corner
        start = (source[0] + FACTOR_W * 0.72, source[1] - 3)
        end = (source[0] + FACTOR_W + 4, source[1] + FACTOR_H * 0.28)
        curve = (start, (start[0], start[1] - 80), (end[0] + 80, end[1]), end)
        return curve, (source[0] + FACTOR_W, source[1])
    a = (source[0] + FACTOR_W / 2, source[1] + FACTOR_H / 2)
    b = (target[0] + FACTOR_W / 2, target[1] + FACTOR_H / 2)
    length = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
    outside = (-(b[1] - a[1]) / length, (b[0] - a[0]) / length)
    bend = ((a[0] + b[0]) / 2 + outside[0] * BEND, (a[1] + b[1]) / 2 + outside[1] * BEND)
    start, end = _edge(a, bend, 3), _edge(b, bend, 4)
    # The tablets' quadratic curve through ``bend``, as a cubic.
    first = (start[0] + (bend[0] - start[0]) * 2 / 3, start[1] + (bend[1] - start[1]) * 2 / 3)
    second = (end[0] + (bend[0] - end[0]) * 2 / 3, end[1] + (bend[1] - end[1]) * 2 / 3)
    # Far inside the bend, so that away from it is the same side all along the arrow.
    far = ((a[0] + b[0]) / 2 - outside[0] * 1e4, (a[1] + b[1]) / 2 - outside[1] * 1e4)
    return (start, first, second, end), far


def _edge(centre: Point, toward: Point, gap: float) -> Point:
    """Where the line from a factor's centre toward a point leaves its box, and a gap on."""
    dx, dy = toward[0] - centre[0], toward[1] - centre[1]
    length = math.hypot(dx, dy)
    if length == 0:
        return centre
    scale = min(
        FACTOR_W / 2 / abs(dx) if dx else math.inf, FACTOR_H / 2 / abs(dy) if dy else math.inf
    )
    return centre[0] + dx * scale + dx / length * gap, centre[1] + dy * scale + dy / length * gap


def _at(curve: Curve, t: float) -> Point:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = curve
    u = 1 - t
    return (
        u**3 * ax + 3 * u * u * t * bx + 3 * u * t * t * cx + t**3 * dx,
        u**3 * ay + 3 * u * u * t * by + 3 * u * t * t * cy + t**3 * dy,
    )


def _along(curve: Curve, t: float) -> Point:
    """The curve's unit direction at t (rightwards where it has none)."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = curve
    u = 1 - t
    vx = 3 * u * u * (bx - ax) + 6 * u * t * (cx - bx) + 3 * t * t * (dx - cx)
    vy = 3 * u * u * (by - ay) + 6 * u * t * (cy - by) + 3 * t * t * (dy - cy)
    length = math.hypot(vx, vy)
    return (vx / length, vy / length) if length > 1e-9 else (1.0, 0.0)


def _outward(curve: Curve, t: float, inside: Point) -> tuple[Point, Point]:
    """The point at t, and the unit normal there on the side away from ``inside``."""
    point, (tx, ty) = _at(curve, t), _along(curve, t)
    away = (point[0] - inside[0], point[1] - inside[1])
    if -ty * away[0] + tx * away[1] < 0:
        return point, (ty, -tx)
    return point, (-ty, tx)


def _xy(point: Point, between: str = " ") -> str:
    return f"{num(point[0])}{between}{num(point[1])}"


def _sign(sign: str, colour: str, x: float, y: float, r: float) -> str:
    """A polarity sign in a white disc."""
    return (
        f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{PAPER}" stroke="{colour}" '
        f'stroke-width="2"/><text x="{num(x)}" y="{num(y + r / 2 + 0.5)}" '
        f'font-size="{num(r * 1.55)}" font-weight="bold" fill="{colour}" '
        f'text-anchor="middle">{sign}</text>'
    )


def legend(loops: list[Loop], names: dict[str, str], extent: Extent) -> str:
    """Beside the map: the loops, numbered per kind in the order given (R1,
    R2, B1…), each with its factors in order, then a key to the arrows' marks."""
    left, top = extent.right + GAP, extent.top
    inner = LEGEND_W - 2 * PAD - 48
    text_left = left + PAD + 48
    parts = [block("Feedback loops", LEGEND_HEAD, left + PAD, top + 34, LEGEND_W - 2 * PAD)]
    y = top + 52
    numbers: dict[str, int] = {}
    for index, loop in enumerate(loops):
        numbers[loop.kind] = numbers.get(loop.kind, 0) + 1
        if index >= LOOPS_SHOWN:
            continue
        name = f"{loop.kind}{numbers[loop.kind]}"
        factors = [names.get(factor, "(removed factor)") for factor in loop.factors]
        path = " \u2192 ".join([*factors, *factors[:1]])
        kind = LOOP_NAMES.get(loop.kind, "Loop") + (", with a delay" if loop.delayed else "")
        lines = wrap(f"{kind}: {path}", inner, LEGEND_TEXT.size, 6)
        fill = LOOP_FILLS.get(loop.kind, "#e9ecef")
        parts += [
            f'<g id="{element_id("loop", name)}"><title>{esc(f"{name} {kind}: {path}")}</title>',
            f'<circle cx="{num(left + PAD + 18)}" cy="{num(y + 18)}" r="18" fill="{fill}" '
            f'stroke="{INK}" stroke-width="1.5"/>',
            text_lines([name], BADGE if len(name) < 3 else SMALL_BADGE, left + PAD, y + 23, 36),
            text_lines(lines, LEGEND_TEXT, text_left, y + 24, inner),
            "</g>",
        ]
        y += max(44, LEGEND_TEXT.line_height * len(lines) + 20)
    if not loops or len(loops) > LOOPS_SHOWN:
        said = "No feedback loops yet" if not loops else f"and {len(loops) - LOOPS_SHOWN} more"
        parts.append(block(said, LEGEND_TEXT, left + PAD, y + 18, inner, fill=MUTED))
        y += 34
    y += 10
    rule = f"M {_xy((left + PAD, y))} H {num(left + LEGEND_W - PAD)}"
    parts.append(f'<path d="{rule}" stroke="{EDGE}"/>')
    key = (
        ("+", "more of one, more of the other"),
        ("-", "more of one, less of the other"),
        ("delay", "the effect comes after a delay"),
    )
    for mark, meaning in key:
        cx, cy = left + PAD + 18, y + 26
        if mark in SIGNS:
            parts.append(_sign(*SIGNS[mark], cx, cy, 12))
        else:
            parts.append(
                f'<path d="M {_xy((cx - 18, cy))} H {num(cx + 18)} M {_xy((cx - 4, cy - 10))} '
                f'V {num(cy + 10)} M {_xy((cx + 4, cy - 10))} V {num(cy + 10)}" stroke="{INK}" '
                f'stroke-width="2.5" fill="none"/>'
            )
        parts.append(block(meaning, LEGEND_TEXT, text_left, cy + 6, inner))
        y += 34
    height = y - top + 16
    frame = rect(left, top, LEGEND_W, height, f'rx="10" fill="#f8f9fa" stroke="{EDGE}"')
    extent.add(left, top, LEGEND_W, height)
    return f'<g id="legend">{frame}{"".join(parts)}</g>'
