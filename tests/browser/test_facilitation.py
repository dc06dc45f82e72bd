"""A whole workshop round in a real Chromium, driven through the facilitator's own
console: create, join by the link, prompts, a phase with its timer, added time,
the end (flash and chime), a move, the wall live, and a spotlight."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browserkit import ARTIFACTS, TARGETS_TOO_SMALL, UNNAMED_CONTROLS, tablet
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.browser

TITLE = "Our street in 2030"
PROMPTS = {
    "Red table": "What would make you stay out on our street at night?",
    "Blue table": "Where do children play now, and where would they like to?",
    "Green table": "What should the old bank become?",
}
# Joined one after another through the same link: each takes the emptiest room.
SEATS = {"Ann": "Red table", "Ben": "Blue table", "Cleo": "Green table"}

# Installed before any page script: counts the tones started through Web Audio
# and the elements that took the "flash" class, so the end can be checked
# after it happened instead of inside the few seconds it shows.
SPY = """(() => {
  const spy = { tones: 0, flashes: [] };
  window.spy = spy;
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    createOscillator() {
      const tone = super.createOscillator();
      const start = tone.start.bind(tone);
      tone.start = (...args) => { spy.tones += 1; return start(...args); };
      return tone;
    }
  };
  const flashing = new Set();
  new MutationObserver((changes) => {
    for (const { target } of changes) {
      if (!target.classList.contains("flash")) flashing.delete(target);
      else if (!flashing.has(target)) {
        flashing.add(target);
        spy.flashes.push(target.id);
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["class"] });
})();"""


async def device(browser: Browser, size: str) -> Page:
    """A fresh device of this size whose sound and flashes are watched."""
    page = await tablet(browser, size)
    await page.add_init_script(SPY)
    return page


async def spied(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = await page.evaluate("window.spy")
    return found


async def open_console(browser: Browser, server: RunningServer) -> Page:
    """The admin creates the workshop with three tables, and its console opens."""
    page = await device(browser, "laptop")
    await page.goto(f"{server.http_url}/admin?token={server.config.admin_token}")
    await page.get_by_label("Title").fill(TITLE)
    await page.get_by_label("Rooms, one per line").fill("\n".join(PROMPTS))
    await page.get_by_role("button", name="Create and open the console").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await expect(page.locator("#connection")).to_have_text("Online")
    return page


async def open_wall(browser: Browser, console: Page) -> Page:
    """The projector's computer opens the wall link that the console gives."""
    link = await console.get_by_role("link", name="Open the wall link").get_attribute("href")
    assert link is not None
    wall = await device(browser, "projector")
    await wall.goto(link)
    await expect(wall.locator("#connection")).to_have_text("Online")
    await expect(wall.get_by_role("region")).to_have_count(3)
    return wall


async def join_by_link(browser: Browser, link: str, name: str) -> Page:
    """A tablet opens the join link (as from the QR code) and types a name."""
    page = await device(browser, "tablet")
    await page.goto(link)
    await page.get_by_label("Your name or a nickname").fill(name)
    await page.get_by_role("button", name="Join").click()
    await expect(page.locator("#connection")).to_have_text("Online")
    return page


async def join_link_of(console: Page) -> str:
    """The join link the console shows (the QR code beside it holds the same)."""
    link = await console.locator("#join-link").get_attribute("href")
    assert link is not None
    return link


def room_card(console: Page, room: str) -> Locator:
    return console.locator("#room-cards > li").filter(has=console.get_by_role("heading", name=room))


def tile(wall: Page, room: str) -> Locator:
    return wall.get_by_role("region", name=room)


async def add_note(page: Page, text: str) -> None:
    await page.get_by_role("button", name="Add note").click()
    await page.get_by_label("Note text").last.fill(text)


async def expect_usable(page: Page) -> None:
    """Every control has a name and is big enough to tap."""
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    assert await page.evaluate(UNNAMED_CONTROLS) == []


async def expect_counts(wall: Page, counts: dict[str, str]) -> None:
    """Each room's tile on the wall shows this count of notes."""
    for room, count in counts.items():
        await expect(tile(wall, room).locator(".tile-foot")).to_contain_text(f"📝 {count}")


async def test_a_whole_round_from_the_console(browser: Browser, server: RunningServer) -> None:
    console = await open_console(browser, server)
    join_link = await join_link_of(console)
    wall = await open_wall(browser, console)
    tablets = {name: await join_by_link(browser, join_link, name) for name in SEATS}
    for name, room in SEATS.items():
        await expect(tablets[name].locator("#room-name")).to_have_text(room)
    await expect(console.locator("#people-total")).to_have_text(
        "3 people in the workshop, 3 online now."
    )

    # Each table's question, shown large on its tablets and on the wall.
    for room, question in PROMPTS.items():
        await console.get_by_role("textbox", name=f"Prompt for {room}").fill(question)
        await console.get_by_role("button", name=f"Save the prompt for {room}").click()
    for name, room in SEATS.items():
        await expect(tablets[name].locator("#prompt .prompt-text")).to_have_text(PROMPTS[room])
    await expect(wall.locator(".tile-prompt")).to_have_text(list(PROMPTS.values()))

    # The ideas phase gets a minute in the agenda, starts with it, and gets one more.
    await console.get_by_label("Phase 2 minutes (empty for no timer)").fill("1")
    await console.get_by_role("button", name="Save agenda").click()
    await console.get_by_role("button", name="Ideas, 1 min", exact=True).click()
    timer_time = console.locator("#countdown .countdown-time")
    await expect(console.locator("#countdown")).to_have_attribute("data-state", "running")
    await expect(timer_time).to_have_text(re.compile(r"^0:[0-5]\d$|^1:00$"))
    await console.get_by_role("button", name="Add 1 minute").click()
    # The timer started at 1:00, which the display may still show: wait for the
    # added minute in the state, then on the screen.
    await console.wait_for_function(
        "Object.values(window.facilitate.channel.state.rooms)"
        ".every((room) => room.timer.duration === 120)"
    )
    await expect(timer_time).to_have_text(re.compile(r"^1:[0-5]\d$|^2:00$"))
    state = await console.evaluate("window.facilitate.channel.state")
    assert {room["phase"] for room in state["rooms"].values()} == {"ideate"}
    assert [room["timer"]["duration"] for room in state["rooms"].values()] == [120, 120, 120]

    for name, room in SEATS.items():
        strip = tablets[name].get_by_role("region", name="What to do now")
        await expect(strip.locator(".prompt-text")).to_have_text(PROMPTS[room])
        await expect(strip.locator(".phase")).to_have_text(
            re.compile(r"Ideas\s*Step 2 of 8\s*You can write ideas")
        )
        await expect(strip.get_by_role("timer")).to_have_text(
            re.compile(r"Time left\s*(1:[0-5]\d|2:00)")
        )
    await expect(wall.locator("#wall-phase")).to_have_text("💡 Ideas")
    await expect(wall.locator(".wall-timer-time")).to_have_text(re.compile(r"^(1:\d\d|2:00)$"))

    # Ideas go up on the boards, and the wall counts them live.
    await add_note(tablets["Ann"], "More street lights near the park")
    await add_note(tablets["Ann"], "A bench by the bus stop")
    await add_note(tablets["Ben"], "A safe crossing at the school")
    await add_note(tablets["Cleo"], "A library with a café")
    await expect_counts(
        wall, {"Red table": "2 notes", "Blue table": "1 note", "Green table": "1 note"}
    )
    await expect(tile(wall, "Red table").locator(".note")).to_have_count(2)
    # Three rooms leave one cell of the 2 x 2 grid free: it shows how to join.
    join_tile = wall.get_by_role("complementary", name="Join")
    code = await wall.locator("#join-code-small").inner_text()
    await expect(join_tile.locator(".join-tile-code")).to_have_text(code)

    ARTIFACTS.mkdir(exist_ok=True)
    await tablets["Ann"].screenshot(path=str(ARTIFACTS / "tablet-phase-1024x768.png"))
    await wall.screenshot(path=str(ARTIFACTS / "wall-1920x1080.png"))
    await console.screenshot(path=str(ARTIFACTS / "console.png"))
    await console.screenshot(path=str(ARTIFACTS / "console-full.png"), full_page=True)
    for page in (console, wall, tablets["Ann"]):
        await expect_usable(page)

    # The facilitator cuts the round short: five seconds, then the end everywhere.
    await console.get_by_label("Minutes", exact=True).fill("0")
    await console.get_by_label("Seconds", exact=True).fill("5")
    await console.get_by_role("button", name="Start", exact=True).click()
    for page in tablets.values():
        clock = page.get_by_role("timer")
        await expect(clock).to_have_attribute("data-state", "ended", timeout=15_000)
        await expect(clock).to_have_text(re.compile("Time is up"))
        assert await spied(page) == {"tones": 1, "flashes": ["countdown"]}
    await expect(wall.locator("#wall-timer")).to_have_attribute("data-state", "ended")
    await expect(wall.locator(".wall-timer-state")).to_have_text("Time is up")
    await expect(wall.locator(".tile-timer")).to_have_text(["⏱ Time is up"] * 3)
    await expect(console.locator("#countdown .countdown-state")).to_have_text("Time is up")
    # One two-note chime for the three rooms that ended together.
    for page in (wall, console):
        assert (await spied(page))["tones"] == 2
    assert "wall-timer" in (await spied(wall))["flashes"]
    assert {"countdown", "head-timer"} <= set((await spied(console))["flashes"])

    # Cleo moves to the Red table: her tablet follows with no new join.
    cleo = tablets["Cleo"]
    await console.get_by_role("button", name="Move Cleo to another room").click()
    await console.get_by_role("button", name="Move Cleo to Red table").click()
    await expect(cleo.locator("#room-name")).to_have_text("Red table")
    await expect(cleo.locator("#prompt .prompt-text")).to_have_text(PROMPTS["Red table"])
    await expect(cleo.get_by_label("Note text")).to_have_count(2)
    await expect(cleo).to_have_url(re.compile(r"/board$"))
    await expect(room_card(console, "Red table").locator(".people-head")).to_have_text(
        "2 people, 2 online"
    )
    await expect(room_card(console, "Green table").locator(".people-head")).to_have_text(
        "Nobody here yet"
    )
    await add_note(cleo, "Lights that stay on until midnight")
    await expect(tablets["Ann"].get_by_label("Note text")).to_have_count(3)
    await expect_counts(
        wall, {"Red table": "3 notes", "Blue table": "1 note", "Green table": "1 note"}
    )

    # "Look at what the Blue table made": on the wall and every tablet, read only.
    await console.get_by_role("button", name="Spotlight Blue table").click()
    await expect(wall.get_by_role("region")).to_have_count(1)
    await expect(wall.get_by_role("complementary", name="Join")).to_be_hidden()
    await expect(tile(wall, "Blue table").locator(".tile-spot")).to_be_visible()
    ann = tablets["Ann"]
    await expect(ann.locator("#spotlight-note")).to_have_text(
        re.compile("Look at what Blue table made")
    )
    await expect(ann.get_by_label("Note text")).to_have_value("A safe crossing at the school")
    await expect(ann.get_by_label("Note text")).not_to_be_editable()
    await expect(ann.get_by_role("button", name="Add note")).to_be_hidden()
    await expect(ann.locator(".phase-doing")).to_have_text("Look and listen")
    # The question above that board is the Blue table's.
    await expect(ann.locator("#prompt .prompt-text")).to_have_text(PROMPTS["Blue table"])
    await expect(tablets["Ben"].locator("#spotlight-note")).to_have_text(
        re.compile("Everyone is looking at what your table made")
    )
    await console.get_by_role("button", name="End spotlight").click()
    await expect(wall.get_by_role("region")).to_have_count(3)
    await expect(ann.locator("#spotlight-note")).to_be_hidden()
    await expect(ann.get_by_label("Note text")).to_have_count(3)
    await expect(ann.get_by_role("button", name="Add note")).to_be_visible()
    await expect(ann.locator(".phase-doing")).to_have_text("You can write ideas")
    await expect(ann.locator("#prompt .prompt-text")).to_have_text(PROMPTS["Red table"])


async def test_time_taken_away_ends_the_timer_with_the_flash_and_chime(
    browser: Browser, server: RunningServer
) -> None:
    console = await open_console(browser, server)
    join_link = await join_link_of(console)
    ann = await join_by_link(browser, join_link, "Ann")
    clock = ann.get_by_role("timer")

    await console.get_by_role("button", name="Set 1 minute").click()
    await console.get_by_role("button", name="Start", exact=True).click()
    await expect(clock).to_have_attribute("data-state", "soon")
    await console.get_by_role("button", name="Pause", exact=True).click()
    await expect(clock).to_have_text(re.compile(r"Paused\s*(0:[0-5]\d|1:00)"))
    await console.get_by_role("button", name="Resume", exact=True).click()
    await expect(clock).to_have_text(re.compile(r"Time left\s*(0:[0-5]\d|1:00)"))
    # Less than a minute is left: taking one away ends it now, as if it ran out.
    await console.get_by_role("button", name="Take away 1 minute").click()
    await expect(clock).to_have_attribute("data-state", "ended")
    await expect(clock).to_have_text(re.compile("Time is up"))
    assert await spied(ann) == {"tones": 1, "flashes": ["countdown"]}
    await expect(console.locator("#countdown .countdown-state")).to_have_text("Time is up")
    assert (await spied(console))["tones"] == 2

    # A tablet that opens after the end shows it, and stays quiet.
    await ann.reload()
    await expect(clock).to_have_text(re.compile("Time is up"))
    assert await spied(ann) == {"tones": 0, "flashes": []}
    # Time added to an ended timer starts it again.
    await console.get_by_role("button", name="Add 1 minute").click()
    await expect(clock).to_have_text(re.compile(r"Time left\s*(0:[0-5]\d|1:00)"))


async def test_the_wall_shows_banner_lock_and_join_fills_with_a_room_and_the_console_mutes(
    browser: Browser, server: RunningServer
) -> None:
    console = await open_console(browser, server)
    wall = await open_wall(browser, console)

    # A banner typed in the console, on the wall.
    await console.get_by_label("Message on every screen").fill("Back at 11:00 for the plenary")
    await console.get_by_role("button", name="Show banner").click()
    await expect(wall.locator("#wall-banner")).to_have_text("Back at 11:00 for the plenary")

    # A locked room says so on its tile; the others do not.
    await console.get_by_role("button", name="Lock Red table").click()
    await expect(tile(wall, "Red table").locator(".tile-lock")).to_be_visible()
    await expect(tile(wall, "Red table").locator(".tile-lock")).to_have_text("🔒 Locked")
    await expect(tile(wall, "Blue table").locator(".tile-lock")).to_be_hidden()

    # A tap fills the wall with one room; Back shows every room again.
    await wall.get_by_role("button", name="Show Blue table on the whole wall").click()
    await expect(wall.get_by_role("region")).to_have_count(1)
    await expect(tile(wall, "Blue table")).to_be_visible()
    await wall.keyboard.press("Escape")
    await expect(wall.get_by_role("region")).to_have_count(3)

    # The join code and its QR code, one tap away.
    code = await console.locator("#head-code").inner_text()
    await wall.get_by_role("button", name=re.compile("^Join")).click()
    dialog = wall.get_by_role("dialog", name="Join the workshop")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#join-code")).to_have_text(code)
    assert (
        await dialog.get_by_role("img").evaluate("(img) => new URL(img.src).pathname")
        == f"/join/{code}/qr.svg"
    )
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_be_hidden()

    # Muted, the console flashes at the end but plays nothing; the wall chimes.
    mute = console.get_by_role("button", name="End sound: on")
    await mute.click()
    await expect(console.get_by_role("button", name="End sound: off")).to_be_visible()
    await console.get_by_label("Minutes", exact=True).fill("0")
    await console.get_by_label("Seconds", exact=True).fill("3")
    await console.get_by_role("button", name="Start", exact=True).click()
    await expect(wall.locator("#wall-timer")).to_have_attribute(
        "data-state", "ended", timeout=15_000
    )
    await expect(console.locator("#countdown .countdown-state")).to_have_text("Time is up")
    assert (await spied(wall))["tones"] == 2
    assert "countdown" in (await spied(console))["flashes"]
    assert (await spied(console))["tones"] == 0
