"""Action cards on real tablets in Chromium: in the plan phase a note becomes
an action card that every tablet, the outline, a viewer and the wall show;
cards keep clear of notes; outside the phase they are read only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from browserkit import (
    ARTIFACTS,
    TARGETS_TOO_SMALL,
    UNNAMED_CONTROLS,
    add_notes,
    join,
    open_wall,
    tablet,
    two_tablets,
)
from channelkit import ok
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect

from board_server.client import BoardClient

pytestmark = pytest.mark.browser

# The five fields, by their labels on the card.
IDEA = "The idea"
STEP = "First step, within 48 hours"
WHO = "Who takes it (a role, not a name)"
WHEN = "By when"
COST = "What it needs (people, money, time)"

BUSES = {
    STEP: "Phone the bus company",
    WHO: "Transport officer",
    WHEN: "Friday noon",
    COST: "Two hours",
}

# Cards and notes that share any area, as "Note 1 / Action 1" (board units).
OVERLAPS = """() => {
  const items = [...document.querySelectorAll("#surface > .note, #surface > .action-card")]
    .map((node) => [node.getAttribute("aria-label"),
      { x: node.offsetLeft, y: node.offsetTop, w: node.offsetWidth, h: node.offsetHeight }]);
  const hit = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const found = [];
  items.forEach(([name, box], i) => items.slice(i + 1).forEach(([other, next]) => {
    if (hit(box, next)) found.push(`${name} / ${other}`);
  }));
  return found;
}"""


async def set_phase(facilitator: BoardClient, phase: str | None) -> None:
    await ok(facilitator, "phase.set", {"phase": phase, "room": "r1"})


def card(page: Page, number: int) -> Locator:
    return page.get_by_role("article", name=f"Action {number}")


def make_action_button(page: Page, words: str) -> Locator:
    return page.get_by_role("button", name=f"Make an action from “{words}”")


async def fill_card(page: Page, number: int, fields: dict[str, str]) -> None:
    for label, words in fields.items():
        await card(page, number).get_by_label(label, exact=True).fill(words)


async def expect_card(page: Page, number: int, idea: str, fields: dict[str, str]) -> None:
    """Card `number` shows these words, field by field."""
    shown = card(page, number)
    await expect(shown.get_by_label(IDEA, exact=True)).to_have_value(idea)
    for label, words in fields.items():
        await expect(shown.get_by_label(label, exact=True)).to_have_value(words)


async def planning_room(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], facilitator: BoardClient
) -> tuple[Page, Page]:
    """Ann's and Ben's tablets with two ideas, in the "Plan actions" phase."""
    ann, ben = await two_tablets(browser, server, workshop)
    await add_notes(ann, "More buses at night", "A bench at the stop")
    await expect(ben.get_by_label("Note text")).to_have_count(2)
    await set_phase(facilitator, "plan")
    await expect(ann.locator("#workshop-strip .phase-title")).to_have_text("Plan actions")
    return ann, ben


async def place_of(item: Locator) -> tuple[str, str]:
    """Where an item is on the board: its left and top, in board units."""
    left = await item.evaluate("node => node.style.left")
    top = await item.evaluate("node => node.style.top")
    return left, top


async def expect_same_place(
    mover: Page, other: Page, item: Callable[[Page, int], Locator], number: int
) -> None:
    """The other tablet shows item `number` where the mover put it."""
    left, top = await place_of(item(mover, number))
    await expect(item(other, number)).to_have_css("left", left)
    await expect(item(other, number)).to_have_css("top", top)
    assert await other.evaluate(OVERLAPS) == []


async def drag(page: Page, handle: Locator, onto: Locator) -> None:
    """Drag by `handle` with the mouse and let go over `onto`."""
    start = await handle.bounding_box()
    end = await onto.bounding_box()
    assert start is not None and end is not None
    await page.mouse.move(start["x"] + 10, start["y"] + 10)
    await page.mouse.down()
    await page.mouse.move(end["x"] + 20, end["y"] + 20, steps=8)
    await page.mouse.up()


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name))


async def test_a_note_becomes_an_action_card_on_every_tablet_and_in_the_outline(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], facilitator: BoardClient
) -> None:
    ann, ben = await two_tablets(browser, server, workshop)
    await add_notes(ann, "More buses at night", "A bench at the stop")
    # With no phase set, nothing offers new action cards.
    await expect(ann.get_by_role("button", name="Add note")).to_be_visible()
    await expect(ann.locator(".plan-button")).to_have_count(0)
    await expect(ann.get_by_role("button", name="Add action")).to_be_hidden()

    await set_phase(facilitator, "plan")
    await expect(ann.get_by_role("button", name="Add action")).to_be_visible()
    await make_action_button(ann, "More buses at night").click()
    # The idea comes from the note; the next thing to write is the first step.
    await expect(card(ann, 1).get_by_role("heading")).to_have_text("📋 Action")
    await expect(card(ann, 1).get_by_label(IDEA, exact=True)).to_have_value("More buses at night")
    await expect(card(ann, 1).get_by_label(STEP, exact=True)).to_be_focused()
    await expect(card(ann, 1).get_by_label(WHO, exact=True)).to_have_attribute(
        "placeholder", "For example: housing officer"
    )
    await fill_card(ann, 1, BUSES)
    await expect_card(ben, 1, "More buses at night", BUSES)
    assert await ann.evaluate(OVERLAPS) == []
    assert await ann.evaluate(TARGETS_TOO_SMALL) == []
    assert await ann.evaluate(UNNAMED_CONTROLS) == []
    await screenshot(ann, "tablet-action-card.png")

    # Ben reads it aloud, and finds it in the outline as plain text.
    await ben.evaluate(
        "() => { window.spoken = []; speechSynthesis.speak = (u) => spoken.push(u.text); }"
    )
    await card(ben, 1).get_by_role("button", name="Read action card aloud").click()
    assert await ben.evaluate("window.spoken") == [
        "Action. The idea: More buses at night. First step, within 48 hours: Phone the bus "
        "company. Who takes it: Transport officer. By when: Friday noon. What it needs: Two hours"
    ]
    await ben.get_by_role("button", name="Outline").click()
    outline = ben.get_by_role("complementary", name="Outline")
    await expect(outline.locator(".outline-count")).to_have_text("2 notes, 1 action")
    actions = outline.get_by_role("region", name="Actions")
    await expect(actions.get_by_role("heading")).to_have_text(["Actions", "Action 1"])
    await expect(actions.get_by_role("listitem").get_by_role("listitem")).to_have_text(
        [
            "The idea: More buses at night",
            "First step, within 48 hours: Phone the bus company",
            "Who takes it: Transport officer",
            "By when: Friday noon",
            "What it needs: Two hours",
        ]
    )
    # The outline follows the card as people write.
    await fill_card(ann, 1, {WHEN: "Friday at noon"})
    await expect(actions.get_by_role("listitem").get_by_role("listitem").nth(3)).to_have_text(
        "By when: Friday at noon"
    )
    await screenshot(ben, "tablet-action-outline.png")


async def test_cards_keep_clear_of_notes_and_delete_comes_back_with_undo(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], facilitator: BoardClient
) -> None:
    ann, ben = await planning_room(browser, server, workshop, facilitator)
    await make_action_button(ann, "More buses at night").click()
    await ben.get_by_role("button", name="Add action").click()
    # A blank card: the idea is the first thing to write.
    await expect(card(ben, 2).get_by_label(IDEA, exact=True)).to_be_focused()
    await expect(card(ann, 2).get_by_label(IDEA, exact=True)).to_have_value("")
    await ben.keyboard.type("A bench at every stop")
    await expect(card(ann, 2).get_by_label(IDEA, exact=True)).to_have_value("A bench at every stop")
    assert await ann.evaluate(OVERLAPS) == []

    # A card dropped on a note moves to the nearest free spot.
    await drag(ben, card(ben, 2).get_by_role("button", name="Move action card"),
               ben.get_by_role("button", name="Move note").first)  # fmt: skip
    assert await ben.evaluate(OVERLAPS) == []
    await expect_same_place(ben, ann, card, 2)

    # A note dropped on a card: the card makes way.
    before = await place_of(card(ann, 1))
    await drag(ann, ann.get_by_role("button", name="Move note").nth(1),
               card(ann, 1).get_by_role("heading"))  # fmt: skip
    assert await ann.evaluate(OVERLAPS) == []
    assert await place_of(card(ann, 1)) != before
    await expect_same_place(ann, ben, card, 1)

    # The arrow keys move a card from its Move handle.
    move = card(ann, 1).get_by_role("button", name="Move action card")
    top = int((await card(ann, 1).evaluate("node => node.style.top")).removesuffix("px"))
    await move.focus()
    await ann.keyboard.press("ArrowDown")
    await expect(card(ben, 1)).not_to_have_css("top", f"{top}px")
    assert await ann.evaluate(OVERLAPS) == []

    # Delete, and Undo brings it back with its words.
    await card(ben, 2).get_by_role("button", name="Delete action card").click()
    await expect(ann.locator(".action-card")).to_have_count(1)
    await expect(ben.locator("#announce")).to_have_text("Action card deleted. Undo brings it back.")
    await ben.get_by_role("button", name="Undo").click()
    await expect(ann.locator(".action-card")).to_have_count(2)
    await expect(card(ann, 2).get_by_label(IDEA, exact=True)).to_have_value("A bench at every stop")


async def test_cards_are_read_only_outside_the_plan_phase_for_viewers_and_on_the_wall(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], facilitator: BoardClient
) -> None:
    ann, _ = await planning_room(browser, server, workshop, facilitator)
    await make_action_button(ann, "More buses at night").click()
    await fill_card(ann, 1, BUSES)

    token = await server.role_token(workshop, "viewer")
    viewer = await tablet(browser)
    await viewer.goto(
        f"{server.http_url}/board#workshop={workshop['id']}&room=r1&token={token}&role=viewer"
    )
    await expect(viewer.locator("#connection")).to_have_text("Online")
    await expect_card(viewer, 1, "More buses at night", BUSES)
    await expect(card(viewer, 1).get_by_label(STEP, exact=True)).not_to_be_editable()
    await expect(card(viewer, 1).get_by_role("button")).to_have_text(["🔊Read"])
    for name in ("Add action", "Make an action from “More buses at night”"):
        await expect(viewer.get_by_role("button", name=name)).to_have_count(0)
    await screenshot(viewer, "viewer-action-card.png")

    wall = await open_wall(browser, server, workshop)
    tile = wall.locator('.tile[data-room="r1"]')
    await expect(tile.locator(".action-card .action-text")).to_have_text(
        ["More buses at night", *BUSES.values()]
    )
    await expect(tile.locator(".tile-foot")).to_contain_text("📋 1 action")
    await expect(tile.locator(".action-card button, .action-card textarea")).to_have_count(0)
    await screenshot(wall, "wall-action-card.png")

    # Looking back: the cards stay, read only, and no note offers a new one.
    await set_phase(facilitator, "reflect")
    await expect(ann.locator(".plan-button")).to_have_count(0)
    await expect(ann.get_by_role("button", name="Add action")).to_be_hidden()
    await expect(card(ann, 1).get_by_label(WHO, exact=True)).not_to_be_editable()
    await expect(card(ann, 1).get_by_label(WHO, exact=True)).to_have_attribute("placeholder", "")
    await expect(card(ann, 1).get_by_role("button", name="Move action card")).to_be_hidden()
    await expect(card(ann, 1).get_by_role("button", name="Delete action card")).to_be_hidden()
    # A paused table in the plan phase writes nothing either.
    await set_phase(facilitator, "plan")
    await expect(card(ann, 1).get_by_label(WHO, exact=True)).to_be_editable()
    await ok(facilitator, "room.lock", {"room": "r1", "locked": True})
    await expect(card(ann, 1).get_by_label(WHO, exact=True)).not_to_be_editable()
    await expect(ann.locator(".plan-button")).to_have_count(0)


async def test_a_phone_makes_an_action_card_within_the_screen(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], facilitator: BoardClient
) -> None:
    ann, _ = await planning_room(browser, server, workshop, facilitator)
    await make_action_button(ann, "More buses at night").click()
    await fill_card(ann, 1, BUSES)
    phone = await tablet(browser, "phone")
    await join(phone, server, workshop["join_code"], "Cy")
    await make_action_button(phone, "A bench at the stop").click()
    # The new card comes into view, ready for its first step.
    first_step = card(phone, 2).get_by_label(STEP, exact=True)
    await expect(first_step).to_be_focused()
    await expect(card(phone, 2)).to_be_in_viewport(ratio=1)
    await phone.keyboard.type("Ask the council for a bench")
    await expect(card(ann, 2).get_by_label(STEP, exact=True)).to_have_value(
        "Ask the council for a bench"
    )
    assert await phone.evaluate(OVERLAPS) == []
    assert await phone.evaluate(TARGETS_TOO_SMALL) == []
    assert await phone.evaluate(UNNAMED_CONTROLS) == []
    assert await phone.evaluate("document.documentElement.scrollWidth") == 390
    await screenshot(phone, "phone-action-card.png")
    # On a phone "Add action" is behind More.
    await phone.get_by_role("button", name="More", exact=True).click()
    await phone.locator("#more-menu").get_by_role("button", name="Add action").click()
    await expect(phone.locator(".action-card")).to_have_count(3)
    await expect(card(phone, 3).get_by_label(IDEA, exact=True)).to_be_focused()
