"""One round of a workshop, as a hall runs it, in Chromium: from the console
the facilitator opens a dots vote in three rooms, the tablets vote by
tapping, the console follows who has voted, the reveal puts the ranking on
the wall; then private mode: one tablet drafts, its neighbour sees nothing,
and after the reveal both see the note."""

from __future__ import annotations

import secrets

import pytest
from browserkit import ARTIFACTS, TARGETS_TOO_SMALL, join, open_console, open_wall, tablet
from conftest import RunningServer
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.browser

ROOMS = ("Table 1", "Table 2", "Table 3")


async def add_notes(page: Page, *ideas: str) -> None:
    for idea in ideas:
        await page.get_by_role("button", name="Add note").click()
        await page.get_by_label("Note text").last.fill(idea)


async def give(page: Page, idea: str, dots: int) -> None:
    button = page.get_by_role("button", name=f"Give 1 dot to “{idea}”")
    bar = page.locator("#vote-bar")
    for _ in range(dots):
        left = await bar.text_content() or ""
        await button.click()
        await expect(bar).not_to_have_text(left)


async def test_a_vote_in_three_rooms_then_private_notes_revealed(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await server.create_workshop("Round", ROOMS)
    console = await open_console(browser, server, workshop)
    ann, dee, ben, cy = [await tablet(browser) for _ in range(4)]
    for page, name, room in ((ann, "Ann", "r1"), (dee, "Dee", "r1"), (ben, "Ben", "r2"),
                             (cy, "Cy", "r3")):  # fmt: skip
        await join(page, server, workshop["join_code"], name, room)
    await add_notes(ann, "Night buses", "A bench at the stop")
    await add_notes(ben, "Youth club on Fridays", "Brighter street lights")
    await add_notes(cy, "Food bank hours", "A GP phone line that answers")
    await expect(dee.get_by_label("Note text")).to_have_count(2)
    wall = await open_wall(browser, server, workshop)

    # Dots, 3 each, in every room (the console acts on every room by default).
    rooms = console.locator("#vote-rooms li")
    await expect(console.get_by_label("Dots each")).to_have_value("3")
    await console.get_by_role("button", name="Start the vote").click()
    await expect(rooms).to_have_text(
        [f"{room} — Dots: voting now; nobody has voted yet" for room in ROOMS]
    )
    activity = console.locator("#audit-rows tr")
    started = "Vote startedAll roomsvote opened: dots (all rooms)"
    await expect(activity.first).to_contain_text(started)
    bar = "🗳️ Vote: give your 3 dots to the ideas you choose. 3 left."
    for page in (ann, dee, ben, cy):
        await expect(page.locator("#vote-bar")).to_have_text(bar)

    await give(ann, "Night buses", 2)
    await give(ann, "A bench at the stop", 1)
    await expect(rooms.nth(0)).to_have_text(
        "Table 1 — Dots: voting now; 1 of 2 have voted; waiting for Dee"
    )
    await give(dee, "Night buses", 3)
    await give(ben, "Brighter street lights", 2)
    await give(cy, "A GP phone line that answers", 3)
    await expect(rooms).to_have_text(
        [
            "Table 1 — Dots: voting now; 2 of 2 have voted",
            "Table 2 — Dots: voting now; 1 of 1 have voted",
            "Table 3 — Dots: voting now; 1 of 1 have voted",
        ]
    )
    assert await ann.evaluate(TARGETS_TOO_SMALL) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await ann.screenshot(path=str(ARTIFACTS / "round-tablet-voting.png"))
    await console.evaluate("window.scrollTo(0, 0)")
    await console.screenshot(path=str(ARTIFACTS / "round-console-vote.png"), full_page=True)
    # Nothing of the tally shows anywhere before the reveal.
    await expect(wall.locator(".tile-results")).to_have_count(3)
    for tile in await wall.locator(".tile-results").all():
        await expect(tile).to_be_hidden()

    await console.get_by_role("button", name="Close voting").click()
    await console.get_by_role("button", name="Reveal results").click()
    await expect(wall.locator('.tile[data-room="r1"] .tile-results')).to_have_text(
        "🗳️ 1. Night buses (5 dots) · 2. A bench at the stop (1 dot)"
    )
    await expect(wall.locator('.tile[data-room="r2"] .tile-results')).to_have_text(
        "🗳️ 1. Brighter street lights (2 dots)"
    )
    await expect(wall.locator('.tile[data-room="r3"] .tile-results')).to_have_text(
        "🗳️ 1. A GP phone line that answers (3 dots)"
    )
    await wall.screenshot(path=str(ARTIFACTS / "round-wall-results.png"))
    await expect(dee.locator("#vote-bar")).to_have_text(
        "🗳️ Results: 1. Night buses; 2. A bench at the stop"
    )

    # Private mode: Ann writes alone; Dee, at the same table, sees nothing.
    card = console.get_by_role("region", name="Private notes")
    await card.get_by_role("switch", name="Private mode in every room").check()
    await expect(ann.locator("#private-bar")).to_be_visible()
    secret = f"Somewhere to talk {secrets.token_hex(4)}"
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_role("textbox", name="Your private note 1").fill(secret)
    await expect(ann.locator(".draft-status")).to_have_text("✓ Saved")
    table_1 = card.locator(".private-room").filter(has_text="Table 1")
    await expect(table_1.locator(".private-count")).to_have_text("1 note waiting")
    await expect(dee.get_by_label("Note text")).to_have_count(2)
    await expect(dee.get_by_text(secret)).to_have_count(0)
    await ann.screenshot(path=str(ARTIFACTS / "round-tablet-draft-tray.png"))

    await card.get_by_role("button", name="Reveal every room's notes").click()
    await console.get_by_role("dialog").get_by_role("button", name="Show the notes").click()
    for page in (ann, dee):
        await expect(page.get_by_label("Note text")).to_have_count(3)
        await expect(page.get_by_label("Note text").last).to_have_value(secret)
    await expect(ann.locator("#private-bar")).to_be_hidden()
    await expect(activity.first).to_contain_text(
        "Private notes revealedAll roomsprivate notes revealed (all rooms)"
    )
