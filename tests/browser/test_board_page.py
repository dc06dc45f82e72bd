"""The tablet board page in a real Chromium: two tablets share a note; a viewer only reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RunningServer
from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def tablet(browser: Browser) -> Page:
    """A fresh tablet: its own context, so its own storage."""
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    context.set_default_timeout(10_000)
    return await context.new_page()


async def join(page: Page, server: RunningServer, code: str, name: str) -> None:
    await page.goto(f"{server.http_url}/join/{code}?room=r1")
    await page.get_by_label("Your name or a nickname").fill(name)
    await page.get_by_role("button", name="Join").click()
    await page.wait_for_url("**/board")
    await expect(page.get_by_role("status")).to_have_text("Online")


async def test_two_tablets_share_a_note(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await tablet(browser), await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    await join(b, server, workshop["join_code"], "Ben")

    await a.get_by_role("button", name="Add note").click()
    await a.get_by_label("Note text").fill("Bus stop too far")
    await expect(b.get_by_label("Note text")).to_have_value("Bus stop too far")
    await expect(b.get_by_text("1 note", exact=True)).to_be_visible()

    note_b = b.get_by_label("Note text")
    await note_b.click()
    await note_b.press("End")
    await note_b.type(" at night")
    await expect(a.get_by_label("Note text")).to_have_value("Bus stop too far at night")

    ARTIFACTS.mkdir(exist_ok=True)
    await a.screenshot(path=str(ARTIFACTS / "tablet.png"))

    # A reload keeps the token on the device and rejoins the same room.
    await b.reload()
    await expect(b.get_by_role("status")).to_have_text("Online")
    await expect(b.get_by_label("Note text")).to_have_value("Bus stop too far at night")

    await a.get_by_role("button", name="Delete note").click()
    await expect(b.get_by_label("Note text")).to_have_count(0)
    await expect(b.get_by_text("0 notes", exact=True)).to_be_visible()


async def test_viewer_sees_the_board_without_editing_controls(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    writer = await tablet(browser)
    await join(writer, server, workshop["join_code"], "Ann")
    await writer.get_by_role("button", name="Add note").click()
    await writer.get_by_label("Note text").fill("Lonely evenings")

    token = await server.role_token(workshop, "viewer")
    viewer = await tablet(browser)
    await viewer.goto(
        f"{server.http_url}/board#workshop={workshop['id']}&room=r1&token={token}&role=viewer"
    )
    await expect(viewer.get_by_role("status")).to_have_text("Online")
    note = viewer.get_by_label("Note text")
    await expect(note).to_have_value("Lonely evenings")
    await expect(note).not_to_be_editable()
    assert await viewer.get_by_role("button").count() == 0

    await writer.get_by_label("Note text").fill("Lonely evenings, long days")
    await expect(note).to_have_value("Lonely evenings, long days")
    ARTIFACTS.mkdir(exist_ok=True)
    await viewer.screenshot(path=str(ARTIFACTS / "viewer.png"))
