"""The tablet board page in a real Chromium: two tablets share a note; a viewer only reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RunningServer
from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def tablet(browser: Browser) -> Page:
    """A fresh tablet: its own context, so its own storage."""
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    context.set_default_timeout(10_000)
    return await context.new_page()


async def join(page: Page, server: RunningServer, code: str, name: str) -> None:
    await page.goto(f"{server.http_url}/join/{code}?room=r1")
    await page.get_by_label("Your name or a nickname").fill(name)
    await page.get_by_role("button", name="Join").click()
    await page.wait_for_url("**/board")
    await expect(page.get_by_role("status")).to_have_text("Online")


async def two_tablets(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> tuple[Page, Page]:
    """Ann's and Ben's tablets, both joined to room r1 and online."""
    a, b = await tablet(browser), await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    await join(b, server, workshop["join_code"], "Ben")
    return a, b


async def test_two_tablets_share_a_note(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)

    await a.get_by_role("button", name="Add note").click()
    await a.get_by_label("Note text").fill("Bus stop too far")
    await expect(b.get_by_label("Note text")).to_have_value("Bus stop too far")
    await expect(b.locator("#note-count")).to_have_text("1 note")

    note_b = b.get_by_label("Note text")
    await note_b.click()
    await note_b.press("End")
    await note_b.type(" at night")
    await expect(a.get_by_label("Note text")).to_have_value("Bus stop too far at night")

    ARTIFACTS.mkdir(exist_ok=True)
    await a.screenshot(path=str(ARTIFACTS / "tablet.png"))

    # A reload keeps the token on the device and rejoins the same room.
    await b.reload()
    await expect(b.get_by_role("status")).to_have_text("Online")
    await expect(b.get_by_label("Note text")).to_have_value("Bus stop too far at night")

    await a.get_by_role("button", name="Delete note").click()
    await expect(b.get_by_label("Note text")).to_have_count(0)
    await expect(b.locator("#note-count")).to_have_text("0 notes")


async def test_viewer_sees_the_board_without_editing_controls(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    writer = await tablet(browser)
    await join(writer, server, workshop["join_code"], "Ann")
    await writer.get_by_role("button", name="Add note").click()
    await writer.get_by_label("Note text").fill("Lonely evenings")

    token = await server.role_token(workshop, "viewer")
    viewer = await tablet(browser)
    await viewer.goto(
        f"{server.http_url}/board#workshop={workshop['id']}&room=r1&token={token}&role=viewer"
    )
    await expect(viewer.get_by_role("status")).to_have_text("Online")
    note = viewer.get_by_label("Note text")
    await expect(note).to_have_value("Lonely evenings")
    await expect(note).not_to_be_editable()
    # Reading aids stay; nothing that edits is offered.
    await expect(viewer.get_by_role("button")).to_have_text(
        ["🔁 System map", "☰ Outline", "◐ High contrast", "🔊Read", "\u2212", "+", "Fit"]
    )
    for name in ("Add note", "Delete note", "Move note", "Add factor", "Add picture"):
        await expect(viewer.get_by_role("button", name=name)).to_have_count(0)

    await writer.get_by_label("Note text").fill("Lonely evenings, long days")
    await expect(note).to_have_value("Lonely evenings, long days")
    ARTIFACTS.mkdir(exist_ok=True)
    await viewer.screenshot(path=str(ARTIFACTS / "viewer.png"))


async def note_position(page: Page) -> tuple[str, str]:
    box = page.locator("article.note").first
    left = await box.evaluate("node => node.style.left")
    top = await box.evaluate("node => node.style.top")
    return left, top


async def test_drag_moves_the_note_on_both_tablets(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await a.get_by_role("button", name="Add note").click()
    await expect(b.locator("article.note")).to_have_count(1)
    assert await note_position(a) == ("16px", "16px")

    handle = await a.get_by_role("button", name="Move note").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    await a.mouse.move(x, y)
    await a.mouse.down()
    for step in range(1, 11):
        await a.mouse.move(x + 30 * step, y + 20 * step)
    await a.mouse.up()

    assert await note_position(a) == ("316px", "216px")
    await expect(b.locator("article.note")).to_have_css("left", "316px")
    await expect(b.locator("article.note")).to_have_css("top", "216px")


async def test_keyboard_alone_adds_edits_and_moves_a_note(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)

    # Tab order: System map, Outline, then Add note.
    for _ in range(3):
        await a.keyboard.press("Tab")
    await a.keyboard.press("Enter")
    await a.keyboard.type("Waiting lists")
    await a.keyboard.press("Shift+Tab")
    assert await a.evaluate("document.activeElement.getAttribute('aria-label')") == "Move note"
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "Shift+ArrowRight"):
        await a.keyboard.press(key)

    await expect(b.get_by_label("Note text")).to_have_value("Waiting lists")
    await expect(b.locator("article.note")).to_have_css("left", f"{16 + 20 + 20 + 60}px")
    await expect(b.locator("article.note")).to_have_css("top", f"{16 + 20}px")


async def test_outline_lists_every_note(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    ideas = ["Bus stop too far", "Nobody to talk to", "Forms are confusing"]
    await add_notes(a, *ideas)
    await a.get_by_role("button", name="Outline").click()
    outline = a.get_by_role("complementary", name="Outline")
    await expect(outline.get_by_role("listitem")).to_have_text(ideas)
    await expect(outline.get_by_text("3 notes")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await a.screenshot(path=str(ARTIFACTS / "outline.png"))


async def test_a_note_added_offline_reaches_the_other_tablet(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)

    await a.context.set_offline(True)
    await expect(a.get_by_role("status")).not_to_have_text("Online")
    await a.get_by_role("button", name="Add note").click()
    await a.get_by_label("Note text").fill("Written in the lift")
    await expect(b.locator("article.note")).to_have_count(0)

    await a.context.set_offline(False)
    await expect(a.get_by_role("status")).to_have_text("Online", timeout=15_000)
    await expect(b.get_by_label("Note text")).to_have_value("Written in the lift")


async def test_system_map_loop_is_labelled_on_both_tablets(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    for page in (a, b):
        await page.get_by_role("button", name="System map").click()

    factors = ["Isolation", "Health", "Going out"]
    for name in factors:
        await a.get_by_role("button", name="Add factor").click()
        await a.get_by_label("Factor name").last.fill(name)
    cycle = [("Isolation", "Health"), ("Health", "Going out"), ("Going out", "Isolation")]
    for source, target in cycle:
        await a.get_by_role("button", name=f"Arrow from here: {source}").click()
        await a.get_by_role("button", name=f"Arrow to here: {target}").click()
    await a.get_by_role("button", name="Make negative: Isolation to Health").click()
    await a.get_by_role("button", name="Make negative: Going out to Isolation").click()

    reinforcing = "R1 (reinforcing): Isolation → Health → Going out → Isolation"
    loops_b = b.get_by_role("complementary", name="Arrows and loops").get_by_role("listitem")
    await expect(b.get_by_role("button", name=reinforcing)).to_be_visible()
    await expect(a.get_by_role("button", name=reinforcing)).to_be_visible()
    await expect(b.locator("#loop-count")).to_have_text("1 loop")

    # One more negative arrow makes the loop balancing, on both tablets.
    await b.get_by_role("button", name="Make negative: Health to Going out").click()
    balancing = "B1 (balancing): Isolation → Health → Going out → Isolation"
    await expect(a.get_by_role("button", name=balancing)).to_be_visible()
    await a.get_by_role("button", name=balancing).click()
    await expect(a.locator(".map-arrows .arrow.highlight")).to_have_count(3)
    # The board writes a real minus sign, which reads better than a hyphen.
    minus = "\u2212"
    await expect(loops_b.filter(has_text=f"Isolation → Health ({minus})")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    await a.screenshot(path=str(ARTIFACTS / "map.png"))


async def test_undo_and_redo_only_this_tablets_changes(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await b.get_by_role("button", name="Add note").click()
    await b.get_by_label("Note text").fill("Ben's note")
    await expect(a.locator("article.note")).to_have_count(1)
    await expect(a.get_by_role("button", name="Undo")).to_be_disabled()

    await a.get_by_role("button", name="Add note").click()
    await a.get_by_label("Note text").last.fill("Ann's note")
    await expect(b.locator("article.note")).to_have_count(2)
    await a.get_by_role("button", name="Delete note").last.click()
    await expect(b.locator("article.note")).to_have_count(1)

    # Undo brings Ann's note back for everyone; Ben's note is never touched.
    await a.get_by_role("button", name="Undo").click()
    await expect(b.get_by_label("Note text")).to_have_count(2)
    await expect(b.get_by_label("Note text").last).to_have_value("Ann's note")
    # Adding a note and typing straight into it is one step.
    await a.get_by_role("button", name="Undo").click()
    await expect(b.get_by_label("Note text")).to_have_count(1)
    await expect(b.get_by_label("Note text")).to_have_value("Ben's note")
    await expect(a.get_by_role("button", name="Undo")).to_be_disabled()

    await a.get_by_role("button", name="Redo").click()
    await expect(b.locator("article.note")).to_have_count(2)


async def test_who_is_here_lists_everyone_in_the_room(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    for page in (a, b):
        await expect(page.locator("#presence")).to_have_text("2 hereAnnBen")
    await b.close()
    await expect(a.locator("#presence")).to_have_text("1 hereAnn")


async def test_picture_notes_and_read_aloud(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    # Record what would be spoken; the speech engine itself is the browser's.
    await b.evaluate(
        """() => {
            window.spoken = [];
            window.speechSynthesis.speak = (u) => window.spoken.push(u.text);
        }"""
    )
    await a.get_by_role("button", name="Add picture").click()
    picker = a.get_by_role("dialog", name="Choose a picture")
    await expect(picker).to_be_visible()
    await picker.get_by_role("button", name="bus").click()
    await expect(picker).to_be_hidden()
    await a.get_by_label("Note text").fill("only one an hour")

    await expect(b.get_by_role("img", name="bus")).to_have_text("🚌")
    await expect(b.get_by_label("Note text")).to_have_value("only one an hour")
    await b.get_by_role("button", name="Read note aloud").click()
    assert await b.evaluate("window.spoken") == ["bus. only one an hour"]


async def test_high_contrast_is_kept_on_the_device(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    toggle = a.get_by_role("button", name="High contrast")
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await expect(a.locator("body")).to_have_css("background-color", "rgb(0, 0, 0)")
    await a.reload()
    await expect(a.get_by_role("button", name="High contrast")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(a.locator("body")).to_have_css("background-color", "rgb(0, 0, 0)")
    await a.get_by_role("button", name="Add note").click()
    await a.get_by_label("Note text").fill("Readable at the back of the hall")
    ARTIFACTS.mkdir(exist_ok=True)
    await a.screenshot(path=str(ARTIFACTS / "contrast.png"))


async def add_notes(page: Page, *ideas: str) -> None:
    for idea in ideas:
        await page.get_by_role("button", name="Add note").click()
        await page.get_by_label("Note text").last.fill(idea)


async def drag_note_onto(page: Page, moved: int, target: int) -> None:
    """Drag note number `moved` by its handle onto note number `target`."""
    handles = page.get_by_role("button", name="Move note")
    start = await handles.nth(moved).bounding_box()
    end = await handles.nth(target).bounding_box()
    assert start is not None and end is not None
    await page.mouse.move(start["x"] + 10, start["y"] + 10)
    await page.mouse.down()
    await page.mouse.move(end["x"] + 10, end["y"] + 10, steps=8)
    await page.mouse.up()


async def test_dropping_a_note_on_another_makes_a_named_cluster(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await add_notes(a, "Too few buses", "Stops are far")
    await expect(b.locator("article.note")).to_have_count(2)
    await drag_note_onto(a, 1, 0)

    # The cluster's name field has the focus after the drop.
    await a.keyboard.type("Transport")
    cluster = b.get_by_role("region", name="Cluster: Transport, 2 notes")
    await expect(cluster).to_be_visible()
    await expect(b.get_by_label("Cluster name")).to_have_value("Transport")

    await b.get_by_role("button", name="Outline").click()
    outline = b.get_by_role("complementary", name="Outline")
    await expect(outline.locator(".outline-cluster")).to_have_text(
        "TransportToo few busesStops are far"
    )

    # Moving the cluster moves both of its notes, on the other tablet too.
    before = [
        await note.evaluate("n => n.style.left") for note in await b.locator("article.note").all()
    ]
    await a.get_by_role("button", name="Move cluster").press("ArrowRight")
    for note, left in zip(await b.locator("article.note").all(), before, strict=True):
        await expect(note).to_have_css("left", f"{int(left.removesuffix('px')) + 20}px")
    ARTIFACTS.mkdir(exist_ok=True)
    await b.screenshot(path=str(ARTIFACTS / "cluster.png"))


async def test_tidy_lays_out_clusters_and_notes_without_overlaps(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await add_notes(a, "Too few buses", "Stops are far", "Lonely evenings")
    await drag_note_onto(a, 1, 0)
    # Push the loose note onto the cluster with the keyboard.
    for _ in range(12):
        await a.get_by_role("button", name="Move note").nth(2).press("Shift+ArrowLeft")

    await a.get_by_role("button", name="Tidy").click()
    notes = b.locator("article.note")
    # Cluster notes in a row under the cluster's name, the loose note below.
    expected = [("32px", "88px"), ("268px", "88px"), ("16px", "356px")]
    for note, (left, top) in zip(await notes.all(), expected, strict=True):
        await expect(note).to_have_css("left", left)
        await expect(note).to_have_css("top", top)
    frame = b.get_by_role("region", name="Cluster: Unnamed group, 2 notes")
    box = await frame.bounding_box()
    loose = await notes.nth(2).bounding_box()
    assert box is not None and loose is not None
    assert box["y"] + box["height"] <= loose["y"]


async def test_zoom_and_pan_keep_drags_in_board_units(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await a.get_by_role("button", name="Add note").click()
    surface = a.locator("#surface")
    await a.get_by_role("button", name="Zoom in").click()
    await expect(a.get_by_role("group", name="Zoom")).to_contain_text("125%")
    await a.get_by_role("button", name="Zoom out").click()
    await a.get_by_role("button", name="Zoom out").click()
    await expect(a.get_by_role("group", name="Zoom")).to_contain_text("80%")
    assert "scale(0.8)" in await surface.evaluate("n => n.style.transform")

    # A drag of 160 screen pixels at 80 % moves the note 200 board units.
    handle = await a.get_by_role("button", name="Move note").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    await a.mouse.move(x, y)
    await a.mouse.down()
    await a.mouse.move(x + 160, y, steps=8)
    await a.mouse.up()
    await expect(b.locator("article.note")).to_have_css("left", "216px")

    await a.get_by_role("button", name="Reset zoom").click()
    assert await surface.evaluate("n => n.style.transform") == "translate(0px, 0px) scale(1)"

    # The wheel pans the view, on this tablet only.
    await a.mouse.move(600, 600)
    await a.mouse.wheel(0, 120)
    await expect(surface).to_have_css("transform", "matrix(1, 0, 0, 1, 0, -120)")
    assert await b.locator("#surface").evaluate("n => n.style.transform") == (
        "translate(0px, 0px) scale(1)"
    )
