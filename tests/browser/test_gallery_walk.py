"""The gallery walk on real tablets in Chromium: a table in the walk visits
another table's board, read only, and leaves a build-on that the other table
sees in its lane; a table not in the walk is offered nothing; when the walk
ends the visiting tablet is back on its own board with a notice."""

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
    tablet,
)
from channelkit import ok
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, WebSocketRoute, expect

pytestmark = pytest.mark.browser

WALK = "🚶 Gallery walk: visit the other tables, read their ideas and leave a build-on."
LANE = "Build-ons from other tables"
SPY_SPEECH = "() => { window.spoken = []; speechSynthesis.speak = (u) => spoken.push(u.text); }"
ENDED = "The gallery walk has ended. You are back at Table 1."


class HeldSocket:
    """A tablet's own board socket, passed through the test, which can hold
    back what the server sends (the state push that ends a walk) for a while."""

    def __init__(self) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self.client: WebSocketRoute | None = None

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self.client = ws
        ws.on_message(server.send)
        server.on_message(self.deliver)

    def deliver(self, message: str | bytes) -> None:
        if self.holding:
            self.held.append(message)
        elif self.client is not None:
            self.client.send(message)

    def release(self) -> None:
        self.holding = False
        for message in self.held:
            self.deliver(message)
        self.held.clear()


async def seated(
    browser: Browser,
    server: RunningServer,
    workshop: dict[str, Any],
    name: str,
    room: str,
    idea: str | None = None,
    size: str = "tablet",
) -> Page:
    """A tablet joined to `room`, online, that wrote `idea` on its board."""
    page = await tablet(browser, size)
    await join(page, server, workshop["join_code"], name, room)
    if idea:
        await add_notes(page, idea)
    return page


def gallery_words(page: Page) -> Locator:
    return page.locator("#gallery .gallery-words")


def lane(page: Page) -> Locator:
    return page.get_by_role("complementary", name=LANE)


def buildons(page: Page) -> Locator:
    """The words of each build-on in the lane, oldest first."""
    return lane(page).locator(".buildon-text")


async def has_state(page: Page, version: int) -> None:
    """Wait until the tablet holds the workshop state of this version or a newer one."""
    await page.wait_for_function(
        "(version) => (window.board?.connection.state?.version ?? -1) >= version", arg=version
    )


async def check_controls(page: Page) -> None:
    """Every control named, big enough to tap, and nothing wider than the screen."""
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    assert await page.evaluate(UNNAMED_CONTROLS) == []
    assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")


async def leave_buildon(page: Page, label: str, words: str, table: str) -> None:
    """Write a build-on in the open dialog, under `label`, and send it to `table`."""
    dialog = page.get_by_role("dialog", name="Leave a build-on")
    field = dialog.get_by_label(label)
    await field.fill(words)
    await expect(dialog.locator(".buildon-chars")).to_have_text(f"{len(words)} of 300 characters")
    await check_controls(page)
    await dialog.get_by_role("button", name="Send").click()
    await expect(dialog).to_be_hidden()
    toast = page.locator("#toast")
    await expect(toast.locator(".toast-text")).to_have_text(f"Sent to {table}'s board")
    await toast.get_by_role("button", name="OK").click()


async def test_a_table_visits_another_leaves_a_build_on_and_is_home_when_the_walk_ends(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ann = await seated(browser, server, workshop, "Ann", "r1", "Buses stop at eight")
    ben = await seated(browser, server, workshop, "Ben", "r2", "A bench at the stop")
    async with facilitating(server, workshop) as facilitator:
        state = (await ok(facilitator, "phase.set", {"phase": "gallery", "room": "r1"}))["state"]
        await expect(gallery_words(ann)).to_have_text(WALK)
        await expect(ann.locator(".phase-doing")).to_have_text("You can visit the other tables")
        # Ben's table is not in the walk: it is offered nothing.
        await has_state(ben, state["version"])
        await expect(ben.locator("#gallery")).to_be_hidden()

        await ann.get_by_role("button", name="Visit Table 2").click()
        await expect(gallery_words(ann)).to_have_text("👀 You are visiting Table 2 — read only")
        await expect(ann.get_by_label("Note text")).to_have_value("A bench at the stop")
        await expect(ann.get_by_label("Note text")).not_to_be_editable()
        await expect(ann.get_by_role("button", name="Add note")).to_be_hidden()
        await expect(ann.get_by_role("button", name="Back to Table 1")).to_be_focused()
        await check_controls(ann)
        ARTIFACTS.mkdir(exist_ok=True)
        await ann.screenshot(path=str(ARTIFACTS / "tablet-gallery-visit.png"))

        # A build-on with no words is not sent; one with words goes to Table 2.
        await ann.get_by_role("button", name="Leave a build-on").click()
        dialog = ann.get_by_role("dialog", name="Leave a build-on")
        await expect(dialog.get_by_role("group", name="For which table?")).to_be_hidden()
        await expect(dialog.get_by_label("Your build-on for Table 2")).to_have_attribute(
            "placeholder", "Yes, and…"
        )
        await dialog.get_by_role("button", name="Send").click()
        await expect(dialog.get_by_role("alert")).to_have_text("Write your build-on first")
        await leave_buildon(
            ann, "Your build-on for Table 2", "Yes, and a roof for when it rains", "Table 2"
        )

        # It lands in Table 2's lane: on Ben's board, and on the board Ann looks at.
        for page in (ben, ann):
            await expect(buildons(page)).to_have_text(
                ["From Table 1: Yes, and a roof for when it rains"]
            )
        await ben.evaluate(SPY_SPEECH)
        await lane(ben).get_by_role("button", name="Read build-on 1 aloud").click()
        assert await ben.evaluate("window.spoken") == [
            "From Table 1: Yes, and a roof for when it rains"
        ]
        await check_controls(ben)
        await ben.screenshot(path=str(ARTIFACTS / "tablet-buildon-lane.png"))
        await ben.get_by_role("button", name="Outline").click()
        outline = ben.get_by_role("complementary", name="Outline")
        await expect(outline.get_by_role("region", name=LANE).get_by_role("listitem")).to_have_text(
            ["From Table 1: Yes, and a roof for when it rains"]
        )

        # The walk ends: Ann is back on her own board, told so, and can write again.
        await ok(facilitator, "phase.set", {"phase": "plan", "room": "r1"})
        await expect(ann.locator("#toast .toast-text")).to_have_text(ENDED)
        await expect(ann.locator("#gallery")).to_be_hidden()
        await expect(ann.get_by_label("Note text")).to_have_value("Buses stop at eight")
        await expect(ann.get_by_role("button", name="Add note")).to_be_visible()
        await expect(ann.get_by_label("Note text")).to_be_editable()
        await expect(lane(ann)).to_be_hidden()
        await expect(ann.locator("#connection")).to_have_text("Online")
        await expect(ann.locator("body")).not_to_have_class("visiting")


async def test_a_phone_chooses_a_table_at_home_visits_it_and_comes_back(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await server.create_workshop(rooms=("Table 1", "Table 2", "Table 3"))
    ann = await seated(browser, server, workshop, "Ann", "r1", size="phone")
    ben = await seated(browser, server, workshop, "Ben", "r2", "A bench at the stop")
    async with facilitating(server, workshop) as facilitator:
        await ok(facilitator, "phase.set", {"phase": "gallery"})
        await expect(gallery_words(ben)).to_have_text(WALK)
        await expect(ann.locator("#gallery").get_by_role("button")).to_have_text(
            ["🚶 Visit Table 2", "🚶 Visit Table 3", "💬 Leave a build-on"]
        )

        # From the own board, the build-on goes to the table chosen.
        await ann.get_by_role("button", name="Leave a build-on").click()
        dialog = ann.get_by_role("dialog", name="Leave a build-on")
        await expect(dialog.get_by_label("Your build-on for Table 2")).to_be_visible()
        await dialog.get_by_role("radio", name="Table 3").check()
        await dialog.get_by_role("radio", name="Table 2").check()
        await leave_buildon(
            ann, "Your build-on for Table 2", "Yes, and a light above it", "Table 2"
        )
        await expect(buildons(ben)).to_have_text(["From Table 1: Yes, and a light above it"])

        await ann.get_by_role("button", name="Visit Table 2").click()
        await expect(gallery_words(ann)).to_have_text("👀 You are visiting Table 2 — read only")
        await expect(ann.get_by_label("Note text")).to_have_value("A bench at the stop")
        await expect(buildons(ann)).to_have_text(["From Table 1: Yes, and a light above it"])
        await expect(ann.locator("#gallery").get_by_role("button")).to_have_text(
            ["↩ Back to Table 1", "💬 Leave a build-on", "🚶 Visit Table 3"]
        )
        await check_controls(ann)
        ARTIFACTS.mkdir(exist_ok=True)
        await ann.screenshot(path=str(ARTIFACTS / "phone-gallery-visit.png"))

        # Everyone looks at one table: the spotlight comes first, then home.
        await ok(facilitator, "spotlight.set", {"room": "r3"})
        await expect(ann.locator("#spotlight-note")).to_have_text("👀 Look at what Table 3 made")
        await expect(ann.locator("#gallery")).to_be_hidden()
        await ok(facilitator, "spotlight.set", {"room": None})
        await expect(gallery_words(ann)).to_have_text(WALK)
        await expect(ann.get_by_label("Note text")).to_have_count(0)

        await ann.get_by_role("button", name="Visit Table 2").click()
        await ann.get_by_role("button", name="Back to Table 1").click()
        await expect(gallery_words(ann)).to_have_text(WALK)
        await expect(ann.get_by_role("button", name="Visit Table 2")).to_be_focused()
        await expect(ann.get_by_label("Note text")).to_have_count(0)
        await expect(lane(ann)).to_be_hidden()


async def test_a_visit_the_server_closes_before_the_state_comes_is_home_and_stays_home(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ann = await tablet(browser)
    own = HeldSocket()
    await ann.route_web_socket(re.compile(rf"/ws/{workshop['id']}/r1\?"), own.route)
    await join(ann, server, workshop["join_code"], "Ann", "r1")
    await add_notes(ann, "Buses stop at eight")
    await seated(browser, server, workshop, "Ben", "r2", "A bench at the stop")
    async with facilitating(server, workshop) as facilitator:
        await ok(facilitator, "phase.set", {"phase": "gallery", "room": "r1"})
        await ann.get_by_role("button", name="Visit Table 2").click()
        await expect(ann.get_by_label("Note text")).to_have_value("A bench at the stop")

        # The visit's 4403 comes; the state that says why is held back.
        own.holding = True
        await ok(facilitator, "phase.set", {"phase": "plan", "room": "r1"})
        await expect(ann.locator("#toast .toast-text")).to_have_text(ENDED)
        await expect(ann.get_by_label("Note text")).to_have_value("Buses stop at eight")
        await expect(ann.locator("#gallery")).to_be_hidden()
        await expect(ann.locator("#connection")).to_have_text("Online")
        await expect(ann.locator(".phase-title")).to_have_text("Gallery walk")

        own.release()
        await expect(ann.locator(".phase-title")).to_have_text("Plan actions")
        await expect(ann.locator("#gallery")).to_be_hidden()
        await expect(ann.get_by_role("button", name="Add note")).to_be_visible()
        await expect(ann.get_by_label("Note text")).to_be_editable()
