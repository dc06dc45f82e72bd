"""Private mode in a real Chromium: the facilitator turns it on from the
console, a tablet writes notes that only it shows (no other tablet and not
the console receives a byte of their words), changes and deletes them, and
the facilitator's reveal puts them on every tablet's board."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from browserkit import ARTIFACTS, SIZES, TARGETS_TOO_SMALL, UNNAMED_CONTROLS, join, tablet
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, WebSocket, expect

pytestmark = pytest.mark.browser

PRIVATE = "🔒 Private time: only you can see your notes until the facilitator shows them all."
WAITING = (
    "🔒 Your private notes wait until the facilitator shows them all. New notes go on the board."
)
ON_THE_BOARD = "Your private note is on the board now, without your name"

# Typing, and what the note's saved/saving line says right then (one task, so
# no timing is involved).
TYPE_AND_READ_STATUS = """(field, words) => {
  field.value = words;
  field.dispatchEvent(new Event("input", { bubbles: true }));
  return field.closest(".draft").querySelector(".draft-status").textContent;
}"""


class Frames:
    """Every websocket frame a page receives, as bytes, from its first socket on."""

    def __init__(self, page: Page) -> None:
        self.received: list[bytes] = []
        page.on("websocket", self.watch)

    def watch(self, ws: WebSocket) -> None:
        ws.on("framereceived", self.keep)

    def keep(self, payload: str | bytes) -> None:
        self.received.append(payload.encode() if isinstance(payload, str) else payload)

    def holding(self, text: str) -> int:
        """How many frames hold these words (UTF-8, as msgpack and Yjs carry them)."""
        return sum(text.encode() in frame for frame in self.received)


async def watched_tablet(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], name: str
) -> tuple[Page, Frames]:
    """A tablet joined to Table 1, online, whose every received frame is kept."""
    page = await tablet(browser)
    frames = Frames(page)
    await join(page, server, workshop["join_code"], name)
    return page, frames


async def open_console(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> tuple[Page, Frames]:
    """The facilitator console on a laptop, online, whose every received frame is kept."""
    page = await tablet(browser, "laptop")
    frames = Frames(page)
    await page.goto(
        f"{server.http_url}/facilitate"
        f"#workshop={workshop['id']}&token={workshop['facilitator_token']}"
    )
    await expect(page.locator("#connection")).to_have_text("Online")
    return page, frames


def private_card(console: Page) -> Locator:
    return console.get_by_role("region", name="Private notes")


def waiting_in(console: Page, room: str) -> Locator:
    """The console's "N notes waiting" for one room."""
    line = private_card(console).locator(".private-room").filter(has_text=room)
    return line.locator(".private-count")


async def reveal(console: Page, button: str, question: str, outcome: str) -> None:
    """Press a Reveal button, say yes to its question, and read what it did."""
    card = private_card(console)
    await card.get_by_role("button", name=button).click()
    dialog = console.get_by_role("dialog", name=question)
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Show the notes").click()
    await expect(dialog).to_be_hidden()
    await expect(card.get_by_role("status")).to_have_text(outcome)


def tray(page: Page) -> Locator:
    return page.get_by_role("complementary", name="My notes")


async def check_controls(page: Page) -> None:
    """Every control named, big enough to tap, and nothing wider than the screen."""
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    assert await page.evaluate(UNNAMED_CONTROLS) == []
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert await page.evaluate("document.documentElement.scrollWidth") == width


async def test_private_notes_stay_on_their_writers_tablet_until_the_facilitator_reveals_them(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ann, ann_frames = await watched_tablet(browser, server, workshop, "Ann")
    ben, ben_frames = await watched_tablet(browser, server, workshop, "Ben")
    console, console_frames = await open_console(browser, server, workshop)
    card = private_card(console)
    await expect(waiting_in(console, "Table 1")).to_have_text("No notes waiting")
    for page in (ann, ben):
        await expect(page.locator("#private-bar")).to_be_hidden()
        await expect(tray(page)).to_be_hidden()

    await card.get_by_role("switch", name="Private mode in every room").check()
    for room in ("Table 1", "Table 2"):
        await expect(card.get_by_role("switch", name=f"Private mode in {room}")).to_be_checked()
    for page in (ann, ben):
        await expect(page.locator("#private-bar")).to_have_text(PRIVATE)
        await expect(tray(page).locator(".drafts-count")).to_have_text("None yet")

    first_words = f"Night buses every {secrets.token_hex(6)} minutes"
    await ann.get_by_role("button", name="Add note").click()
    first = ann.get_by_role("textbox", name="Your private note 1")
    await expect(first).to_be_focused()
    await first.fill(first_words)
    status = tray(ann).locator(".draft-status")
    await expect(status).to_have_text("✓ Saved")
    await expect(waiting_in(console, "Table 1")).to_have_text("1 note waiting")
    await ann.get_by_role("button", name="Add picture").click()
    pictures = ann.get_by_role("dialog", name="Choose a picture")
    await pictures.get_by_role("button", name="bus").click()
    await expect(tray(ann).get_by_role("img", name="bus")).to_be_visible()
    await expect(ann.get_by_role("textbox", name="Your private note 2")).to_be_focused()
    await expect(tray(ann).locator(".drafts-count")).to_have_text("2 private notes")
    await expect(waiting_in(console, "Table 1")).to_have_text("2 notes waiting")
    await expect(waiting_in(console, "Table 2")).to_have_text("No notes waiting")
    # Nothing of them is on any board, nor in Ben's tray.
    for page in (ann, ben):
        await expect(page.locator("article.note")).to_have_count(0)
    await expect(tray(ben).get_by_role("listitem")).to_have_count(0)
    await expect(tray(ben).locator(".drafts-count")).to_have_text("None yet")

    await check_controls(ann)
    ARTIFACTS.mkdir(exist_ok=True)
    await ann.screenshot(path=str(ARTIFACTS / "tablet-private-notes.png"))
    width, height, _ = SIZES["phone"]
    await ann.set_viewport_size({"width": width, "height": height})
    await expect(tray(ann).get_by_role("button", name="Hide my notes")).to_be_visible()
    await check_controls(ann)
    await ann.screenshot(path=str(ARTIFACTS / "phone-private-notes.png"))
    await tray(ann).get_by_role("button", name="Hide my notes").click()
    await expect(first).to_be_hidden()
    await ann.screenshot(path=str(ARTIFACTS / "phone-private-notes-folded.png"))
    await tray(ann).get_by_role("button", name="Show my notes").click()
    await expect(first).to_be_visible()
    width, height, _ = SIZES["tablet"]
    await ann.set_viewport_size({"width": width, "height": height})

    # A change is saved after a pause, and a reload reads it back from the server.
    new_words = f"Night buses until {secrets.token_hex(6)}"
    assert await first.evaluate(TYPE_AND_READ_STATUS, new_words) == "Saving…"
    await expect(status).to_have_text(["✓ Saved", "✓ Saved"])
    await ann.reload()
    await expect(ann.locator("#private-bar")).to_have_text(PRIVATE)
    await expect(ann.get_by_role("textbox", name="Your private note 1")).to_have_value(new_words)
    await ann.get_by_role("button", name="Delete your private note 2").click()
    await expect(tray(ann).get_by_role("img", name="bus")).to_have_count(0)
    await expect(tray(ann).locator(".drafts-count")).to_have_text("1 private note")
    await expect(waiting_in(console, "Table 1")).to_have_text("1 note waiting")

    await check_controls(console)
    await card.screenshot(path=str(ARTIFACTS / "console-private-notes.png"))
    width, height, _ = SIZES["phone"]
    await console.set_viewport_size({"width": width, "height": height})
    await check_controls(console)
    await card.screenshot(path=str(ARTIFACTS / "phone-console-private-notes.png"))
    # Ann's words reached her own tablet only: not Ben's, not the console.
    assert ann_frames.holding(new_words) > 0
    for words in (first_words, new_words):
        assert ben_frames.holding(words) == 0
        assert console_frames.holding(words) == 0

    await reveal(
        console,
        "Reveal Table 1's notes",
        "Show Table 1's private notes?",
        "1 note shown on Table 1's board.",
    )
    for page in (ann, ben):
        await expect(page.get_by_label("Note text")).to_have_value(new_words)
    await expect(ann.locator("#toast")).to_contain_text(ON_THE_BOARD)
    await expect(tray(ann)).to_be_hidden()
    for page in (ann, ben):
        await expect(page.locator("#private-bar")).to_be_hidden()
    await expect(waiting_in(console, "Table 1")).to_have_text("No notes waiting")
    await expect(card.get_by_role("switch", name="Private mode in Table 1")).not_to_be_checked()
    await expect(card.get_by_role("switch", name="Private mode in Table 2")).to_be_checked()
    await expect(card.get_by_role("button", name="Reveal Table 1's notes")).to_be_disabled()
    # The first words were only ever Ann's draft: they never went to anyone else.
    assert ben_frames.holding(first_words) == 0
    assert console_frames.holding(first_words) == 0


async def test_private_mode_off_keeps_the_waiting_notes_for_the_reveal(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ann, _ = await watched_tablet(browser, server, workshop, "Ann")
    console, _ = await open_console(browser, server, workshop)
    card = private_card(console)
    await card.get_by_role("switch", name="Private mode in Table 1").check()
    await expect(card.get_by_role("switch", name="Private mode in Table 2")).not_to_be_checked()
    await expect(ann.locator("#private-bar")).to_have_text(PRIVATE)
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_role("textbox", name="Your private note 1").fill("A bench at the stop")
    await expect(tray(ann).locator(".draft-status")).to_have_text("✓ Saved")
    await expect(waiting_in(console, "Table 1")).to_have_text("1 note waiting")

    await card.get_by_role("switch", name="Private mode in Table 1").uncheck()
    await expect(ann.locator("#private-bar")).to_have_text(WAITING)
    # The waiting note can still be changed; a new note goes on the board.
    draft = ann.get_by_role("textbox", name="Your private note 1")
    await draft.fill("A bench and a shelter at the stop")
    await draft.press("Tab")
    await expect(tray(ann).locator(".draft-status")).to_have_text("✓ Saved")
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_label("Note text").fill("Longer green lights")
    await expect(ann.get_by_label("Note text")).to_have_count(1)
    await expect(waiting_in(console, "Table 1")).to_have_text("1 note waiting")

    await reveal(
        console,
        "Reveal every room's notes",
        "Show every room's private notes?",
        "1 note shown on Table 1's board.",
    )
    await expect(ann.get_by_label("Note text")).to_have_count(2)
    await expect(ann.get_by_label("Note text").nth(1)).to_have_value(
        "A bench and a shelter at the stop"
    )
    await expect(tray(ann)).to_be_hidden()
    await expect(ann.locator("#private-bar")).to_be_hidden()
    await expect(card.get_by_role("button", name="Reveal every room's notes")).to_be_disabled()
