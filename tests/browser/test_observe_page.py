"""The observers' page (/observe) in a real Chromium: a remote observer watches
every room live with the phase, timer, banner and revealed results, is told
plainly that it only watches, has nothing to take part with, starts from a new
document on every connection, and reads on a projector, a tablet and a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browserkit import (
    ARTIFACTS,
    TARGETS_TOO_SMALL,
    UNNAMED_CONTROLS,
    add_notes,
    facilitating,
    join,
    open_console,
    tablet,
)
from channelkit import ok
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect
from pycrdt import Map

from board_server.client import BoardClient

pytestmark = pytest.mark.browser

TITLE = "Our street in 2030"
ROOMS = ("Red table", "Blue table")
BANNER = "Back at 11:00 for the plenary"
WATCHING = (
    "You are watching this workshop. "
    "You cannot add or change anything; the people in the room cannot see you."
)
# Every control on the page, shown or not, as "tag: name".
CONTROLS = """() => [...document.querySelectorAll(
    "button, input, textarea, select, a[href], [contenteditable], [tabindex]")]
  .map((n) => `${n.localName}: ${n.getAttribute("aria-label") || n.labels?.[0]?.textContent
    || n.textContent.trim()}`)"""
SHOW_ROOMS = [f"button: Show {room} on the whole screen" for room in ROOMS]


@pytest.fixture
async def street(server: RunningServer) -> dict[str, Any]:
    """A workshop with two tables."""
    return await server.create_workshop(TITLE, ROOMS)


async def observer_link(server: RunningServer, workshop: dict[str, Any], room: str = "") -> str:
    """An observer link as the facilitator issues it, optionally naming a room."""
    token = await server.role_token(workshop, "observer")
    where = f"&room={room}" if room else ""
    return f"{server.http_url}/observe#workshop={workshop['id']}&token={token}{where}"


async def open_observer(browser: Browser, link: str, size: str) -> Page:
    """The observer link opened on a device of this size, online."""
    page = await tablet(browser, size)
    await page.goto(link)
    await expect(page.locator("#connection")).to_have_text("Online")
    return page


async def tablet_with_notes(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], *ideas: str
) -> Page:
    """Ann's tablet at the Red table, with these notes written."""
    ann = await tablet(browser)
    await join(ann, server, workshop["join_code"], "Ann", room="r1")
    await add_notes(ann, *ideas)
    return ann


async def set_the_scene(facilitator: BoardClient) -> None:
    """Every room in the Ideas phase, a 10-minute timer, and a banner."""
    await ok(facilitator, "phase.set", {"phase": "ideate"})
    await ok(facilitator, "timer.start", {"seconds": 600})
    await ok(facilitator, "banner.set", {"text": BANNER})


def tile(page: Page, room: str) -> Locator:
    return page.get_by_role("region", name=room)


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name))


async def test_an_observer_watches_every_room_live_and_has_nothing_to_take_part_with(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    ann = await tablet_with_notes(browser, server, street, "A bench by the bus stop")
    async with facilitating(server, street) as facilitator:
        await set_the_scene(facilitator)
        # The facilitator's console gives the observer page's link.
        console = await open_console(browser, server, street)
        field = console.get_by_role("textbox", name="Observer page (to watch from elsewhere)")
        link = await field.input_value()
        public = street["join_url"].split("/join/")[0]
        assert link.startswith(f"{public}/observe#workshop={street['id']}&token=")
        opener = console.get_by_role("link", name="Open the observer page link")
        await expect(opener).to_have_attribute("href", link)
        await console.context.close()
        page = await open_observer(browser, link, "projector")

        # The token has left the address bar.
        assert page.url == f"{public}/observe"
        await expect(page.locator("#watching")).to_contain_text(WATCHING)
        await expect(page.locator("#watching")).to_be_visible()
        await expect(page).to_have_title(f"Watching: {TITLE}")
        await expect(page.locator("#wall-title")).to_have_text(TITLE)
        await expect(page.locator("#wall-phase")).to_have_text("💡 Ideas")
        await expect(page.locator(".wall-timer-time")).to_have_text(re.compile(r"^(9:\d\d|10:00)$"))
        await expect(page.locator("#wall-banner")).to_have_text(BANNER)
        await expect(page.get_by_role("region")).to_have_count(2)
        red = tile(page, "Red table")
        await expect(red.locator(".note")).to_have_text(["A bench by the bus stop"])

        # A note written at the table shows at once; nobody here is counted.
        await add_notes(ann, "More buses at night")
        await expect(red.locator(".note")).to_have_text(
            ["A bench by the bus stop", "More buses at night"]
        )
        await expect(red.locator(".tile-foot")).to_contain_text("📝 2 notes")
        # Screen readers read the board as a list (the drawing itself is a picture).
        await expect(red.get_by_role("listitem")).to_have_text(
            ["A bench by the bus stop", "More buses at night"]
        )
        await expect(red.locator(".tile-foot")).not_to_contain_text("here")
        await expect(tile(page, "Blue table").locator(".tile-empty")).to_have_text("No notes yet")

        # Only what chooses a room to watch: nothing to write, vote or draft with.
        assert await page.evaluate(CONTROLS) == ["select: Watch", *SHOW_ROOMS]
        await expect(page.get_by_role("combobox", name="Watch")).to_have_value("")
        assert await page.evaluate(TARGETS_TOO_SMALL) == []
        assert await page.evaluate(UNNAMED_CONTROLS) == []

        # A revealed vote's result, in the words of the note.
        ben = await BoardClient.join(
            server.http_url, street["join_code"], "Ben", room="r1", commands=True
        )
        async with ben:
            await ben.wait_synced()
            notes = ben.doc.get("notes", type=Map)
            await ben.wait_until(lambda: len(notes) == 2)
            bench = next(k for k, v in notes.items() if str(v["text"]) == "A bench by the bus stop")
            await ok(facilitator, "vote.open", {"mode": "dots", "budget": 3, "room": "r1"})
            await ok(ben, "vote.cast", {"item": bench, "amount": 1})
        await ok(facilitator, "vote.reveal", {"room": "r1"})
        await expect(red.locator(".tile-results")).to_have_text(
            "🗳️ 1. A bench by the bus stop (1 dot)"
        )
        await screenshot(page, "observe-projector.png")

    # One room fills the screen, and its address says which; Escape shows both.
    await page.get_by_role("button", name="Show Red table on the whole screen").click()
    await expect(page.get_by_role("region")).to_have_count(1)
    await expect(page.get_by_role("combobox", name="Watch")).to_have_value("r1")
    assert page.url == f"{public}/observe#room=r1"
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("region")).to_have_count(2)
    assert page.url == f"{public}/observe"


async def test_each_connection_of_an_observer_starts_from_a_new_document(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    await tablet_with_notes(browser, server, street, "A bench by the bus stop")
    page = await open_observer(browser, await observer_link(server, street), "laptop")
    red = tile(page, "Red table")
    await expect(red.locator(".note")).to_have_text(["A bench by the bus stop"])
    # A note the server no longer sends (as one hidden while this observer was
    # away): it is in the document on screen, and nowhere else.
    await page.evaluate("""() => {
        const doc = window.observe.tiles.get("r1").doc;
        window.before = doc;
        const notes = doc.getMap("notes");
        const [kept] = notes.values();
        const ghost = new kept.constructor();
        doc.transact(() => {
          for (const [key, value] of kept.entries()) {
            if (typeof value !== "object") ghost.set(key, value);
          }
          ghost.set("text", new (kept.get("text").constructor)("Hidden meanwhile"));
          ghost.set("x", (kept.get("x") || 0) + 400);
          notes.set("ghost", ghost);
        });
    }""")
    await expect(red.locator(".note")).to_have_text(["A bench by the bus stop", "Hidden meanwhile"])

    # The connection drops and comes back: the board is the server's alone.
    await page.evaluate('() => window.observe.tiles.get("r1").feed.live.provider.ws.close()')
    await expect(red.locator(".note")).to_have_text(["A bench by the bus stop"])
    await expect(red.locator(".tile-status")).to_be_hidden()
    assert await page.evaluate('() => window.observe.tiles.get("r1").doc !== window.before')


async def test_the_observer_page_reads_on_a_phone_and_a_tablet_and_opens_the_room_its_link_names(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    await tablet_with_notes(
        browser, server, street, "A bench by the bus stop", "More buses at night"
    )
    async with facilitating(server, street) as facilitator:
        await set_the_scene(facilitator)

    phone = await open_observer(browser, await observer_link(server, street, "r1"), "phone")
    assert phone.url == f"{server.http_url}/observe#room=r1"
    await expect(phone.get_by_role("region")).to_have_count(1)
    await expect(tile(phone, "Red table").locator(".note")).to_have_count(2)
    picker = phone.get_by_role("combobox", name="Watch")
    await expect(picker).to_have_value("r1")
    await expect(phone.locator("#watching")).to_be_visible()
    await expect(phone.locator("#wall-banner")).to_be_visible()
    assert await phone.evaluate(TARGETS_TOO_SMALL) == []
    assert await phone.evaluate(UNNAMED_CONTROLS) == []
    await picker.select_option(label="All rooms")
    await expect(phone.get_by_role("region")).to_have_count(2)
    assert phone.url == f"{server.http_url}/observe"
    assert await phone.evaluate(TARGETS_TOO_SMALL) == []
    await screenshot(phone, "observe-phone.png")

    pad = await open_observer(browser, await observer_link(server, street), "tablet")
    await expect(pad.get_by_role("region")).to_have_count(2)
    await expect(tile(pad, "Red table").locator(".note")).to_have_count(2)
    assert await pad.evaluate(CONTROLS) == ["select: Watch", *SHOW_ROOMS]
    assert await pad.evaluate(TARGETS_TOO_SMALL) == []
    await screenshot(pad, "observe-tablet.png")
