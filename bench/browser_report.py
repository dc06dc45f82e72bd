"""The browser benchmark's printed report: two Markdown tables and the setup."""

from __future__ import annotations

import math
from typing import Any

# (label, figure prefix) of every distribution, in reading order.
SPREADS = (
    ("full board, idle: frame interval", "idle.frame"),
    ("remote note move: sent -> DOM updated", "remote_move.dom"),
    ("remote note move: sent -> next frame", "remote_move.frame"),
    ("remote note move: Yjs apply + board update", "remote_move.apply"),
    ("remote keystroke: sent -> DOM updated", "remote_text.dom"),
    ("remote keystroke: sent -> next frame", "remote_text.frame"),
    ("remote keystroke: Yjs apply + board update", "remote_text.apply"),
    ("drag a note: frame interval", "drag.frame"),
    ("drag a note: pointermove handler", "drag.handler"),
    ("type in a note: keydown -> next frame", "typing.key"),
    ("type in a note: input handler", "typing.handler"),
    ("type in a note: frame interval", "typing.frame"),
    ("wheel pan: frame interval", "pan.frame"),
    ("wheel pan: wheel handler", "pan.handler"),
    ("ctrl+wheel zoom: frame interval", "zoom.frame"),
    ("remote link polarity flip: sent -> map updated", "map_flip.dom"),
    ("remote link polarity flip: sent -> next frame", "map_flip.frame"),
    ("remote link polarity flip: Yjs apply + map redraw", "map_flip.apply"),
)
GESTURES = ("idle", "drag", "typing", "pan", "zoom")


def _ms(value: Any) -> str:
    if not isinstance(value, (int, float)) or math.isnan(value):
        return "-"
    return f"{value:,.1f}"


def _count(value: Any) -> str:
    return "-" if not isinstance(value, (int, float)) else f"{value:,.0f}"


def _loops(value: Any) -> str:
    """What the map's loop counter said (negative: "more than")."""
    if not isinstance(value, (int, float)) or math.isnan(value):
        return "loops: -"
    if value < 0:
        return f"counter: more than {-value:,.0f} loops"
    return f"counter: {value:,.0f} loops"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _also(r: dict[str, Any], prefix: str) -> str:
    """Dropped frames and long tasks of the gesture a distribution belongs to."""
    gesture = prefix.split(".")[0]
    if gesture not in GESTURES or not prefix.endswith(".frame"):
        return ""
    frames = r.get(f"{gesture}.frame.n", 0)
    dropped = r.get(f"{gesture}.dropped", 0)
    tasks = r.get(f"{gesture}.longtasks", 0)
    task_ms = r.get(f"{gesture}.longtask_ms", 0)
    return (
        f"{_count(dropped)}/{_count(frames)} frames > 33 ms; "
        f"{_count(tasks)} long tasks, {_ms(task_ms)} ms; {r.get(f'{gesture}.seconds', 0):.1f} s"
    )


def _singles(r: dict[str, Any], o: dict[str, Any]) -> list[list[str]]:
    notes, factors, links = o["notes"], o["factors"], o["links"]
    uniform_done = r.get("map_uniform.finished")
    uniform = f"{_ms(r.get('map_uniform.ms'))} ms, {_loops(r.get('map_uniform.loops'))}"
    if uniform_done == 0:
        uniform = f"did not finish: page still busy after {_ms(r.get('map_uniform.ms'))} ms"
    rows = [
        [
            f"seed: {notes} notes on screen, after the last batch was sent",
            f"{_ms(r.get('seed.notes_ms'))} ms (next frame {_ms(r.get('seed.notes_frame_ms'))} ms;"
            f" from the first batch {_ms(r.get('seed.notes_from_first_ms'))} ms)",
        ],
        [
            f"seed: slowest of the {_count(r.get('seed.notes_transactions'))} remote updates"
            " that brought the notes",
            f"{_ms(r.get('seed.notes_apply_max_ms'))} ms (Yjs apply + board update)",
        ],
        [
            f"seed: {factors} factors + {links} links received on the notes board"
            " (the map is drawn when shown), after they were sent",
            f"{_ms(r.get('seed.map_ms'))} ms (of which Yjs apply"
            f" {_ms(r.get('seed.map_apply_max_ms'))} ms; the writing tablet, unthrottled,"
            f" {_ms(r.get('seed.writer_map_ms'))} ms)",
        ],
        [
            "cold load: navigation -> Online / all notes / factors' and links' data",
            " / ".join(
                f"{_ms(r.get(f'cold.{k}_ms'))} ms" for k in ("online", "notes", "factors", "arrows")
            ),
        ],
        [
            "cold load: long tasks; largest remote transaction",
            f"{_count(r.get('cold.longtasks'))} tasks, {_ms(r.get('cold.longtask_ms'))} ms;"
            f" {_ms(r.get('cold.apply_max_ms'))} ms",
        ],
        [
            "memory after seeding (after GC)",
            f"JS heap {_ms(r.get('memory.js_heap_mb'))} MB,"
            f" {_count(r.get('memory.dom_nodes'))} DOM nodes",
        ],
        [
            "switch to the system map: click -> next frame",
            f"{_ms(r.get('map.show_ms'))} ms ({_count(r.get('map.factors'))} factors,"
            f" {_count(r.get('map.arrows'))} arrows; {_loops(r.get('map.loops'))})",
        ],
    ]
    if uniform_done is not None:
        rows.append(
            [f"same map, uniformly random links (seed {o['seed']}), one local write", uniform]
        )
    return rows


def render(r: dict[str, Any], options: dict[str, Any], machine: dict[str, Any]) -> str:
    """The tables for one (median) result."""
    spreads = [
        [
            label,
            _count(r.get(f"{prefix}.n")),
            _ms(r.get(f"{prefix}.p50")),
            _ms(r.get(f"{prefix}.p95")),
            _ms(r.get(f"{prefix}.max")),
            _also(r, prefix),
        ]
        for label, prefix in SPREADS
        if f"{prefix}.n" in r
    ]
    o = options
    lines = [
        f"## Tablet client: {o['notes']} notes, {o['factors']} factors, {o['links']} links"
        f" ({o['link_model']} links, seed {o['seed']})",
        "",
        f"Measured tablet: 1024x768 touch viewport, CPU throttled {o['cpu_throttle']:g}x"
        f" (Emulation.setCPUThrottlingRate); rounds: {r.get('rounds', 1)} (median of each figure).",
        "",
        *_table(["measure", "n", "p50 ms", "p95 ms", "max ms", "also"], spreads),
        "",
        *_table(["measure", "value"], _singles(r, o)),
        "",
        f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, {machine['memory_gib']} GiB;"
        f" {machine['platform']}; Python {machine['python']}; Chromium {machine['chromium']};"
        f" 1-minute load average {machine['load_before']:.2f} before the run.",
        f"Client: {machine['client']}.",
    ]
    return "\n".join(lines)
