"""A tablet in Debian's Chromium: its own browser context, optionally slowed down.

A mid-range tablet is emulated by a 1024x768 touch viewport and CPU
throttling through the DevTools protocol (``Emulation.setCPUThrottlingRate``).
A measured tablet carries ``tablet_probe.js``, installed before the board's
own scripts, which records frames, long tasks and Yjs transaction times.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Playwright,
    ViewportSize,
)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1024, "height": 768}
PROBE = (Path(__file__).resolve().parent / "tablet_probe.js").read_text()
TIMEOUT_MS = 60_000


async def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; never a downloaded browser."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


@dataclass
class Tablet:
    """One tablet: a browser context with one page and its DevTools session."""

    context: BrowserContext
    page: Page
    cdp: CDPSession
    throttle: float

    async def close(self) -> None:
        await self.context.close()

    async def metrics(self) -> dict[str, float]:
        """Chromium's page metrics (JSHeapUsedSize, Nodes, ...) after a full GC."""
        await self.cdp.send("HeapProfiler.collectGarbage")
        answer = await self.cdp.send("Performance.getMetrics")
        return {m["name"]: float(m["value"]) for m in answer["metrics"]}

    async def paced(self, calls: list[tuple[str, dict[str, Any]]], interval: float) -> None:
        """Send DevTools input events at a steady rate, without waiting for the page.

        A finger or a keyboard does not wait for a busy page: Chromium queues
        (and coalesces) the events, as it does for real input.
        """
        start = time.monotonic()
        async with asyncio.TaskGroup() as group:
            for i, (method, params) in enumerate(calls):
                await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
                group.create_task(self.cdp.send(method, params))

    async def wait_online(self) -> None:
        """Until the board's connection status reads "Online"."""
        status = self.page.get_by_role("status")
        await status.filter(has_text="Online").wait_for(timeout=TIMEOUT_MS)


async def open_tablet(
    browser: Browser,
    *,
    throttle: float = 1.0,
    probe: bool = False,
    session: dict[str, Any] | None = None,
    goals: dict[str, int] | None = None,
) -> Tablet:
    """A fresh tablet (own storage). ``session`` is what /join would have stored."""
    context = await browser.new_context(viewport=VIEWPORT, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    if session is not None:
        stored = json.dumps(json.dumps(session))
        await context.add_init_script(f"localStorage.setItem('board.session', {stored});")
    if probe:
        await context.add_init_script(f"window.__benchGoals = {json.dumps(goals or {})};\n{PROBE}")
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Performance.enable")
    if throttle != 1.0:
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    return Tablet(context, page, cdp, throttle)


async def join(tablet: Tablet, base_url: str, code: str, name: str, room: str) -> None:
    """Join a room the way a participant does: the join link, a name, "Join"."""
    page = tablet.page
    await page.goto(f"{base_url}/join/{code}?room={room}")
    await page.get_by_label("Your name or a nickname").fill(name)
    await page.get_by_role("button", name="Join").tap()
    await page.wait_for_url("**/board")
    await tablet.wait_online()
