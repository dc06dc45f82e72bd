"""Moderation in a real Chromium: the facilitator opens a room's board from the
console, hides a note from its menu (it leaves the tablets and waits under
Hidden notes in the console until Put back returns it), keeps a note in the
room (tablets and the wall show the house badge), and a participant keeps a
private note in the room, which has the badge once revealed."""

from __future__ import annotations

from typing import Any

import pytest
from browserkit import ARTIFACTS, TARGETS_TOO_SMALL, UNNAMED_CONTROLS, add_notes, join, tablet
from browserkit import open_console as console_page
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.browser

BUSES = "Night buses every ten minutes"
PARK = "A quiet corner in the park"
BENCH = "A bench at the bus stop"
KEPT = "Stays in this room: not shown to observers"
EMPTY_BIN = (
    "No hidden notes. To hide one, open a room's board (Rooms and people: Open board)"
    " and tap More on the note."
)

NOTE_ID = """(words) => [...document.querySelectorAll("article.note")]
  .find((note) => note.querySelector(".note-text").value === words)?.dataset.noteId ?? null"""


async def id_of(page: Page, words: str) -> str:
    """The id of the note that says `words`, once it is on this page's board."""
    found = await page.wait_for_function(NOTE_ID, arg=words)
    note_id: str = await found.json_value()
    return note_id


async def note_on(page: Page, words: str) -> Locator:
    """The note that says `words`, once it is on this page's board."""
    return page.locator(f'article.note[data-note-id="{await id_of(page, words)}"]')


async def from_menu(note: Locator, item: str) -> None:
    """Open the note's More menu and choose `item`."""
    await note.get_by_role("button", name="More for this note").click()
    await note.get_by_role("group", name="Note menu").get_by_role("button", name=item).click()


async def check_controls(page: Page) -> None:
    """Every control named and big enough to tap."""
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    assert await page.evaluate(UNNAMED_CONTROLS) == []


def hidden_notes(console: Page) -> Locator:
    return console.get_by_role("region", name="Hidden notes")


async def open_facilitator_board(browser: Browser, console: Page, room: str) -> Page:
    """The room card's Open board link (a new tab), opened on the facilitator's tablet."""
    link = console.get_by_role("link", name=f"Open board: {room}")
    await expect(link).to_have_attribute("target", "_blank")
    href = await link.get_attribute("href")
    assert href is not None and "role=facilitator" in href
    board = await tablet(browser)
    await board.goto(f"{console.url.split('/facilitate')[0]}{href}")
    await expect(board.locator("#connection")).to_have_text("Online")
    await expect(board.locator("#room-name")).to_have_text(room)
    # A facilitator holds no seat: nothing to leave.
    await expect(board.get_by_role("button", name="Leave")).to_have_count(0)
    return board


async def test_the_facilitator_hides_a_note_and_puts_it_back_from_the_console(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ann = await tablet(browser)
    await join(ann, server, workshop["join_code"], "Ann")
    await add_notes(ann, BUSES, PARK)
    buses_id = await id_of(ann, BUSES)
    console = await console_page(browser, server, workshop)
    await expect(hidden_notes(console).locator("#bin-total")).to_have_text(EMPTY_BIN)
    board = await open_facilitator_board(browser, console, "Table 1")
    await expect(board.get_by_label("Note text")).to_have_count(2)

    buses = await note_on(board, BUSES)
    await buses.get_by_role("button", name="More for this note").click()
    menu = buses.get_by_role("group", name="Note menu")
    await expect(menu.get_by_role("button")).to_have_text(
        ["🙈 Hide this note", "🏠 Keep in this room"]
    )
    await check_controls(board)
    ARTIFACTS.mkdir(exist_ok=True)
    await board.screenshot(path=str(ARTIFACTS / "moderation-menu.png"))
    await menu.get_by_role("button", name="Hide this note").click()
    dialog = board.get_by_role("dialog", name="Hide this note?")
    await expect(dialog).to_contain_text("where you can put it back")
    await board.screenshot(path=str(ARTIFACTS / "moderation-hide.png"))
    await dialog.get_by_role("button", name="Hide note").click()
    await expect(dialog).to_be_hidden()

    # Off every board: Ann's tablet and the facilitator's own.
    for page in (ann, board):
        await expect(page.get_by_label("Note text")).to_have_count(1)
        await expect(page.get_by_label("Note text")).to_have_value(PARK)
    card = hidden_notes(console)
    await expect(card.locator("#bin-total")).to_have_text(
        "1 hidden note. Only facilitators see them."
    )
    await expect(card.get_by_role("heading", level=3)).to_have_text("Table 1 · 1 hidden note")
    await expect(card.locator(".bin-text")).to_have_text([BUSES])
    await check_controls(console)
    await card.scroll_into_view_if_needed()
    await console.screenshot(path=str(ARTIFACTS / "moderation-console.png"))

    await card.get_by_role("button", name=f"Put back: {BUSES}").click()
    await expect(card.locator("#bin-total")).to_have_text(EMPTY_BIN)
    await expect(card.locator(".bin-note")).to_have_count(0)
    # Back on both boards, under the id it had.
    for page in (ann, board):
        await expect(page.get_by_label("Note text")).to_have_count(2)
        assert await id_of(page, BUSES) == buses_id


async def test_notes_kept_in_the_room_carry_the_badge_on_tablets_and_the_wall(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ann = await tablet(browser)
    await join(ann, server, workshop["join_code"], "Ann")
    await add_notes(ann, BUSES, PARK)
    console = await console_page(browser, server, workshop)
    board = await open_facilitator_board(browser, console, "Table 1")

    await from_menu(await note_on(board, BUSES), "Keep in this room")
    for page in (ann, board):
        kept = page.locator("article.note").filter(has=page.get_by_role("img", name=KEPT))
        await expect(kept).to_have_count(1)
        await expect(kept.get_by_label("Note text")).to_have_value(BUSES)
    # The menu now offers the way back.
    buses = await note_on(board, BUSES)
    await buses.get_by_role("button", name="More for this note").click()
    await expect(buses.get_by_role("button", name="May leave the room")).to_be_visible()
    await board.keyboard.press("Escape")
    await expect(buses.get_by_role("group", name="Note menu")).to_be_hidden()

    wall_token = await server.role_token(workshop, "viewer")
    wall = await tablet(browser, "projector")
    await wall.goto(f"{server.http_url}/wall#workshop={workshop['id']}&token={wall_token}")
    tile = wall.locator('.tile[data-room="r1"]')
    await expect(tile.locator("article.note")).to_have_count(2)
    await expect(tile.locator("article.note .kept-badge")).to_have_count(1)

    # A private note Ann keeps in the room has the badge once revealed.
    private = console.get_by_role("region", name="Private notes")
    await private.get_by_role("switch", name="Private mode in Table 1").check()
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_role("textbox", name="Your private note 1").fill(BENCH)
    keep = ann.get_by_role("button", name="Keep in this room: your private note 1")
    await expect(keep).to_have_attribute("aria-pressed", "false")
    await keep.click()
    await expect(keep).to_have_attribute("aria-pressed", "true")
    await expect(ann.locator(".draft-status")).to_have_text("✓ Saved")
    await check_controls(ann)
    ARTIFACTS.mkdir(exist_ok=True)
    await ann.screenshot(path=str(ARTIFACTS / "moderation-drafts.png"))
    # The server holds it: a reload reads it back pressed.
    await ann.reload()
    await expect(keep).to_have_attribute("aria-pressed", "true")

    await private.get_by_role("button", name="Reveal Table 1's notes").click()
    await console.get_by_role("dialog").get_by_role("button", name="Show the notes").click()
    await expect(ann.get_by_label("Note text")).to_have_count(3)
    kept = ann.locator("article.note").filter(has=ann.get_by_role("img", name=KEPT))
    await expect(kept).to_have_count(2)
    await expect((await note_on(ann, BENCH)).get_by_role("img", name=KEPT)).to_be_visible()
    await expect(tile.locator("article.note .kept-badge")).to_have_count(2)
    await wall.screenshot(path=str(ARTIFACTS / "moderation-wall.png"))
    await ann.locator("#outline-toggle").click()
    await expect(ann.locator("#outline-list li")).to_have_text(
        [f"{BUSES} (stays in this room)", PARK, f"{BENCH} (stays in this room)"]
    )
    await ann.get_by_role("button", name="Close outline").click()
    await ann.locator("#toast").get_by_role("button", name="OK").click()
    await ann.screenshot(path=str(ARTIFACTS / "moderation-tablet.png"))
