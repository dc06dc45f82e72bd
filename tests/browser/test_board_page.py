"""The tablet board page in a real Chromium: two tablets share a note; a viewer only reads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browserkit import (
    ARTIFACTS,
    TARGETS_TOO_SMALL,
    UNNAMED_CONTROLS,
    add_notes,
    drag_note_onto,
    join,
    tablet,
    two_tablets,
)
from conftest import RunningServer
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.browser


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
    await expect(b.locator("#connection")).to_have_text("Online")
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
    await expect(viewer.locator("#connection")).to_have_text("Online")
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
    for step in range(1, 6):
        await a.mouse.move(x + 30 * step, y + 20 * step)
    # Live: the other tablet sees the note move before the drag ends.
    await expect(b.locator("article.note")).not_to_have_css("left", "16px")
    for step in range(6, 11):
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
    await expect(a.locator("#connection")).not_to_have_text("Online")
    await a.get_by_role("button", name="Add note").click()
    await a.get_by_label("Note text").fill("Written in the lift")
    await expect(b.locator("article.note")).to_have_count(0)

    await a.context.set_offline(False)
    await expect(a.locator("#connection")).to_have_text("Online", timeout=15_000)
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
    # The pressed button keeps the focus, under its new name.
    await expect(a.get_by_role("button", name="Make positive: Isolation to Health")).to_be_focused()
    await a.get_by_role("button", name="Make negative: Going out to Isolation").click()
    await a.get_by_label("Label: Going out to Isolation").fill("fewer visits")
    await expect(
        b.locator(".map-arrows .arrow-label").filter(has_text="fewer visits")
    ).to_have_count(1)

    reinforcing = "R1 (reinforcing): Isolation → Health → Going out → Isolation"
    loops_b = b.get_by_role("complementary", name="Arrows and loops").get_by_role("listitem")
    await expect(b.get_by_role("button", name=reinforcing)).to_be_visible()
    await expect(a.get_by_role("button", name=reinforcing)).to_be_visible()
    await expect(b.locator("#loop-count")).to_have_text("1 loop")

    # One more negative arrow makes the loop balancing, on both tablets.
    await b.get_by_role("button", name="Make negative: Health to Going out").click()
    balancing = "B1 (balancing): Isolation → Health → Going out → Isolation"
    await expect(a.get_by_role("button", name=balancing)).to_be_visible()
    await a.get_by_role("button", name=balancing).focus()
    await a.keyboard.press("Enter")
    await expect(a.get_by_role("button", name=balancing)).to_be_focused()
    await expect(a.get_by_role("button", name=balancing)).to_have_attribute("aria-pressed", "true")
    await expect(a.locator(".map-arrows .arrow.highlight")).to_have_count(3)
    # The board writes a real minus sign, which reads better than a hyphen.
    minus = "\u2212"
    await expect(loops_b.filter(has_text=f"Isolation → Health ({minus})")).to_have_count(1)
    await expect(
        loops_b.filter(has_text=f"Going out → Isolation ({minus}): fewer visits")
    ).to_have_count(1)
    # A delay mark shows on the arrow, in its entry and in the loop's name.
    await a.get_by_role("button", name="Mark delay: Health to Going out").click()
    await expect(
        b.get_by_role("button", name=balancing.replace("(balancing)", "(balancing, with a delay)"))
    ).to_be_visible()
    await expect(
        loops_b.filter(has_text=f"Health → Going out ({minus}), with a delay")
    ).to_have_count(1)
    await expect(b.locator(".map-arrows .arrow text").filter(has_text=f"{minus} ||")).to_have_count(
        1
    )
    await a.get_by_role("group", name="Map zoom").get_by_role("button", name="Fit").click()
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


async def record_speech(page: Page) -> None:
    """Record what would be spoken in window.spoken; the speech engine is the browser's."""
    await page.evaluate(
        """() => {
            window.spoken = [];
            window.speechSynthesis.speak = (u) => window.spoken.push(u.text);
        }"""
    )


async def test_picture_notes_and_read_aloud(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await record_speech(b)
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
    await b.get_by_role("button", name="Outline").click()
    outline = b.get_by_role("complementary", name="Outline")
    await expect(outline.get_by_role("listitem")).to_have_text(["(bus) only one an hour"])


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

    # Dragging the cluster by its handle moves both notes by the same amount.
    lefts = [await n.evaluate("n => n.style.left") for n in await b.locator("article.note").all()]
    handle = await a.get_by_role("button", name="Move cluster").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    await a.mouse.move(x, y)
    await a.mouse.down()
    await a.mouse.move(x + 100, y + 40, steps=5)
    await a.mouse.up()
    for note, left in zip(await b.locator("article.note").all(), lefts, strict=True):
        await expect(note).to_have_css("left", f"{int(left.removesuffix('px')) + 100}px")

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

    await a.get_by_role("button", name="Fit to screen").click()
    assert await surface.evaluate("n => n.style.transform") == "translate(0px, 0px) scale(1)"

    # The wheel pans the view, on this tablet only.
    await a.mouse.move(600, 600)
    await a.mouse.wheel(0, 120)
    await expect(surface).to_have_css("transform", "matrix(1, 0, 0, 1, 0, -120)")
    assert await b.locator("#surface").evaluate("n => n.style.transform") == (
        "translate(0px, 0px) scale(1)"
    )


class Finger:
    """Touch input through Chromium's DevTools protocol: real touch events, so
    the page sees pointerType "touch" exactly as on a tablet."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp: Any = None

    async def send(self, kind: str, *points: tuple[float, float]) -> None:
        if self.cdp is None:
            self.cdp = await self.page.context.new_cdp_session(self.page)
        touch_points = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
        await self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})

    async def stroke(self, *points: tuple[float, float]) -> None:
        """One finger down on the first point, through the others, then up."""
        await self.send("touchStart", points[0])
        for point in points[1:]:
            await self.send("touchMove", point)
        await self.send("touchEnd")


async def test_a_sketch_drawn_with_a_finger_becomes_a_note(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await record_speech(b)
    await a.get_by_role("button", name="Draw").click()
    pad_dialog = a.get_by_role("dialog", name="Draw your idea")
    await expect(pad_dialog).to_be_visible()
    add = pad_dialog.get_by_role("button", name="Add drawing")
    await expect(add).to_be_disabled()
    pad = await pad_dialog.get_by_label("Drawing area: draw with your finger").bounding_box()
    assert pad is not None
    x0, y0, w, h = pad["x"], pad["y"], pad["width"], pad["height"]

    finger = Finger(a)
    # A house: a red wall, then a blue roof, then a scribble taken back.
    await pad_dialog.get_by_role("button", name="Red").click()
    await finger.stroke(*[(x0 + w * 0.2, y0 + h * (0.2 + i / 10)) for i in range(7)])
    await pad_dialog.get_by_role("button", name="Blue").click()
    await expect(pad_dialog.get_by_role("button", name="Blue")).to_have_attribute(
        "aria-pressed", "true"
    )
    await finger.stroke(*[(x0 + w * (0.2 + i / 20), y0 + h * (0.2 - i / 40)) for i in range(7)])
    await finger.stroke((x0 + w * 0.9, y0 + h * 0.9), (x0 + w * 0.95, y0 + h * 0.95))
    ARTIFACTS.mkdir(exist_ok=True)
    await a.screenshot(path=str(ARTIFACTS / "sketch-pad.png"))
    await pad_dialog.get_by_role("button", name="Undo line").click()
    await add.click()
    await expect(pad_dialog).to_be_hidden()

    drawing = b.get_by_role("img", name="Drawing")
    await expect(drawing).to_have_count(1)
    lines = drawing.locator("polyline")
    await expect(lines).to_have_count(2)
    await expect(lines.nth(0)).to_have_attribute("stroke", "#c92a2a")
    await expect(lines.nth(1)).to_have_attribute("stroke", "#1864ab")
    # The wall runs down the pad (220 x 110 sketch units): 7 points at 20 %
    # of its width, from 20 % to 80 % of its height.
    wall = await lines.nth(0).get_attribute("points")
    assert wall is not None
    points = [tuple(float(v) for v in pair.split(",")) for pair in wall.split()]
    assert len(points) == 7
    assert all(abs(x - 44) < 1 for x, _ in points)
    assert abs(points[0][1] - 22) < 1 and abs(points[-1][1] - 88) < 1

    # Words are optional; read aloud says what the note is.
    await b.get_by_label("Note text").fill("my street")
    await expect(a.get_by_label("Note text")).to_have_value("my street")
    await b.get_by_role("button", name="Read note aloud").click()
    assert await b.evaluate("window.spoken") == ["drawing. my street"]
    ARTIFACTS.mkdir(exist_ok=True)
    await b.screenshot(path=str(ARTIFACTS / "sketch.png"))


async def test_a_note_colour_can_be_changed_for_everyone(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await a.get_by_role("button", name="Add note").click()
    await a.get_by_label("Note text").fill("Green spaces")
    colour = a.get_by_role("button", name="Change colour")
    await expect(colour).to_have_attribute("aria-expanded", "false")
    await colour.click()
    palette = a.get_by_role("group", name="Note colour")
    await expect(palette.get_by_role("button")).to_have_text(
        ["Yellow", "Pink", "Green", "Blue", "Orange", "Purple"]
    )
    await palette.get_by_role("button", name="Green").click()
    await expect(palette).to_be_hidden()
    await expect(b.locator("article.note")).to_have_css("background-color", "rgb(178, 242, 187)")

    # From the keyboard: open, the current colour has the focus, Escape closes.
    await colour.focus()
    await a.keyboard.press("Enter")
    pressed = palette.get_by_role("button", name="Green")
    await expect(pressed).to_be_focused()
    await expect(pressed).to_have_attribute("aria-pressed", "true")
    await a.keyboard.press("Escape")
    await expect(palette).to_be_hidden()
    await expect(colour).to_be_focused()


async def test_keyboard_groups_a_note_and_takes_it_out_again(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    await add_notes(a, "Too few buses", "Stops are far", "Lonely evenings")
    handles = a.get_by_role("button", name="Move note")
    announce = a.locator("#announce")

    # Note 2 sits beside note 1: twelve steps left put it over note 1.
    second = handles.nth(1)
    for _ in range(4):
        await second.press("Shift+ArrowLeft")
    await second.press("Enter")
    await expect(announce).to_have_text("Grouped into a new group. Type its name.")
    await expect(a.get_by_label("Cluster name")).to_be_focused()
    await a.keyboard.type("Transport")
    await expect(b.get_by_role("region", name="Cluster: Transport, 2 notes")).to_be_visible()
    # Dropped again where it is, beside its neighbour, it stays in the group.
    await second.press("Enter")
    await expect(announce).to_have_text("Still in Transport")

    # Note 3 is dropped onto the cluster's frame, in the gap between its notes.
    third = handles.nth(2)
    await third.press("Enter")
    await expect(announce).to_have_text("Not over a note or a group")
    for _ in range(6):
        await third.press("Shift+ArrowLeft")
    await third.press("Enter")
    await expect(announce).to_have_text("Added to Transport")
    await expect(b.get_by_role("region", name="Cluster: Transport, 3 notes")).to_be_visible()
    # It lay half over both notes, so it slides to the nearest free spot: below them.
    await expect(b.locator("article.note").nth(2)).to_have_css("left", "128px")
    await expect(b.locator("article.note").nth(2)).to_have_css("top", "324px")

    # Moved a little, it stays; moved well away from the others, it leaves.
    await third.press("Shift+ArrowDown")
    await third.press("Enter")
    await expect(announce).to_have_text("Still in Transport")
    for _ in range(2):
        await third.press("Shift+ArrowDown")
    await third.press("Enter")
    await expect(announce).to_have_text("Taken out of Transport")
    await expect(b.get_by_role("region", name="Cluster: Transport, 2 notes")).to_be_visible()

    # Dropped onto a note of the cluster, it joins and is placed in a free spot.
    await drag_note_onto(a, 2, 0)
    await expect(announce).to_have_text("Added to Transport")
    await expect(b.get_by_role("region", name="Cluster: Transport, 3 notes")).to_be_visible()
    lefts = [await n.evaluate("n => n.style.left") for n in await b.locator("article.note").all()]
    tops = [await n.evaluate("n => n.style.top") for n in await b.locator("article.note").all()]
    assert lefts == ["16px", "252px", "488px"]
    assert tops == ["88px", "88px", "88px"]


async def test_system_map_pans_zooms_and_moves_factors(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    for page in (a, b):
        await page.get_by_role("button", name="System map").click()
    await a.get_by_role("button", name="Add factor").click()
    await a.get_by_label("Factor name").fill("Loneliness")
    factor_b = b.locator("article.factor")
    await expect(factor_b).to_have_css("left", "24px")

    zoom = a.get_by_role("group", name="Map zoom")
    await zoom.get_by_role("button", name="Zoom out").click()
    await expect(zoom).to_contain_text("80%")
    # The notes board keeps its own zoom.
    assert "scale(1)" in await a.locator("#surface").evaluate("n => n.style.transform")

    # A drag of 160 screen pixels at 80 % moves the factor 200 map units.
    handle = await a.get_by_role("button", name="Move factor").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    await a.mouse.move(x, y)
    await a.mouse.down()
    await a.mouse.move(x + 160, y + 80, steps=8)
    await a.mouse.up()
    await expect(factor_b).to_have_css("left", "224px")
    await expect(factor_b).to_have_css("top", "124px")

    # Arrow keys move it too.
    await a.get_by_role("button", name="Move factor").press("ArrowLeft")
    await expect(factor_b).to_have_css("left", "204px")

    # Fit shows the whole map, at most at 100 %.
    surface = a.locator("#map-surface")
    await zoom.get_by_role("button", name="Fit to screen").click()
    await expect(zoom).to_contain_text("100%")
    await expect(surface).to_have_css("transform", "matrix(1, 0, 0, 1, 0, 0)")

    # Wheel pans; Ctrl+wheel (a trackpad pinch) zooms at the pointer: e^(200/200).
    await a.mouse.move(300, 400)
    await a.mouse.wheel(0, 100)
    await expect(surface).to_have_css("transform", "matrix(1, 0, 0, 1, 0, -100)")
    await a.keyboard.down("Control")
    await a.mouse.wheel(0, -200)
    await a.keyboard.up("Control")
    await expect(zoom).to_contain_text("250%")  # the most it zooms in
    ARTIFACTS.mkdir(exist_ok=True)
    await a.screenshot(path=str(ARTIFACTS / "map-zoomed.png"))


async def test_a_pinch_zooms_the_board_on_a_touch_screen(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    zoom = a.get_by_role("group", name="Zoom")
    finger = Finger(a)
    # Two fingers on the empty board move apart: 100 px apart, then 200 px.
    await finger.send("touchStart", (400, 500), (500, 500))
    for step in range(1, 11):
        await finger.send("touchMove", (400 - 5 * step, 500), (500 + 5 * step, 500))
    await finger.send("touchEnd")
    await expect(zoom).to_contain_text("200%")
    # One finger on the background pans.
    await finger.stroke((600, 600), (550, 560), (500, 520))
    transform = await a.locator("#surface").evaluate("n => n.style.transform")
    assert transform.endswith("scale(2)")


async def test_others_pointers_show_on_the_board_without_names(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a, b = await two_tablets(browser, server, workshop)
    board = await a.locator("#board").bounding_box()
    assert board is not None
    await a.mouse.move(board["x"] + 300, board["y"] + 200)
    await a.mouse.move(board["x"] + 310, board["y"] + 210)
    pointer = b.locator("#surface .cursor")
    await expect(pointer).to_have_count(1)
    # At Ann's point on the board, in board units, with no name on it.
    await expect(pointer).to_have_css("transform", "matrix(1, 0, 0, 1, 310, 210)")
    await expect(pointer).to_have_text("")
    await expect(a.locator(".cursor")).to_have_count(0)

    # It follows into the system map, and goes when Ann's pointer leaves.
    await a.get_by_role("button", name="System map").click()
    await a.mouse.move(board["x"] + 100, board["y"] + 100)
    await expect(b.locator("#surface .cursor")).to_have_count(0)
    await expect(b.locator("#map-surface .cursor")).to_have_count(1)
    await a.mouse.move(board["x"] + 100, 5)
    await expect(b.locator(".cursor")).to_have_count(0)


async def test_every_control_is_a_44_pixel_touch_target_with_a_name(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    await add_notes(a, "Too few buses", "Stops are far")
    await drag_note_onto(a, 1, 0)
    await a.get_by_role("button", name="Change colour").first.click()
    assert await a.evaluate(TARGETS_TOO_SMALL) == []

    await a.get_by_role("button", name="System map").click()
    for name in ("Isolation", "Health"):
        await a.get_by_role("button", name="Add factor").click()
        await a.get_by_label("Factor name").last.fill(name)
    await a.get_by_role("button", name="Arrow from here: Isolation").click()
    await a.get_by_role("button", name="Arrow to here: Health").click()
    assert await a.evaluate(TARGETS_TOO_SMALL) == []

    await a.get_by_role("button", name="Notes").click()
    await a.get_by_role("button", name="Draw").click()
    assert await a.evaluate(TARGETS_TOO_SMALL) == []

    # Every control has an accessible name.
    assert await a.evaluate(UNNAMED_CONTROLS) == []


async def test_a_busy_map_lists_the_shortest_loops_first(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    a = await tablet(browser)
    await join(a, server, workshop["join_code"], "Ann")
    # Six factors, each pair linked both ways: 409 loops.
    await a.evaluate(
        """() => {
            const { doc, Y } = window.board;
            const nodes = doc.getMap("nodes");
            const links = doc.getMap("links");
            doc.transact(() => {
                for (let i = 0; i < 6; i++) {
                    const factor = new Y.Map();
                    factor.set("label", new Y.Text(`F${i}`));
                    factor.set("x", 24 + (i % 3) * 260);
                    factor.set("y", 24 + Math.floor(i / 3) * 220);
                    nodes.set(`f${i}`, factor);
                }
                for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) if (i !== j) {
                    const link = new Y.Map();
                    for (const [k, v] of [["from", `f${i}`], ["to", `f${j}`], ["polarity", "+"],
                                          ["delay", false], ["label", ""]]) link.set(k, v);
                    links.set(`l${i}${j}`, link);
                }
            });
        }"""
    )
    await a.get_by_role("button", name="System map").click()
    await expect(a.locator("#loop-count")).to_have_text("409 loops")
    loops = a.locator("#loop-list .loop-button")
    await expect(loops).to_have_count(30)
    await expect(loops.first).to_have_text("R1 (reinforcing): F0 → F1 → F0")
    await a.get_by_role("button", name="Show all 409 loops").click()
    await expect(loops).to_have_count(409)
    await expect(loops.last).to_have_text(re.compile(r"^R409 \(reinforcing\): (F\d → ){6}F0$"))
    await a.get_by_role("button", name="Show fewer loops").click()
    await expect(loops).to_have_count(30)
