"""Helpers for the browser tests: tablets of a given size, joining, notes and checks.

The ``browser`` fixture itself (Debian's Chromium through Playwright) is in
tests/conftest.py, so every browser test file shares it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from conftest import RunningServer
from playwright.async_api import Browser, Page, expect

from board_server.client import BoardClient

ARTIFACTS = Path(__file__).parent / "artifacts"

# The five screens the board must work on, by name: width, height, touch.
SIZES: dict[str, tuple[int, int, bool]] = {
    "phone": (390, 844, True),
    "tablet": (1024, 768, True),
    "tablet-portrait": (768, 1024, True),
    "laptop": (1280, 800, False),
    "projector": (1920, 1080, False),
}


async def tablet(browser: Browser, size: str = "tablet") -> Page:
    """A fresh device of this size: its own context, so its own storage."""
    width, height, touch = SIZES[size]
    context = await browser.new_context(
        viewport={"width": width, "height": height}, has_touch=touch
    )
    context.set_default_timeout(10_000)
    return await context.new_page()


async def join(
    page: Page, server: RunningServer, code: str, name: str, room: str | None = "r1"
) -> None:
    """Join through the join page, as a person does, and wait until the board is online."""
    query = f"?room={room}" if room else ""
    await page.goto(f"{server.http_url}/join/{code}{query}")
    await page.get_by_label("Your name or a nickname").fill(name)
    await page.get_by_role("button", name="Join").click()
    await page.wait_for_url("**/board")
    await expect(page.locator("#connection")).to_have_text("Online")


async def two_tablets(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> tuple[Page, Page]:
    """Ann's and Ben's tablets, both joined to room r1 and online."""
    a, b = await tablet(browser), await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    await join(b, server, workshop["join_code"], "Ben")
    return a, b


async def add_notes(page: Page, *ideas: str) -> None:
    """Add a text note for each idea, typing it in."""
    for idea in ideas:
        await page.get_by_role("button", name="Add note").click()
        await page.get_by_label("Note text").last.fill(idea)


async def drag_note_onto(page: Page, moved: int, target: int) -> None:
    """Drag note number `moved` by its handle onto note number `target`."""
    handles = page.get_by_role("button", name="Move note")
    start = await handles.nth(moved).bounding_box()
    end = await handles.nth(target).bounding_box()
    assert start is not None and end is not None
    await page.mouse.move(start["x"] + 10, start["y"] + 10)
    await page.mouse.down()
    await page.mouse.move(end["x"] + 10, end["y"] + 10, steps=8)
    await page.mouse.up()


# Measured after two frames: list entries use content-visibility: auto, and
# an entry added this frame has no laid-out contents until the next one.
TARGETS_TOO_SMALL = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return [...document.querySelectorAll("button, input, textarea, select, a[href]")]
    .filter((node) => node.checkVisibility())
    // A check box or radio button is also pressed through its label, the bigger target.
    .filter((node) => !(["checkbox", "radio"].includes(node.type) && [...(node.labels || [])]
      .map((label) => label.getBoundingClientRect())
      .some((box) => box.width >= 44 && box.height >= 44)))
    .map((node) => [node.getAttribute("aria-label") || node.textContent.trim(),
                    node.getBoundingClientRect()])
    .filter(([, box]) => box.width < 44 || box.height < 44)
    .map(([name, box]) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)}`);
}"""

UNNAMED_CONTROLS = """() => [...document.querySelectorAll("button, input, textarea, select")]
    .filter((n) => !(n.getAttribute("aria-label") || n.textContent.trim() || n.labels?.length))
    .map((n) => n.outerHTML)"""


async def open_console(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], size: str = "laptop"
) -> Page:
    """The facilitator's link opens the console, online and with who is here."""
    page = await tablet(browser, size)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.goto(
        f"{server.http_url}/facilitate"
        f"#workshop={workshop['id']}&token={workshop['facilitator_token']}"
    )
    await expect(page.locator("#connection")).to_have_text("Online")
    await expect(page.locator("#people-total")).not_to_have_text("Loading who is here…")
    return page


async def open_wall(browser: Browser, server: RunningServer, workshop: dict[str, Any]) -> Page:
    """The wall on a projector, with a viewer's link."""
    wall = await tablet(browser, "projector")
    token = await server.role_token(workshop, "viewer")
    await wall.goto(f"{server.http_url}/wall#workshop={workshop['id']}&token={token}")
    await expect(wall.locator("#connection")).to_have_text("Online")
    return wall


@asynccontextmanager
async def facilitating(
    server: RunningServer, workshop: dict[str, Any]
) -> AsyncIterator[BoardClient]:
    """The facilitator's command channel, said hello."""
    client = BoardClient(
        server.http_url, workshop["id"], None, workshop["facilitator_token"], commands=True
    )
    async with client:
        async with asyncio.timeout(10):
            await client.said_hello.wait()
        yield client
