"""The browser benchmark's phases, each against a measured (throttled) tablet.

Every phase returns flat figures (``name -> number``) so that rounds can be
merged by median. Durations are milliseconds. "Remote" updates come from an
unthrottled second tablet in the same room; their latency is from the
moment that tablet's document emitted the update (right before its
provider sends it) to the end of the Yjs transaction that changed the
measured tablet's DOM, and to the end of the next frame.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Browser

from bench.boardcontent import WRITE_JS, BoardContent
from bench.steady import percentile
from bench.tablet import Tablet, open_tablet

FRAME_MS = 1000 / 60
CTRL = 2  # the DevTools input modifier bit for Control
NOTE = "article.note[data-note-id]"
Figures = dict[str, float]

# Installed on the writing tablet: when its document last emitted an update.
SENT_HOOK_JS = """() => {
  window.board.doc.on("update", () => {
    window.__sentAt = performance.timeOrigin + performance.now();
  });
}"""
MOVE_JS = """([id, x]) => {
  window.board.doc.getMap("notes").get(id).set("x", x);
  return window.__sentAt;
}"""
TYPE_JS = """([id, ch]) => {
  const text = window.board.doc.getMap("notes").get(id).get("text");
  text.insert(text.length, ch);
  return window.__sentAt;
}"""


def spread(prefix: str, values: list[float]) -> Figures:
    """n, p50, p95 and max of some milliseconds (nearest rank, as bench.run)."""
    micros = sorted(round(v * 1000) for v in values)
    return {
        f"{prefix}.n": float(len(micros)),
        f"{prefix}.p50": percentile(micros, 0.50) / 1000,
        f"{prefix}.p95": percentile(micros, 0.95) / 1000,
        f"{prefix}.max": percentile(micros, 1.0) / 1000,
    }


def frame_figures(prefix: str, frames: list[float]) -> Figures:
    """Frame intervals, and the frames that took longer than two 60 Hz frames."""
    intervals = [b - a for a, b in itertools.pairwise(frames)]
    figures = spread(f"{prefix}.frame", intervals)
    figures[f"{prefix}.dropped"] = float(sum(1 for i in intervals if i > 2 * FRAME_MS))
    return figures


async def recorded(
    tablet: Tablet, prefix: str, action: Callable[[], Awaitable[None]]
) -> tuple[Figures, dict[str, Any]]:
    """Run an action while the probe records frames, handlers and long tasks."""
    page = tablet.page
    start = await page.evaluate("window.__bench.start()")
    began = time.monotonic()
    await action()
    await page.evaluate("window.__bench.afterFrame()")
    record: dict[str, Any] = await page.evaluate("window.__bench.stop()")
    tasks = await page.evaluate("(t) => window.__bench.longTasksSince(t)", start)
    figures = frame_figures(prefix, record["frames"])
    figures[f"{prefix}.seconds"] = time.monotonic() - began
    figures[f"{prefix}.longtasks"] = float(len(tasks))
    figures[f"{prefix}.longtask_ms"] = sum(ms for _, ms in tasks)
    return figures, record


async def remote(
    measured: Tablet, writer: Tablet, wanted: list[list[Any]], js: str, arg: Any, timeout: float
) -> tuple[dict[str, Any], Any]:
    """Arm the measured tablet's checks, let the writer change the doc, wait."""
    await measured.page.evaluate("(w) => window.__bench.arm(w)", wanted)
    sent = await writer.page.evaluate(js, arg)
    seen: dict[str, Any] = await asyncio.wait_for(
        measured.page.evaluate("window.__bench.wait()"), timeout
    )
    return seen, sent


async def remote_work(tablet: Tablet, since: float) -> list[float]:
    """Milliseconds of each remote Yjs transaction on the tablet since a probe time."""
    applied: list[list[Any]] = await tablet.page.evaluate(
        "(t) => window.__bench.transactions.filter(([o, s]) => o === 'remote' && s >= t)", since
    )
    return [ms for _, _, ms in applied]


async def seed(measured: Tablet, writer: Tablet, content: BoardContent, batch: int) -> Figures:
    """The writer fills the room; the measured tablet renders it as it arrives.

    Notes first (``batch`` per transaction), then, once they are all on
    screen, the factors and links (one transaction each).
    """
    await writer.page.evaluate(SENT_HOOK_JS)
    start = await measured.page.evaluate("performance.now()")
    goal = [["notes", "count", NOTE, len(content.notes)]]
    notes = {"notes": content.notes, "factors": [], "links": [], "batch": batch}
    seen, written = await remote(measured, writer, goal, WRITE_JS, notes, timeout=120)
    last_sent = await writer.page.evaluate("window.__sentAt")
    work = await remote_work(measured, start)
    figures = {
        "seed.notes_ms": seen["met"]["notes"] - last_sent,
        "seed.notes_frame_ms": seen["frame"] - last_sent,
        "seed.notes_from_first_ms": seen["met"]["notes"] - written["sent"],
        "seed.notes_apply_max_ms": max(work),
        "seed.notes_transactions": float(len(work)),
    }

    start = await measured.page.evaluate("performance.now()")
    # The measured tablet is on the notes board, where the map is not drawn:
    # the goal is the map's data in its document.
    goal = [
        ["factors", "doc", "nodes", len(content.factors)],
        ["arrows", "doc", "links", len(content.links)],
    ]
    drawing = {"notes": [], "factors": content.factors, "links": content.links, "batch": 10**6}
    seen, written = await remote(measured, writer, goal, WRITE_JS, drawing, timeout=300)
    last_sent = await writer.page.evaluate("window.__sentAt")
    figures["seed.map_ms"] = max(seen["met"].values()) - last_sent
    figures["seed.map_frame_ms"] = seen["frame"] - last_sent
    figures["seed.map_apply_max_ms"] = max(await remote_work(measured, start))
    figures["seed.writer_map_ms"] = sum(written["ms"])
    metrics = await measured.metrics()
    figures["memory.js_heap_mb"] = metrics["JSHeapUsedSize"] / 2**20
    figures["memory.dom_nodes"] = metrics["Nodes"]
    return figures


async def cold_load(
    browser: Browser, url: str, session: dict[str, Any], content: BoardContent, throttle: float
) -> Figures:
    """A fresh tablet opens the full room: navigation to each goal on screen."""
    goals = {
        "online": 1,
        "notes": len(content.notes),
        "factors": len(content.factors),
        "arrows": len(content.links),
    }
    tablet = await open_tablet(browser, throttle=throttle, probe=True, session=session, goals=goals)
    try:
        await tablet.page.goto(url)
        await tablet.page.wait_for_function(
            "(names) => names.every((n) => typeof window.__bench.milestones[n] === 'number')",
            arg=list(goals),
            timeout=300_000,
        )
        probe = await tablet.page.evaluate(
            "(({ milestones, longTasks, transactions }) =>"
            " ({ milestones, longTasks, transactions }))(window.__bench)"
        )
    finally:
        await tablet.close()
    figures = {f"cold.{name}_ms": float(t) for name, t in probe["milestones"].items()}
    figures["cold.longtasks"] = float(len(probe["longTasks"]))
    figures["cold.longtask_ms"] = sum(ms for _, ms in probe["longTasks"])
    remote_ms = [ms for origin, _, ms in probe["transactions"] if origin == "remote"]
    figures["cold.apply_max_ms"] = max(remote_ms, default=0.0)
    return figures


async def remote_updates(
    measured: Tablet, writer: Tablet, content: BoardContent, updates: int
) -> Figures:
    """A note moved, then a character typed, by the other tablet, ``updates`` times each."""
    moved, typed = content.notes[5], content.notes[6]
    text = typed["text"]
    dom: dict[str, list[float]] = {"move": [], "text": []}
    frame: dict[str, list[float]] = {"move": [], "text": []}
    apply: dict[str, list[float]] = {"move": [], "text": []}
    for i in range(updates):
        x = moved["x"] + 3 * (i + 1)
        goal = [["move", "left", moved["id"], f"{x}px"]]
        seen, sent = await remote(measured, writer, goal, MOVE_JS, [moved["id"], x], timeout=60)
        dom["move"].append(seen["met"]["move"] - sent)
        frame["move"].append(seen["frame"] - sent)
        apply["move"].append(seen["applyMs"])
        ch = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        text += ch
        goal = [["text", "text", typed["id"], text]]
        seen, sent = await remote(measured, writer, goal, TYPE_JS, [typed["id"], ch], timeout=60)
        dom["text"].append(seen["met"]["text"] - sent)
        frame["text"].append(seen["frame"] - sent)
        apply["text"].append(seen["applyMs"])
    figures: Figures = {}
    for kind in ("move", "text"):
        figures |= spread(f"remote_{kind}.dom", dom[kind])
        figures |= spread(f"remote_{kind}.frame", frame[kind])
        figures |= spread(f"remote_{kind}.apply", apply[kind])
    return figures


def handler_figures(prefix: str, record: dict[str, Any], event: str) -> Figures:
    """How long the board's own listeners took for each event of a type."""
    return spread(f"{prefix}.handler", [ms for t, ms in record["handlers"] if t == event])


def touch(kind: str, *points: tuple[float, float]) -> tuple[str, dict[str, Any]]:
    spots = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
    return "Input.dispatchTouchEvent", {"type": kind, "touchPoints": spots}


async def drag(measured: Tablet, content: BoardContent, steps: int) -> Figures:
    """Drag the first note by its "Move note" handle with a finger, moving at 60 Hz."""
    handle = measured.page.locator(f'[data-note-id="{content.notes[0]["id"]}"] .note-handle')
    box = await handle.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    path = [(x + 3 * i, y + 2 * i) for i in range(1, steps + 1)]
    gesture = [
        touch("touchStart", (x, y)),
        *(touch("touchMove", point) for point in path),
        touch("touchEnd"),
    ]
    figures, record = await recorded(
        measured, "drag", lambda: measured.paced(gesture, FRAME_MS / 1000)
    )
    figures |= handler_figures("drag", record, "pointermove")
    return figures


async def typing(measured: Tablet, content: BoardContent, text: str, interval: float) -> Figures:
    """Type into a note, a key every ``interval`` seconds.

    The note is focused by a tap: a parked mouse pointer over the board would
    make Chromium hit-test it after every layout, which a tablet never does.
    """
    area = measured.page.locator(f'[data-note-id="{content.notes[1]["id"]}"] textarea')
    await area.tap()
    await area.press("End")
    keys: list[tuple[str, dict[str, Any]]] = []
    for ch in text:
        keys.append(("Input.dispatchKeyEvent", {"type": "keyDown", "key": ch, "text": ch}))
        keys.append(("Input.dispatchKeyEvent", {"type": "keyUp", "key": ch}))
    figures, record = await recorded(measured, "typing", lambda: measured.paced(keys, interval / 2))
    figures |= spread("typing.key", record["keys"])
    figures |= handler_figures("typing", record, "input")
    return figures


async def pan_and_zoom(measured: Tablet, events: int) -> Figures:
    """Wheel pans across the notes board, then Ctrl+wheel zooms, at 60 events/s."""
    board = await measured.page.locator("#board").bounding_box()
    assert board is not None
    at = {"x": board["x"] + board["width"] / 2, "y": board["y"] + board["height"] / 2}

    def wheel(dx: float, dy: float, modifiers: int = 0) -> tuple[str, dict[str, Any]]:
        event = {"type": "mouseWheel", "deltaX": dx, "deltaY": dy, "modifiers": modifiers}
        return "Input.dispatchMouseEvent", event | at

    pan = [wheel(25, 15)] * events
    zoom = [wheel(0, -12 if i < events // 2 else 12, CTRL) for i in range(events)]
    figures, record = await recorded(measured, "pan", lambda: measured.paced(pan, FRAME_MS / 1000))
    figures |= handler_figures("pan", record, "wheel")
    zoomed, record = await recorded(measured, "zoom", lambda: measured.paced(zoom, FRAME_MS / 1000))
    # Take the mouse off the page again, as on a tablet (see typing).
    await measured.cdp.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": -1, "y": -1})
    return figures | zoomed | handler_figures("zoom", record, "wheel")
