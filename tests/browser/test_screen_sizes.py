"""Every screen size, from a phone to a projector: nothing wider than the screen,
no clipped text, a small header, a toolbar that stays put, and a map that
opens fitted to its factors. Also the first hints, "Read" without a voice and
what the live region says while drawing an arrow."""

from __future__ import annotations

from typing import Any

import pytest
from browserkit import (
    ARTIFACTS,
    SIZES,
    TARGETS_TOO_SMALL,
    UNNAMED_CONTROLS,
    add_notes,
    drag_note_onto,
    join,
    tablet,
)
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.browser

# The share of the screen's height the header may take, at most.
HEADER_SHARE = {
    "phone": 0.17,
    "tablet": 0.17,
    "tablet-portrait": 0.13,
    "laptop": 0.16,
    "projector": 0.1,
}
# On narrow screens the less-used header buttons are behind "More".
BEHIND_MORE = {
    "phone": ["Undo", "Redo", "Outline", "Tidy", "High contrast", "Leave"],
    "tablet-portrait": ["Tidy", "High contrast", "Leave"],
}

PLUS = "\u2795"  # heavy plus sign, the icon of "Add note" and "Add factor"
BOARD_HINT = f"{PLUS} Tap Add note to write your first idea"
BOARD_HINT_VIEWER = "📝 No notes yet: ideas appear here as people add them"
MAP_HINT = f"{PLUS} Tap Add factor to write a cause or an effect"
MAP_HINT_VIEWER = "🔁 No factors yet: the map appears here as people make it"
FACTOR_PLACEHOLDER = "Type a cause or effect"
NO_VOICE = "This device has no voice for reading aloud."
OFFLINE = "Offline: your changes are kept"


def arrow_next_step(source: str) -> str:
    """What the live region says after "Arrow from here" (with curly quotes)."""
    return (
        f"Arrow from {source}. Now tap \u2018Arrow to here\u2019 on the factor it leads to, "
        "or \u2018Cancel arrow\u2019."
    )


# What is wrong with the layout on screen, as sentences (an empty list when
# nothing is). The notes board and the map canvas pan, so what they hold may
# lie beyond the screen; everything else must not.
LAYOUT_PROBLEMS = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const width = document.documentElement.clientWidth;
  const canvases = [...document.querySelectorAll("#board, #map-canvas")];
  const inCanvas = (node) => canvases.some((canvas) => canvas !== node && canvas.contains(node));
  const name = (node) => node.id ? `#${node.id}` : `${node.tagName.toLowerCase()}` +
    `${node.classList.length ? "." + [...node.classList].join(".") : ""}` +
    ` "${(node.getAttribute("aria-label") || node.textContent).trim().slice(0, 30)}"`;
  const px = (value) => Math.round(value);
  const clips = (node) => {
    const style = getComputedStyle(node);
    return style.overflowX !== "visible" || style.contentVisibility === "auto" ||
      /paint|content|strict/.test(style.contain);
  };
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  for (const node of document.body.querySelectorAll("*")) {
    if (node.closest(".visually-hidden, svg defs")) continue;
    if (!node.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const box = node.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (!inCanvas(node) && (box.left < -1 || box.right > width + 1)) {
      problems.push(`${name(node)} sticks out: ${px(box.left)} to ${px(box.right)} of ${width}`);
    }
    const texts = [...node.childNodes].filter(
      (child) => child.nodeType === Node.TEXT_NODE && child.textContent.trim());
    if (!texts.length) continue;
    if (clips(node) && node.scrollWidth > node.clientWidth + 1) {
      problems.push(`${name(node)} clips its text: ${node.scrollWidth} > ${node.clientWidth}`);
    }
    for (const text of texts) {
      const range = document.createRange();
      range.selectNodeContents(text);
      const lines = [...range.getClientRects()].filter((line) => line.width > 0);
      const words = text.textContent.trim().split(/\\s+/).length;
      const tops = new Set(lines.map((line) => Math.round(line.top)));
      if (words >= 3 && tops.size >= words) {
        problems.push(`${name(node)} has one word per line (${words} words, ${tops.size} lines)`);
      }
      // A box that scrolls shows the rest of its text on a scroll; any other
      // box must be tall enough for all its lines.
      const style = getComputedStyle(node);
      const lineHeight = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
      if (style.display !== "inline" && !/auto|scroll/.test(style.overflowY) &&
          tops.size * lineHeight > node.clientHeight + 1) {
        problems.push(`${name(node)} is too low for its ${tops.size} lines: ` +
          `${node.clientHeight} < ${px(tops.size * lineHeight)}`);
      }
      for (const line of lines) {
        if (line.left < box.left - 1 || line.right > box.right + 1) {
          problems.push(`${name(node)} text spills out of its box: ` +
            `${px(line.left)} to ${px(line.right)}, box ${px(box.left)} to ${px(box.right)}`);
        }
        // Cut off by a box around it: any part sideways; a part of a line
        // at the top or bottom, unless that box scrolls up and down.
        for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
          if (canvases.includes(up)) break;
          if (!clips(up)) continue;
          // In screen pixels: a zoomed board scales the box's own sizes.
          const outer = up.getBoundingClientRect();
          const sx = outer.width / up.offsetWidth || 1;
          const sy = outer.height / up.offsetHeight || 1;
          const left = outer.left + up.clientLeft * sx;
          const right = left + up.clientWidth * sx;
          const top = outer.top + up.clientTop * sy;
          const bottom = top + up.clientHeight * sy;
          const scrollsY = /auto|scroll/.test(getComputedStyle(up).overflowY);
          const cutY = (line.top < top - 1 && line.bottom > top + 1) ||
            (line.bottom > bottom + 1 && line.top < bottom - 1);
          if (line.left < left - 1 || line.right > right + 1 || (!scrollsY && cutY)) {
            problems.push(`${name(node)} text is cut off by ${name(up)}: ` +
              `${px(line.left)},${px(line.top)} to ${px(line.right)},${px(line.bottom)}, ` +
              `shown ${px(left)},${px(top)} to ${px(right)},${px(bottom)}`);
          }
        }
      }
    }
  }
  return problems;
}"""

# The header's buttons that are on screen, by id: where each one is.
TOOLBAR = """() => Object.fromEntries([...document.querySelectorAll("header button")]
  .filter((button) => button.checkVisibility({ visibilityProperty: true }) &&
                      !button.closest("#more-menu"))
  .map((button) => {
    const box = button.getBoundingClientRect();
    return [button.id, [box.x, box.y, box.width, box.height]];
  }))"""

# Factors that are not wholly inside the map's visible area: outside the
# canvas, under the side panel or under the zoom buttons.
FACTORS_OUT_OF_VIEW = """() => {
  const canvas = document.querySelector("#map-canvas").getBoundingClientRect();
  const covers = [...document.querySelectorAll("#map-panel, #map-zoom")]
    .filter((node) => node.checkVisibility())
    .map((node) => node.getBoundingClientRect());
  const overlap = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return [...document.querySelectorAll(".factor")]
    .map((factor) => [factor.textContent.trim() || factor.querySelector("textarea")?.value,
                      factor.getBoundingClientRect()])
    .filter(([, box]) => box.left < canvas.left || box.right > canvas.right ||
                         box.top < canvas.top || box.bottom > canvas.bottom ||
                         covers.some((cover) => overlap(box, cover)))
    .map(([label]) => label);
}"""

# Text on the map drawn smaller than 16 screen pixels: arrow marks and labels
# and factor names, at the map's present zoom.
SMALL_MAP_TEXT = """() => {
  const scale = new DOMMatrix(getComputedStyle(document.querySelector("#map-surface")).transform).a;
  return [...document.querySelectorAll(".map-arrows text, .factor-label, .factor-overview")]
    .filter((node) => node.checkVisibility() && (node.textContent || node.value))
    .map((node) => [node.textContent || node.value,
                    parseFloat(getComputedStyle(node).fontSize) * scale])
    .filter(([, size]) => size < 15.95)
    .map(([text, size]) => `${text}: ${size.toFixed(1)}px`);
}"""


async def header_button(page: Page, size: str, name: str) -> Locator:
    """A header button by name; on a narrow screen the less-used ones are behind More."""
    more = page.get_by_role("button", name="More", exact=True)
    if size not in BEHIND_MORE:
        await expect(more).to_be_hidden()
    elif name in BEHIND_MORE[size]:
        await expect(more).to_have_attribute("aria-expanded", "false")
        await more.click()
        await expect(more).to_have_attribute("aria-expanded", "true")
    return page.locator("header").get_by_role("button", name=name, exact=True)


async def check_layout(page: Page, size: str, state: str) -> None:
    """The checks every screen state passes, and its screenshot to look at."""
    assert await page.evaluate(LAYOUT_PROBLEMS) == [], state
    assert await page.evaluate(TARGETS_TOO_SMALL) == [], state
    assert await page.evaluate(UNNAMED_CONTROLS) == [], state
    viewport = page.viewport_size
    assert viewport is not None
    header = await page.locator("header").bounding_box()
    assert header is not None
    assert header["height"] <= HEADER_SHARE[size] * viewport["height"], (state, header)
    # The connection state is always on screen.
    status = await page.locator("#connection").bounding_box()
    assert status is not None
    assert status["x"] >= 0 and status["x"] + status["width"] <= viewport["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{size}-{state}.png"))


async def add_picture(page: Page, name: str) -> None:
    await page.get_by_role("button", name="Add picture").click()
    picker = page.get_by_role("dialog", name="Choose a picture")
    await picker.get_by_role("button", name=name, exact=True).click()
    await expect(picker).to_be_hidden()


async def add_sketch(page: Page, size: str) -> None:
    """Draw one line on the pad with the mouse and add it as a note."""
    await page.get_by_role("button", name="Draw", exact=True).click()
    pad_dialog = page.get_by_role("dialog", name="Draw your idea")
    pad = await pad_dialog.get_by_label("Drawing area: draw with your finger").bounding_box()
    assert pad is not None
    y = pad["y"] + pad["height"] / 2
    await page.mouse.move(pad["x"] + pad["width"] * 0.2, y)
    await page.mouse.down()
    await page.mouse.move(pad["x"] + pad["width"] * 0.8, y, steps=6)
    await page.mouse.up()
    await check_layout(page, size, "sketch")
    await pad_dialog.get_by_role("button", name="Add drawing").click()
    await expect(pad_dialog).to_be_hidden()


async def add_factors(page: Page, *names: str) -> None:
    for name in names:
        await page.get_by_role("button", name="Add factor").click()
        await page.get_by_label("Factor name").last.fill(name)


async def factor_button(page: Page, size: str, factor: str, name: str) -> Locator:
    """A button on a factor. A phone shows a few factors at a time: there the
    person fits the map, then taps the factor to zoom in on it."""
    if size == "phone":
        zoom = page.get_by_role("group", name="Map zoom")
        await zoom.get_by_role("button", name="Fit to screen").click()
        await page.get_by_role("button", name=f"{factor}: zoom in to edit").click()
    return page.get_by_role("button", name=f"{name}: {factor}")


async def add_arrow(page: Page, source: str, target: str, size: str = "tablet") -> None:
    await (await factor_button(page, size, source, "Arrow from here")).click()
    await (await factor_button(page, size, target, "Arrow to here")).click()
    await expect(page.locator("#announce")).to_have_text(f"Arrow made from {source} to {target}.")


async def map_with_a_loop(page: Page, size: str = "tablet") -> None:
    await add_factors(page, "Isolation", "Health", "Going out")
    cycle = [("Isolation", "Health"), ("Health", "Going out"), ("Going out", "Isolation")]
    for source, target in cycle:
        await add_arrow(page, source, target, size)
    await page.get_by_label("Label: Going out to Isolation").fill("fewer visits")
    await expect(page.locator("#loop-count")).to_have_text("1 loop")


@pytest.mark.parametrize("size", list(SIZES))
async def test_board_dialogs_map_and_outline_fit_the_screen(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], size: str
) -> None:
    page = await tablet(browser, size)
    await join(page, server, workshop["join_code"], "Ann")
    await expect(page.locator("#board-hint")).to_have_text(BOARD_HINT)
    await check_layout(page, size, "empty")

    await add_notes(page, "Too few buses", "Stops are far")
    await drag_note_onto(page, 1, 0)
    await page.keyboard.type("Transport")
    await expect(page.get_by_role("region", name="Cluster: Transport, 2 notes")).to_be_visible()
    await expect(page.locator("#board-hint")).to_be_hidden()
    await add_picture(page, "bus")
    await add_sketch(page, size)
    await expect(page.locator("#note-count")).to_have_text("4 notes")
    await check_layout(page, size, "board")
    notes_toolbar = await page.evaluate(TOOLBAR)

    await page.get_by_role("button", name="Add picture").click()
    picker = page.get_by_role("dialog", name="Choose a picture")
    await expect(picker.get_by_role("button")).to_have_count(17)
    await check_layout(page, size, "pictures")
    await picker.get_by_role("button", name="Close").click()
    await expect(picker).to_be_hidden()

    await (await header_button(page, size, "Outline")).click()
    outline = page.get_by_role("complementary", name="Outline")
    await expect(outline.get_by_role("heading")).to_have_text("Outline")
    await expect(outline.locator(".outline-count")).to_have_text("4 notes")
    await expect(outline.get_by_role("listitem")).to_have_count(5)
    await check_layout(page, size, "outline")
    await outline.get_by_role("button", name="Close outline").click()
    await expect(outline).to_be_hidden()

    # Offline, the status says so and nothing in the toolbar moves.
    await page.context.set_offline(True)
    await expect(page.locator("#connection")).to_have_text(OFFLINE)
    assert await page.evaluate(TOOLBAR) == notes_toolbar
    await check_layout(page, size, "offline")
    await page.context.set_offline(False)
    await expect(page.locator("#connection")).to_have_text("Online")

    await page.get_by_role("button", name="System map").click()
    await expect(page.locator("#map-hint")).to_have_text(MAP_HINT)
    map_toolbar = await page.evaluate(TOOLBAR)
    # Add factor takes Add note's place; every other button keeps its own.
    assert map_toolbar.pop("add-factor") == notes_toolbar["add-note"]
    shared = {key: box for key, box in notes_toolbar.items() if key in map_toolbar}
    assert shared == map_toolbar
    assert set(map_toolbar) >= {"mode-toggle", "more" if size in BEHIND_MORE else "contrast"}
    await map_with_a_loop(page, size)
    await expect(page.locator("#map-hint")).to_be_hidden()

    # Opened again, the map is fitted to its factors.
    await page.reload()
    await expect(page.locator("#connection")).to_have_text("Online")
    await page.get_by_role("button", name="System map").click()
    await expect(page.locator("#loop-count")).to_have_text("1 loop")
    assert await page.evaluate(FACTORS_OUT_OF_VIEW) == []
    assert await page.evaluate(SMALL_MAP_TEXT) == []
    await check_layout(page, size, "map")


async def test_more_menu_works_by_keyboard_on_a_phone(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    page = await tablet(browser, "phone")
    await join(page, server, workshop["join_code"], "Ann")
    more = page.get_by_role("button", name="More", exact=True)
    menu = page.locator("#more-menu")
    await expect(more).to_have_attribute("aria-expanded", "false")
    await expect(menu).to_be_hidden()

    await more.focus()
    await page.keyboard.press("Enter")
    await expect(more).to_have_attribute("aria-expanded", "true")
    # Undo and Redo start disabled, so the first button that takes focus is Outline.
    await expect(menu.get_by_role("button")).to_have_text(
        ["↶ Undo", "↷ Redo", "☰ Outline", "▦ Tidy", "◐ High contrast", "🚪 Leave"]
    )
    await expect(menu.get_by_role("button", name="Outline")).to_be_focused()
    await check_layout(page, "phone", "more")
    await page.keyboard.press("Escape")
    await expect(menu).to_be_hidden()
    await expect(more).to_be_focused()
    await expect(more).to_have_attribute("aria-expanded", "false")

    # A button in the menu does its job and closes the menu; the outline it
    # opens covers the board, and Escape closes it again.
    await page.keyboard.press("Enter")
    await page.keyboard.press("Enter")
    outline = page.get_by_role("complementary", name="Outline")
    await expect(outline).to_be_visible()
    await expect(menu).to_be_hidden()
    await check_layout(page, "phone", "more-outline")
    await outline.get_by_role("button", name="Close outline").focus()
    await page.keyboard.press("Escape")
    await expect(outline).to_be_hidden()
    await expect(more).to_be_focused()

    await more.click()
    await menu.get_by_role("button", name="High contrast").click()
    await expect(menu).to_be_hidden()
    await expect(page.locator("body")).to_have_css("background-color", "rgb(0, 0, 0)")
    await check_layout(page, "phone", "contrast")

    # Tidy belongs to the notes: the map's menu has no Tidy.
    await page.get_by_role("button", name="System map").click()
    await more.click()
    await expect(menu.get_by_role("button")).to_have_text(
        ["↶ Undo", "↷ Redo", "☰ Outline", "◐ High contrast", "🚪 Leave"]
    )
    # A tap outside closes it.
    await page.locator("#map-canvas").click(position={"x": 20, "y": 20})
    await expect(menu).to_be_hidden()


@pytest.mark.parametrize("size", ["phone", "laptop"])
async def test_the_map_opens_fitted_to_its_factors(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], size: str
) -> None:
    page = await tablet(browser, size)
    await join(page, server, workshop["join_code"], "Ann")
    # A map made on a tablet: factors far to the right and far down.
    await page.evaluate(
        """() => {
            const { doc, Y } = window.board;
            doc.transact(() => {
                for (const [id, x, y] of [["a", 24, 24], ["b", 900, 60], ["c", 500, 600]]) {
                    const factor = new Y.Map();
                    factor.set("label", new Y.Text(`Factor ${id}`));
                    factor.set("x", x);
                    factor.set("y", y);
                    doc.getMap("nodes").set(id, factor);
                }
            });
        }"""
    )
    await page.get_by_role("button", name="System map").click()
    assert await page.evaluate(FACTORS_OUT_OF_VIEW) == []
    assert await page.evaluate(SMALL_MAP_TEXT) == []
    assert await page.evaluate(TARGETS_TOO_SMALL) == []

    # Moved by the person, the map stays where they put it.
    zoom = page.get_by_role("group", name="Map zoom")
    await zoom.get_by_role("button", name="Zoom in").click()
    level = await zoom.locator(".zoom-level").text_content()
    await page.get_by_role("button", name="Notes").click()
    await page.get_by_role("button", name="System map").click()
    await expect(zoom.locator(".zoom-level")).to_have_text(level or "")


async def test_arrow_steps_are_announced_and_the_factor_box_says_what_to_type(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    page = await tablet(browser)
    await join(page, server, workshop["join_code"], "Ann")
    await page.get_by_role("button", name="System map").click()
    await add_factors(page, "Isolation", "Health")
    await expect(page.get_by_label("Factor name").first).to_have_attribute(
        "placeholder", FACTOR_PLACEHOLDER
    )
    announce = page.locator("#announce")

    await page.get_by_role("button", name="Arrow from here: Isolation").click()
    await expect(announce).to_have_text(arrow_next_step("Isolation"))
    # Said on screen too, for those who do not use a screen reader.
    await expect(page.locator("#map-hint")).to_have_text("➝ " + arrow_next_step("Isolation"))
    await page.get_by_role("button", name="Cancel arrow: Isolation").click()
    await expect(announce).to_have_text("Arrow cancelled.")
    await expect(page.locator("#map-hint")).to_be_hidden()

    await page.get_by_role("button", name="Arrow from here: Health").click()
    await expect(announce).to_have_text(arrow_next_step("Health"))
    await page.get_by_role("button", name="Arrow to here: Isolation").click()
    await expect(announce).to_have_text("Arrow made from Health to Isolation.")
    await expect(page.locator("#link-list .link-text")).to_have_text(["Health → Isolation (+)"])


async def test_map_text_stays_readable_when_zoomed_out(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    page = await tablet(browser)
    await join(page, server, workshop["join_code"], "Ann")
    await page.get_by_role("button", name="System map").click()
    await map_with_a_loop(page)
    zoom = page.get_by_role("group", name="Map zoom")
    await zoom.get_by_role("button", name="Zoom out").click()
    await expect(zoom).to_contain_text("80%")
    assert await page.evaluate(SMALL_MAP_TEXT) == []
    label = page.locator(".map-arrows .arrow-label").filter(has_text="fewer visits")
    assert await label.evaluate("node => getComputedStyle(node).fontSize") == "20px"
    assert await page.evaluate(TARGETS_TOO_SMALL) == []

    for _ in range(6):
        await zoom.get_by_role("button", name="Zoom out").click()
    await expect(zoom).to_contain_text("30%")
    assert await page.evaluate(SMALL_MAP_TEXT) == []
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "map-zoomed-out.png"))

    # Zoomed this far out a factor is one big button: it zooms in to edit.
    await page.get_by_role("button", name="Health: zoom in to edit").click()
    await expect(zoom).to_contain_text("100%")
    await expect(page.get_by_label("Factor name").nth(1)).to_be_focused()
    await expect(page.get_by_label("Factor name").nth(1)).to_be_in_viewport()


@pytest.mark.parametrize("voice", ["missing", "silent"])
async def test_read_says_in_words_when_the_device_has_no_voice(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], voice: str
) -> None:
    page = await tablet(browser)
    if voice == "missing":
        await page.add_init_script(
            "delete Window.prototype.speechSynthesis; delete window.SpeechSynthesisUtterance;"
        )
    else:
        # A speech engine with no voice installed; voiceschanged never brings one.
        await page.add_init_script("speechSynthesis.getVoices = () => [];")
    await join(page, server, workshop["join_code"], "Ann")
    await add_notes(page, "Bus stop too far")
    await page.get_by_role("button", name="Read note aloud").click()
    toast = page.locator("#toast")
    await expect(toast.locator(".toast-text")).to_have_text(NO_VOICE)
    await expect(toast).to_be_in_viewport()
    await expect(page.locator("#announce")).to_have_text(NO_VOICE)
    await toast.get_by_role("button", name="OK").click()
    await expect(toast).to_be_hidden()


async def test_empty_board_and_map_give_a_first_hint(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    token = await server.role_token(workshop, "viewer")
    viewer = await tablet(browser)
    await viewer.goto(
        f"{server.http_url}/board#workshop={workshop['id']}&room=r1&token={token}&role=viewer"
    )
    await expect(viewer.locator("#connection")).to_have_text("Online")
    # A viewer is not told to add anything.
    await expect(viewer.locator("#board-hint")).to_have_text(BOARD_HINT_VIEWER)
    await viewer.get_by_role("button", name="System map").click()
    await expect(viewer.locator("#map-hint")).to_have_text(MAP_HINT_VIEWER)
    await expect(viewer.locator("#board-hint")).to_be_hidden()

    writer = await tablet(browser)
    await join(writer, server, workshop["join_code"], "Ann")
    await add_notes(writer, "Lonely evenings")
    await writer.get_by_role("button", name="System map").click()
    await add_factors(writer, "Isolation")
    await expect(viewer.locator("#map-hint")).to_be_hidden()
    await viewer.get_by_role("button", name="Notes").click()
    await expect(viewer.locator("#board-hint")).to_be_hidden()


async def test_headings_read_as_sentences(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    page = await tablet(browser)
    await join(page, server, workshop["join_code"], "Ann")
    await page.get_by_role("button", name="Outline").click()
    outline = page.get_by_role("complementary", name="Outline")
    await expect(outline.get_by_role("heading")).to_have_text(["Outline"])
    await expect(outline.locator("p.outline-count")).to_have_text("0 notes")
    await page.get_by_role("button", name="System map").click()
    panel = page.get_by_role("complementary", name="Arrows and loops")
    await expect(panel.get_by_role("heading")).to_have_text(["Loops", "Arrows"])
    await expect(panel.locator("p#loop-count")).to_have_text("No loops yet")
