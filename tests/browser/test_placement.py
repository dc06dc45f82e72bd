"""Nothing hides anything: new notes land clear, two tablets adding at once
end clear, groups never cover outside notes, and a covered note can be found
and brought out (issue 9, item 2)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from browserkit import ARTIFACTS, add_notes, drag_note_onto, join, tablet, two_tablets
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

# Every pair of notes whose boxes on screen overlap, by note id.
OVERLAPPING_NOTES = """() => {
  const boxes = [...document.querySelectorAll("article.note")]
    .map((node) => [node.dataset.noteId, node.getBoundingClientRect()]);
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, p] = boxes[i];
      const [b, q] = boxes[j];
      if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) {
        found.push(`${a} over ${b}`);
      }
    }
  }
  return found;
}"""

# Every group frame on screen that overlaps a note not in its group, or another frame.
FRAMES_OVER_OTHERS = """() => {
  const notes = window.board.doc.getMap("notes");
  const frames = [...document.querySelectorAll("section.cluster:not([hidden])")];
  const clash = (p, q) =>
    p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom;
  const found = [];
  frames.forEach((frame, i) => {
    const box = frame.getBoundingClientRect();
    for (const note of document.querySelectorAll("article.note")) {
      if (notes.get(note.dataset.noteId)?.get("cluster") === frame.dataset.clusterId) continue;
      if (clash(box, note.getBoundingClientRect())) found.push(`frame over ${note.dataset.noteId}`);
    }
    for (const other of frames.slice(i + 1)) {
      if (clash(box, other.getBoundingClientRect())) found.push("frame over frame");
    }
  });
  return found;
}"""

# The doc's state vector and every note's position, read at one moment.
SNAPSHOT = """() => {
  const { doc, Y } = window.board;
  const positions = [...document.querySelectorAll("article.note")]
    .map((node) => [node.dataset.noteId, node.style.left, node.style.top])
    .sort((p, q) => (p[0] < q[0] ? -1 : 1));
  return { state: Array.from(Y.encodeStateVector(doc)).join(","), positions };
}"""

# True when the element itself (or something inside it) is what a tap at its centre hits.
ON_TOP = """(node) => {
  const box = node.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return node.contains(hit);
}"""


async def still_found(page: Page, check: str) -> list[str]:
    """What `check` finds once it finds nothing, or when Playwright's timeout runs out."""
    with contextlib.suppress(PlaywrightTimeoutError):
        await page.wait_for_function(f"() => ({check})().length === 0")
    found: list[str] = await page.evaluate(check)
    return found


async def positions(page: Page) -> list[tuple[str, str]]:
    """(left, top) of every note on the page, in creation order."""
    notes = page.locator("article.note")
    return [
        (await note.evaluate("n => n.style.left"), await note.evaluate("n => n.style.top"))
        for note in await notes.all()
    ]


async def add_at_once(a: Page, b: Page) -> None:
    """Both tablets tap "Add note" at the same moment."""
    await asyncio.gather(
        a.get_by_role("button", name="Add note").click(),
        b.get_by_role("button", name="Add note").click(),
    )


def overlapping(placed: list[list[str]]) -> list[str]:
    """Pairs of notes (id, left, top) whose 220 by 220 boxes overlap."""
    boxes = [(note, float(left[:-2]), float(top[:-2])) for note, left, top in placed]
    return [
        f"{p} over {q}"
        for i, (p, px, py) in enumerate(boxes)
        for q, qx, qy in boxes[i + 1 :]
        if abs(px - qx) < 220 and abs(py - qy) < 220
    ]


async def expect_same_board(a: Page, b: Page) -> None:
    """Once b has everything a has, both show every note in the same place, none over another."""
    snapshot = await a.evaluate(SNAPSHOT)
    seen = await b.wait_for_function(
        f"(state) => {{ const now = ({SNAPSHOT})(); return now.state === state && now; }}",
        arg=snapshot["state"],
    )
    assert (await seen.json_value())["positions"] == snapshot["positions"]
    assert overlapping(snapshot["positions"]) == []


async def test_two_tablets_adding_at_the_same_moment_never_hide_a_note(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    for _ in range(20):
        await add_at_once(a, b)
    for page in (a, b):
        await expect(page.locator("article.note")).to_have_count(40)
        assert await still_found(page, OVERLAPPING_NOTES) == []
    await expect_same_board(a, b)
    ARTIFACTS.mkdir(exist_ok=True)
    await b.screenshot(path=str(ARTIFACTS / "placement-two-tablets.png"))


async def test_two_tablets_add_after_tidy_and_a_reload(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await add_notes(a, "Too few buses", "Stops are far", "Lonely evenings")
    await drag_note_onto(a, 1, 0)
    await a.get_by_role("button", name="Tidy").click()
    await expect(b.locator("article.note").nth(2)).to_have_css("top", "356px")
    for page in (a, b):
        await page.reload()
        await expect(page.locator("#connection")).to_have_text("Online")
        await expect(page.locator("article.note")).to_have_count(3)

    await add_at_once(a, b)
    for page in (a, b):
        await expect(page.locator("article.note")).to_have_count(5)
        assert await still_found(page, OVERLAPPING_NOTES) == []
        assert await still_found(page, FRAMES_OVER_OTHERS) == []
    await expect_same_board(a, b)
    # The first free spot right of the group, and the one after it: which
    # tablet's note took which depends only on which was made first.
    placed = await positions(b)
    assert placed[:3] == [("32px", "88px"), ("268px", "88px"), ("16px", "356px")]
    assert sorted(placed[3:]) == [("520px", "16px"), ("756px", "16px")]


async def test_a_new_note_lands_in_view(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    await add_notes(a, "Too few buses", "Stops are far")
    assert await positions(a) == [("16px", "16px"), ("252px", "16px")]
    # Scrolled 600 down the board: the first grid row in view is at 724.
    await a.mouse.move(500, 500)
    await a.mouse.wheel(0, 600)
    await expect(a.locator("#surface")).to_have_css("transform", "matrix(1, 0, 0, 1, 0, -600)")
    await add_notes(a, "Lonely evenings")
    assert (await positions(a))[2] == ("16px", "724px")
    await expect(a.locator("article.note").nth(2)).to_be_in_viewport()


async def group_beside_loose_notes(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> tuple[Page, Page]:
    """Six notes in two rows; the first two become a group, whose frame grows
    down over the start of the second row."""
    a, b = await two_tablets(browser, server, workshop)
    await add_notes(a, "Buses", "Stops", "Lonely", "Forms", "Waiting", "Money")
    assert await positions(a) == [
        ("16px", "16px"),
        ("252px", "16px"),
        ("488px", "16px"),
        ("724px", "16px"),
        ("16px", "252px"),
        ("252px", "252px"),
    ]
    await drag_note_onto(a, 1, 0)
    await a.keyboard.type("Transport")
    await expect(b.get_by_role("region", name="Cluster: Transport, 2 notes")).to_be_visible()
    return a, b


async def expect_on_top(control: Locator) -> None:
    """A tap at the control's centre reaches the control, not a note over it."""
    assert await control.evaluate(ON_TOP), await control.evaluate("n => n.outerHTML")


async def test_a_new_group_moves_the_loose_notes_its_frame_would_cover(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await group_beside_loose_notes(browser, server, workshop)
    notes = b.locator("article.note")
    # The group's notes drop below its name; the two notes under its frame
    # move to the nearest free spot, just below the frame.
    expected = [
        ("16px", "88px"),
        ("252px", "88px"),
        ("488px", "16px"),
        ("724px", "16px"),
        ("16px", "340px"),
        ("252px", "340px"),
    ]
    for note, (left, top) in zip(await notes.all(), expected, strict=True):
        await expect(note).to_have_css("left", left)
        await expect(note).to_have_css("top", top)
    for page in (a, b):
        assert await still_found(page, FRAMES_OVER_OTHERS) == []
        assert await still_found(page, OVERLAPPING_NOTES) == []
        await expect_on_top(page.get_by_role("button", name="Move cluster"))
        await expect_on_top(page.get_by_label("Cluster name"))
    ARTIFACTS.mkdir(exist_ok=True)
    await b.screenshot(path=str(ARTIFACTS / "placement-group.png"))


async def test_move_all_never_drops_a_group_on_other_notes(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await group_beside_loose_notes(browser, server, workshop)
    await expect(b.locator("article.note").nth(5)).to_have_css("top", "340px")
    # Drag the group right by 480, right onto the two loose notes of the first row.
    handle = await a.get_by_role("button", name="Move cluster").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    await a.mouse.move(x, y)
    await a.mouse.down()
    await a.mouse.move(x + 480, y, steps=8)
    await a.mouse.up()

    # It ends at the nearest free spot: under those notes, clear of the others.
    group = b.locator("article.note")
    await expect(group.nth(0)).to_have_css("left", "504px")
    await expect(group.nth(0)).to_have_css("top", "324px")
    await expect(group.nth(1)).to_have_css("left", "740px")
    await expect(group.nth(1)).to_have_css("top", "324px")
    for page in (a, b):
        assert await still_found(page, FRAMES_OVER_OTHERS) == []
        assert await still_found(page, OVERLAPPING_NOTES) == []
        await expect_on_top(page.get_by_role("button", name="Move cluster"))

    # By keyboard, up onto the first row: there is no room past it, so the
    # group stays where it is and says so.
    await a.get_by_role("button", name="Move cluster").press("Shift+ArrowUp")
    await expect(a.locator("#announce")).to_have_text("Cannot go there: other notes are in the way")
    # Down is free: one plain step.
    await a.get_by_role("button", name="Move cluster").press("Shift+ArrowDown")
    await expect(group.nth(0)).to_have_css("top", "384px")
    await expect(group.nth(1)).to_have_css("top", "384px")
    assert await positions(a) == await positions(b)
    for page in (a, b):
        assert await still_found(page, FRAMES_OVER_OTHERS) == []
        await expect_on_top(page.get_by_role("button", name="Move cluster"))
    ARTIFACTS.mkdir(exist_ok=True)
    await b.screenshot(path=str(ARTIFACTS / "placement-move-all.png"))


HIDE_FIRST_NOTE = """() => {
  // As on a board from before notes were kept clear: note 2 lies right on
  // note 1, and neither was placed by the board.
  const { doc } = window.board;
  const notes = doc.getMap("notes");
  const [first, second] = [...notes.values()].sort((p, q) => p.get("created") - q.get("created"));
  doc.transact(() => {
    second.set("x", first.get("x"));
    second.set("y", first.get("y"));
    for (const note of notes.values()) note.delete("placed");
  });
}"""


async def test_a_hidden_note_is_listed_and_brought_out_on_both_tablets(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await add_notes(a, "Too few buses", "Stops are far", "Lonely evenings")
    await expect(b.locator("article.note")).to_have_count(3)
    await a.evaluate(HIDE_FIRST_NOTE)

    show = "1 note is hidden under others. Show it"
    for page in (a, b):
        await expect(page.get_by_role("button", name=show)).to_be_visible()
    await b.get_by_role("button", name="Outline").click()
    outline = b.get_by_role("complementary", name="Outline")
    await expect(outline.get_by_role("listitem")).to_have_text(
        ["Too few buses (hidden under another note)", "Stops are far", "Lonely evenings"]
    )
    button = b.get_by_role("button", name=show)
    box = await button.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    await expect_on_top(button)
    ARTIFACTS.mkdir(exist_ok=True)
    await b.screenshot(path=str(ARTIFACTS / "placement-hidden.png"))

    await button.click()
    # Note 2 goes back to the nearest free spot; note 1 never moved.
    for page in (a, b):
        notes = page.locator("article.note")
        await expect(notes.nth(0)).to_have_css("left", "16px")
        await expect(notes.nth(1)).to_have_css("left", "252px")
        await expect(notes.nth(1)).to_have_css("top", "16px")
        await expect(page.locator("#show-hidden")).to_be_hidden()
        assert await still_found(page, OVERLAPPING_NOTES) == []
    await expect(outline.get_by_role("listitem")).to_have_text(
        ["Too few buses", "Stops are far", "Lonely evenings"]
    )
    # The focus lands on the note that was hidden.
    await expect(b.get_by_role("button", name="Move note").first).to_be_focused()
