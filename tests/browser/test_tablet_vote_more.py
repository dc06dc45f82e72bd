"""More voting on real tablets in Chromium: a vote on groups, the agreement
scale with a split room, and a named vote."""

from __future__ import annotations

from typing import Any

import pytest
from browserkit import (
    ARTIFACTS,
    TARGETS_TOO_SMALL,
    UNNAMED_CONTROLS,
    add_notes,
    open_wall,
    two_tablets,
)
from channelkit import ok
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect

from board_server.client import BoardClient

pytestmark = pytest.mark.browser

# Notes (id, words, x, y, group) and groups (id, title), written in one step.
WRITE_BOARD = """({ notes, groups }) => {
  const { doc, Y } = window.board;
  doc.transact(() => {
    groups.forEach(([id, title], i) => {
      const group = new Y.Map();
      group.set("title", new Y.Text(title));
      group.set("created", i + 1);
      doc.getMap("clusters").set(id, group);
    });
    notes.forEach(([id, words, x, y, group], i) => {
      const note = new Y.Map();
      note.set("text", new Y.Text(words));
      Object.entries({ x, y, color: "#fff3bf", kind: "text", cluster: group, created: i + 1 })
        .forEach(([key, value]) => note.set(key, value));
      doc.getMap("notes").set(id, note);
    });
  });
}"""

# Three groups (one unnamed, of one note) and a loose note, laid out as Tidy would.
GROUPS = [["g-transport", "Transport"], ["g-safety", "Safety"], ["g-night", ""]]
NOTES = [
    ["n1", "Too few buses", 32, 88, "g-transport"],
    ["n2", "Stops are far", 268, 88, "g-transport"],
    ["n3", "Night trains", 576, 88, "g-night"],
    ["n4", "Dark underpass", 32, 428, "g-safety"],
    ["n5", "Fast cars", 268, 428, "g-safety"],
    ["n6", "A bench at the stop", 576, 428, ""],
]

TIMES = "\N{MULTIPLICATION SIGN}"

# Each group's vote row that reaches outside its group's frame.
ROWS_OUTSIDE_FRAMES = """() => [...document.querySelectorAll("section.cluster")]
.flatMap((frame) => {
  const box = frame.getBoundingClientRect();
  return [...frame.querySelectorAll(".group-vote")].map((row) => row.getBoundingClientRect())
    .filter((row) => row.left < box.left || row.right > box.right || row.top < box.top
      || row.bottom > box.bottom)
    .map(() => frame.dataset.clusterId);
})"""

# The height in pixels of each of the five bars of every spread on the page.
BAR_HEIGHTS = """() => [...document.querySelectorAll(".vote-spread")].map((spread) =>
  [...spread.querySelectorAll(".spread-bar")].map((bar) => bar.getBoundingClientRect().height))"""


async def open_vote(facilitator: BoardClient, **args: Any) -> None:
    await ok(facilitator, "vote.open", {"room": "r1", **args})


def frame(page: Page, group: str) -> Locator:
    return page.locator(f'section.cluster[data-cluster-id="{group}"]')


async def tablets_with_groups(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], facilitator: BoardClient
) -> tuple[Page, Page]:
    """Ann's and Ben's tablets with GROUPS and NOTES on the board, in the vote phase."""
    ann, ben = await two_tablets(browser, server, workshop)
    await ann.evaluate(WRITE_BOARD, {"notes": NOTES, "groups": GROUPS})
    # Ben's tablet has the groups, so the server has them too.
    await expect(ben.get_by_role("region", name="Cluster: Unnamed group, 1 notes")).to_be_visible()
    await ok(facilitator, "phase.set", {"phase": "vote", "room": "r1"})
    return ann, ben


async def expect_controls_fit(page: Page) -> None:
    """Every control has a name, and none is smaller than a fingertip."""
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    assert await page.evaluate(UNNAMED_CONTROLS) == []


async def test_tablets_vote_on_groups_and_see_them_ranked(
    browser: Browser,
    server: RunningServer,
    workshop: dict[str, Any],
    facilitator: BoardClient,
) -> None:
    ann, ben = await tablets_with_groups(browser, server, workshop, facilitator)
    await open_vote(facilitator, mode="dots", budget=3, cap=2, items="groups")

    bar = ann.locator("#vote-bar")
    await expect(bar).to_have_text("🗳️ Vote: give your 3 dots to the groups you choose. 3 left.")
    # Each group has a vote row in its title bar; no note has one.
    for page in (ann, ben):
        await expect(page.locator(".group-vote")).to_have_count(3)
        await expect(page.locator(".note-vote")).to_have_count(0)
    transport = ann.get_by_role("group", name="Your votes for the group “Transport”")
    await expect(transport.locator(".vote-count")).to_have_text("·")

    # From the keyboard: the focus stays on "+" while the row is drawn again.
    give = ann.get_by_role("button", name="Give 1 dot to the group “Transport”")
    await give.focus()
    await ann.keyboard.press("Enter")
    await expect(bar).to_contain_text("2 left.")
    await expect(give).to_be_focused()
    await ann.keyboard.press("Enter")
    await expect(bar).to_contain_text("1 left.")
    await expect(transport.locator(".vote-count")).to_have_text("●●")
    await ann.get_by_role("button", name="Give 1 dot to the unnamed group").click()
    await expect(bar).to_contain_text("0 left.")
    await expect(
        ann.get_by_role("button", name="Give 1 dot to the group “Safety”")
    ).to_be_disabled()
    await ben.get_by_role("button", name="Give 1 dot to the group “Transport”").click()
    safety = ben.get_by_role("button", name="Give 1 dot to the group “Safety”")
    await safety.click()
    await expect(ben.locator("#vote-bar")).to_contain_text("1 left.")
    await safety.click()
    await expect(ben.locator("#vote-bar")).to_contain_text("0 left.")
    await expect(frame(ben, "g-safety").locator(".vote-count")).to_have_text("●●")
    await expect_controls_fit(ann)
    ARTIFACTS.mkdir(exist_ok=True)
    await ann.screenshot(path=str(ARTIFACTS / "tablet-group-vote.png"))

    wall = await open_wall(browser, server, workshop)
    await ok(facilitator, "vote.reveal", {"room": "r1"})
    await expect(wall.locator('.tile[data-room="r1"] .tile-results')).to_have_text(
        "🗳️ 1. Transport (3 dots) · 2. Safety (2 dots) · 3. Unnamed group (1 dot)"
    )
    for page in (ann, ben):
        await expect(page.locator("#vote-bar")).to_have_text(
            "🗳️ Results: 1. Transport; 2. Safety; 3. Unnamed group"
        )
        for group, result in (
            ("g-transport", "#1 · 3 dots"),
            ("g-safety", "#2 · 2 dots"),
            ("g-night", "#3 · 1 dot"),
        ):
            await expect(frame(page, group).locator(".group-vote.result")).to_have_text(result)
        await expect(page.locator(".note-vote")).to_have_count(0)
        await expect(
            page.get_by_role("button", name="Give 1 dot to the unnamed group")
        ).to_have_count(0)
        # An anonymous vote names nobody.
        await expect(page.locator(".vote-by")).to_have_count(0)
    await ann.screenshot(path=str(ARTIFACTS / "tablet-group-results.png"))


async def test_scale_vote_shows_a_split_room_as_a_split(
    browser: Browser,
    server: RunningServer,
    workshop: dict[str, Any],
    facilitator: BoardClient,
) -> None:
    ann, ben = await two_tablets(browser, server, workshop)
    await add_notes(ann, "More buses at night", "A bench at the stop")
    await expect(ben.get_by_label("Note text")).to_have_count(2)
    await ok(facilitator, "phase.set", {"phase": "vote", "room": "r1"})
    await open_vote(facilitator, mode="scale")

    bar = ann.locator("#vote-bar")
    await expect(bar).to_have_text(
        "🗳️ Vote: give each idea a score from 1 (do not agree) to 5 (agree). "
        "You have scored 0 of 2 ideas."
    )
    scores = ann.get_by_role("group", name="Your score for “More buses at night”")
    pressed = scores.locator('[aria-pressed="true"]')
    await ann.get_by_role("button", name="Score 1 of 5 for “More buses at night”").click()
    await expect(pressed).to_have_text("1")
    await expect(bar).to_contain_text("You have scored 1 of 2 ideas.")
    # Another score replaces it; tapping the chosen score again clears it.
    four = ann.get_by_role("button", name="Score 4 of 5 for “More buses at night”")
    await four.click()
    await expect(pressed).to_have_text("4")
    await expect(bar).to_contain_text("You have scored 1 of 2 ideas.")
    await four.click()
    await expect(pressed).to_have_count(0)
    await expect(bar).to_contain_text("You have scored 0 of 2 ideas.")
    await ann.get_by_role("button", name="Score 1 of 5 for “More buses at night”").click()
    await expect(pressed).to_have_text("1")
    await ann.get_by_role("button", name="Score 4 of 5 for “A bench at the stop”").click()
    await expect(bar).to_contain_text("You have scored 2 of 2 ideas.")
    await ben.get_by_role("button", name="Score 5 of 5 for “More buses at night”").click()
    await ben.get_by_role("button", name="Score 4 of 5 for “A bench at the stop”").click()
    await expect(ben.locator("#vote-bar")).to_contain_text("You have scored 2 of 2 ideas.")
    await expect_controls_fit(ann)

    wall = await open_wall(browser, server, workshop)
    await ok(facilitator, "vote.reveal", {"room": "r1"})
    await expect(wall.locator('.tile[data-room="r1"] .tile-results')).to_have_text(
        f"🗳️ 1. A bench at the stop (average 4; 4★ {TIMES}2)"
        f" · 2. More buses at night (average 3; 1★ {TIMES}1, 5★ {TIMES}1)"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    await wall.screenshot(path=str(ARTIFACTS / "wall-scale-results.png"))
    for page in (ann, ben):
        await expect(page.locator("#vote-bar")).to_have_text(
            "🗳️ Results: 1. A bench at the stop; 2. More buses at night"
        )
        # In the order of the notes: the buses first.
        await expect(page.locator(".note-vote.result .vote-place")).to_have_text(
            ["#2 · average 3", "#1 · average 4"]
        )
        # The mean of 3 hides a split: one person gave 1, one gave 5.
        spreads = page.get_by_role("img", name="Scores:")
        await expect(spreads.nth(0)).to_have_accessible_name(
            "Scores: 1 person gave 1, 1 person gave 5"
        )
        await expect(spreads.nth(1)).to_have_accessible_name("Scores: 2 people gave 4")
    await expect(ben.locator(".vote-spread .spread-count")).to_have_text(
        ["1", "", "", "", "1", "", "", "", "2", ""]
    )
    assert await ben.evaluate(BAR_HEIGHTS) == [[26, 2, 2, 2, 26], [2, 2, 2, 26, 2]]
    await expect_controls_fit(ben)
    await ben.screenshot(path=str(ARTIFACTS / "tablet-scale-results.png"))


async def test_named_scale_vote_on_groups_fits_even_a_group_of_one_note(
    browser: Browser,
    server: RunningServer,
    workshop: dict[str, Any],
    facilitator: BoardClient,
) -> None:
    ann, ben = await tablets_with_groups(browser, server, workshop, facilitator)
    await open_vote(facilitator, mode="scale", items="groups", anonymous=False)

    bar = ann.locator("#vote-bar")
    await expect(bar).to_have_text(
        "🗳️ Vote: give each group a score from 1 (do not agree) to 5 (agree). "
        "You have scored 0 of 3 groups. Named vote: everyone will see who voted for what."
    )
    await ann.get_by_role("button", name="Score 2 of 5 for the unnamed group").click()
    await expect(
        ann.get_by_role("group", name="Your score for the unnamed group").locator(
            '[aria-pressed="true"]'
        )
    ).to_have_text("2")
    await expect(bar).to_contain_text("You have scored 1 of 3 groups.")
    await ann.get_by_role("button", name="Score 5 of 5 for the group “Transport”").click()
    await expect(bar).to_contain_text("You have scored 2 of 3 groups.")
    await ben.get_by_role("button", name="Score 4 of 5 for the unnamed group").click()
    await expect(ben.locator("#vote-bar")).to_contain_text("You have scored 1 of 3 groups.")
    # Every group's five scores lie inside its frame, the narrowest too.
    assert await ann.evaluate(ROWS_OUTSIDE_FRAMES) == []
    await expect_controls_fit(ann)
    ARTIFACTS.mkdir(exist_ok=True)
    await ann.screenshot(path=str(ARTIFACTS / "tablet-group-scale-vote.png"))

    await ok(facilitator, "vote.reveal", {"room": "r1"})
    await expect(bar).to_have_text("🗳️ Results: 1. Transport; 2. Unnamed group")
    await expect(frame(ann, "g-night").locator(".vote-place")).to_have_text("#2 · average 3")
    await expect(frame(ann, "g-night").get_by_role("img")).to_have_accessible_name(
        "Scores: 1 person gave 2, 1 person gave 4"
    )
    await expect(frame(ann, "g-safety").locator(".vote-place")).to_have_text("no votes")
    # Who gave what, on a label across the foot of the group's frame.
    await expect(frame(ann, "g-night").locator(".vote-by")).to_have_text("Ben 4 · Ann 2")
    await expect(frame(ann, "g-transport").locator(".vote-by")).to_have_text("Ann 5")
    await expect(frame(ann, "g-safety").locator(".vote-by")).to_have_count(0)
    assert await ann.evaluate(ROWS_OUTSIDE_FRAMES) == []
    await ann.screenshot(path=str(ARTIFACTS / "tablet-group-scale-results.png"))


async def test_a_named_vote_says_so_while_it_is_open(
    browser: Browser,
    server: RunningServer,
    workshop: dict[str, Any],
    facilitator: BoardClient,
) -> None:
    ann, _ = await two_tablets(browser, server, workshop)
    await add_notes(ann, "More buses at night")
    await open_vote(facilitator, mode="dots", budget=3, anonymous=False)
    await expect(ann.locator("#vote-bar")).to_have_text(
        "🗳️ Vote: give your 3 dots to the ideas you choose. 3 left. "
        "Named vote: everyone will see who voted for what."
    )
    await ok(facilitator, "vote.close", {"room": "r1"})
    await expect(ann.locator("#vote-bar")).to_have_text(
        "🗳️ Voting is closed. The facilitator will show the results."
    )


async def test_a_named_vote_shows_who_gave_what_after_reveal(
    browser: Browser,
    server: RunningServer,
    workshop: dict[str, Any],
    facilitator: BoardClient,
) -> None:
    ann, ben = await two_tablets(browser, server, workshop)
    await add_notes(ann, "More buses at night", "A bench at the stop")
    await expect(ben.get_by_label("Note text")).to_have_count(2)
    await open_vote(facilitator, mode="dots", budget=3, anonymous=False)
    give = "Give 1 dot to “{}”"
    for page, idea, bar in (
        (ann, "More buses at night", "2 left."),
        (ann, "More buses at night", "1 left."),
        (ann, "A bench at the stop", "0 left."),
        (ben, "More buses at night", "2 left."),
    ):
        await page.get_by_role("button", name=give.format(idea)).click()
        await expect(page.locator("#vote-bar")).to_contain_text(bar)
    await ok(facilitator, "vote.reveal", {"room": "r1"})
    for page in (ann, ben):
        await expect(page.locator(".note-vote.result .vote-place")).to_have_text(
            ["#1 · 3 dots", "#2 · 1 dot"]
        )
        await expect(page.locator(".note-vote.result .vote-by")).to_have_text(
            ["Ann 2 · Ben 1", "Ann 1"]
        )
    ARTIFACTS.mkdir(exist_ok=True)
    await ben.screenshot(path=str(ARTIFACTS / "tablet-named-results.png"))
