"""The browser benchmark's system-map phases: open the map, change a link, loops.

The map is drawn, and its loops searched, when it is shown and then on
every change to factors or links; these phases time that work on the
measured (throttled) tablet.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from typing import Any

from playwright.async_api import Browser

from bench.boardcontent import WRITE_JS, BoardContent
from bench.boardphases import Figures, remote, spread
from bench.tablet import Tablet, open_tablet

MINUS = "\u2212"  # how the link list writes a negative link
SHOW_MAP_JS = """async () => {
  const start = performance.now();
  document.getElementById("mode-toggle").click();
  const end = await window.__bench.afterFrame();
  return {
    ms: end - start,
    factors: document.querySelectorAll("#map article.factor").length,
    arrows: document.querySelectorAll(".map-arrows .arrow").length,
    loops: document.getElementById("loop-count").textContent,
  };
}"""
FLIP_JS = """(id) => {
  const link = window.board.doc.getMap("links").get(id);
  link.set("polarity", link.get("polarity") === "-" ? "+" : "-");
  return window.__sentAt;
}"""
LOOPS_JS = "document.getElementById('loop-count').textContent"


def loop_count(counter: str) -> float:
    """The number on the map's loop counter, negative if it says "more than" it.

    The counter reads "No loops yet", "12 loops" or "More than 500 loops: ...".
    """
    found = re.search(r"\d+", counter.replace(",", ""))
    number = float(found.group()) if found else 0.0
    return -number if "more than" in counter.lower() else number


async def show_map(measured: Tablet) -> Figures:
    """Switch to the system map: click to the end of the next frame."""
    shown: dict[str, Any] = await measured.page.evaluate(SHOW_MAP_JS)
    return {
        "map.show_ms": shown["ms"],
        "map.factors": shown["factors"],
        "map.arrows": shown["arrows"],
        "map.loops": loop_count(shown["loops"]),
    }


async def flip_polarities(
    measured: Tablet, writer: Tablet, content: BoardContent, flips: int
) -> Figures:
    """The other tablet flips a link's polarity; the map and loop list redraw."""
    order = sorted(link["id"] for link in content.links)
    dom: list[float] = []
    frame: list[float] = []
    apply: list[float] = []
    for link in content.links[:flips]:
        sign = "+" if link["polarity"] == "-" else MINUS
        goal = [["flip", "link", order.index(link["id"]), sign]]
        seen, sent = await remote(measured, writer, goal, FLIP_JS, link["id"], timeout=300)
        dom.append(seen["met"]["flip"] - sent)
        frame.append(seen["frame"] - sent)
        apply.append(seen["applyMs"])
    return (
        spread("map_flip.dom", dom)
        | spread("map_flip.frame", frame)
        | spread("map_flip.apply", apply)
    )


async def write_map(
    browser: Browser,
    url: str,
    session: dict[str, Any],
    content: BoardContent,
    throttle: float,
    timeout: float,
) -> Figures:
    """A throttled tablet in an empty room draws a whole map in one transaction.

    A page that is still busy after ``timeout`` seconds is closed; the
    figure is then the timeout and ``finished`` is 0.
    """
    prefix = f"map_{content.link_model}"
    tablet = await open_tablet(browser, throttle=throttle, probe=True, session=session)
    try:
        await tablet.page.goto(url)
        await tablet.wait_online()
        # The map is drawn (and its loops searched) only while it is shown.
        await tablet.page.evaluate("document.getElementById('mode-toggle').click()")
        arg = {"notes": [], "factors": content.factors, "links": content.links, "batch": 10**6}
        began = time.monotonic()
        try:
            written = await asyncio.wait_for(tablet.page.evaluate(WRITE_JS, arg), timeout)
        except TimeoutError:
            return {
                f"{prefix}.ms": (time.monotonic() - began) * 1000,
                f"{prefix}.finished": 0.0,
                f"{prefix}.loops": math.nan,
            }
        counter = await tablet.page.evaluate(LOOPS_JS)
    finally:
        await tablet.close()
    return {
        f"{prefix}.ms": sum(written["ms"]),
        f"{prefix}.finished": 1.0,
        f"{prefix}.loops": loop_count(counter),
    }
