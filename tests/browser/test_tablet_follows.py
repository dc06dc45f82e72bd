"""A tablet follows what the facilitator sets: the phase opens only its tools,
the banner shows, a lock pauses the table, and the question can be read aloud."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browserkit import ARTIFACTS, TARGETS_TOO_SMALL, UNNAMED_CONTROLS, add_notes, join, tablet
from conftest import RunningServer
from playwright.async_api import Browser, Page, expect

from board_server.client import BoardClient

pytestmark = pytest.mark.browser


@pytest.fixture
async def page(browser: Browser, server: RunningServer, workshop: dict[str, Any]) -> Page:
    """Ann's tablet, joined to room r1 and online."""
    ann = await tablet(browser)
    await join(ann, server, workshop["join_code"], "Ann")
    return ann


async def command(client: BoardClient, cmd: str, args: dict[str, Any]) -> None:
    reply = await client.request(cmd, args)
    assert reply["ok"], reply


async def test_phase_banner_lock_and_the_question_read_aloud(
    page: Page, facilitator: BoardClient
) -> None:
    await add_notes(page, "Buses stop at eight")
    add_note = page.get_by_role("button", name="Add note")
    add_factor = page.get_by_role("button", name="Add factor")

    # Ideas: notes open, the map's tools closed.
    await command(facilitator, "phase.set", {"phase": "ideate", "room": "r1"})
    await command(facilitator, "room.prompt", {"room": "r1", "text": "What keeps you home?"})
    strip = page.locator("#workshop-strip")
    await expect(strip.locator(".phase-title")).to_have_text("Ideas")
    await expect(strip.locator(".phase-step")).to_have_text("Step 2 of 8")
    await expect(page.locator("#prompt .prompt-text")).to_have_text("What keeps you home?")
    await expect(add_note).to_be_visible()

    # Causes and effects: the map opens by itself, and notes are closed.
    await command(facilitator, "phase.set", {"phase": "map", "room": "r1"})
    await expect(strip.locator(".phase-title")).to_have_text("Causes and effects")
    await expect(add_factor).to_be_visible()
    await expect(add_note).to_be_hidden()
    await page.get_by_role("button", name="Notes").click()
    await expect(page.get_by_label("Note text")).to_have_js_property("readOnly", True)

    # The banner, on every tablet.
    await command(facilitator, "banner.set", {"text": "Lunch at 12:30"})
    await expect(page.locator("#banner .notice-text")).to_have_text("Lunch at 12:30")

    # A lock pauses the table: nothing to write, and the tablet says why.
    await command(facilitator, "phase.set", {"phase": "ideate", "room": "r1"})
    await expect(add_note).to_be_visible()
    await command(facilitator, "room.lock", {"room": "r1", "locked": True})
    await expect(page.locator("#room-locked .notice-text")).to_have_text(
        "Your table is paused by the facilitator"
    )
    await expect(add_note).to_be_hidden()
    await expect(page.get_by_label("Note text")).to_have_js_property("readOnly", True)
    await command(facilitator, "room.lock", {"room": "r1", "locked": False})
    await expect(page.locator("#room-locked")).to_be_hidden()
    await expect(add_note).to_be_visible()
    await expect(page.get_by_label("Note text")).to_have_js_property("readOnly", False)

    # The question, read aloud with the phase.
    await page.evaluate(
        "() => { window.spoken = []; speechSynthesis.speak = (u) => spoken.push(u.text); }"
    )
    await page.get_by_role("button", name="Read the question aloud").click()
    assert await page.evaluate("window.spoken") == ["Ideas. What keeps you home?"]


async def test_a_removed_person_leaves_nothing_of_theirs_on_the_tablet(
    page: Page, facilitator: BoardClient
) -> None:
    kept = """() => ['board.session', 'board.rejoin', 'board.name']
        .filter((key) => localStorage.getItem(key) !== null)"""
    assert await page.evaluate(kept) != []
    people = (await facilitator.request("people"))["result"]["people"]
    await command(facilitator, "participant.remove", {"participant": people[0]["id"]})
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "The facilitator has taken you out of this workshop"
    )
    assert await page.evaluate(kept) == []
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/join$"))
    await expect(page.get_by_label("Your name or a nickname")).to_have_value("")


async def test_a_phone_in_a_phase_shows_it_all_within_the_screen(
    browser: Browser,
    server: RunningServer,
    workshop: dict[str, Any],
    facilitator: BoardClient,
) -> None:
    phone = await tablet(browser, "phone")
    await join(phone, server, workshop["join_code"], "Ann")
    await command(facilitator, "phase.set", {"phase": "ideate", "room": "r1"})
    await command(
        facilitator, "room.prompt", {"room": "r1", "text": "What would make you stay out at night?"}
    )
    await command(facilitator, "timer.start", {"seconds": 600, "room": "r1"})
    await command(facilitator, "banner.set", {"text": "Lunch at 12:30"})
    await expect(phone.get_by_role("timer")).to_contain_text(re.compile(r"(10:00|9:[45]\d)"))
    await expect(phone.locator("#prompt .prompt-text")).to_be_visible()
    await expect(phone.locator("#banner .notice-text")).to_have_text("Lunch at 12:30")
    assert await phone.evaluate(TARGETS_TOO_SMALL) == []
    assert await phone.evaluate(UNNAMED_CONTROLS) == []
    assert await phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "tablet-phase-phone.png"))
