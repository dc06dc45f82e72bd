"""Voting on real tablets in Chromium: the facilitator opens a dots vote, the
tablets tap ideas, and after reveal every tablet and the wall show the
ranking."""

from __future__ import annotations

from typing import Any

import pytest
from browserkit import (
    ARTIFACTS,
    SIZES,
    TARGETS_TOO_SMALL,
    UNNAMED_CONTROLS,
    add_notes,
    open_wall,
    two_tablets,
)
from channelkit import ok
from conftest import RunningServer
from playwright.async_api import Browser, expect

from board_server.client import BoardClient

pytestmark = pytest.mark.browser


RANKING = "🗳️ 1. More buses at night (2 dots) · 2. A bench at the stop (1 dot)"


async def test_tablets_vote_with_dots_and_see_the_ranking_after_reveal(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ann, ben = await two_tablets(browser, server, workshop)
    await add_notes(ann, "More buses at night", "A bench at the stop")
    await expect(ben.get_by_label("Note text")).to_have_count(2)
    facilitator = BoardClient(
        server.http_url, workshop["id"], None, workshop["facilitator_token"], commands=True
    )
    facilitator.start()
    try:
        await facilitator.said_hello.wait()
        # Before a vote, no idea has vote buttons.
        await expect(
            ann.get_by_role("group", name="Your votes for “More buses at night”")
        ).to_have_count(0)
        await ok(facilitator, "vote.open", {"mode": "dots", "budget": 3, "cap": 2, "room": "r1"})
        bar = ann.locator("#vote-bar")
        await expect(bar).to_have_text("🗳️ Vote: give your 3 dots to the ideas you choose. 3 left.")

        give = ann.get_by_role("button", name="Give 1 dot to “More buses at night”")
        await give.click()
        await expect(bar).to_contain_text("2 left.")
        await give.click()
        await expect(bar).to_contain_text("1 left.")
        # The cap: a third dot on one idea is refused, and nothing changes.
        await give.click()
        await expect(ann.locator("#toast")).to_contain_text(
            "That idea has the most one person can give it"
        )
        await expect(bar).to_contain_text("1 left.")
        await ann.get_by_role("button", name="Give 1 dot to “A bench at the stop”").click()
        await expect(bar).to_contain_text("0 left.")
        await ann.get_by_role("button", name="Take back 1 dot from “A bench at the stop”").click()
        await expect(bar).to_contain_text("1 left.")
        await ben.get_by_role("button", name="Give 1 dot to “A bench at the stop”").click()
        await expect(ben.locator("#vote-bar")).to_contain_text("2 left.")
        assert await ann.evaluate(TARGETS_TOO_SMALL) == []
        assert await ann.evaluate(UNNAMED_CONTROLS) == []
        ARTIFACTS.mkdir(exist_ok=True)
        await ann.screenshot(path=str(ARTIFACTS / "tablet-voting.png"))
        # Ann's dots are hers alone: Ben's tablet shows only his own.
        await expect(ben.locator(".note-vote .vote-count")).to_have_text(["·", "●"])

        wall = await open_wall(browser, server, workshop)
        results = wall.locator('.tile[data-room="r1"] .tile-results')
        await expect(results).to_be_hidden()
        await ok(facilitator, "vote.reveal", {"room": "r1"})
        await expect(results).to_have_text(RANKING)
        await wall.screenshot(path=str(ARTIFACTS / "wall-vote-results.png"))
        # A wall opened after the reveal asks for the results.
        late = await open_wall(browser, server, workshop)
        await expect(late.locator('.tile[data-room="r1"] .tile-results')).to_have_text(RANKING)
        await expect(late.locator('.tile[data-room="r2"] .tile-results')).to_be_hidden()
        for page in (ann, ben):
            await expect(page.locator("#vote-bar")).to_have_text(
                "🗳️ Results: 1. More buses at night; 2. A bench at the stop"
            )
            await expect(page.locator(".note-vote.result")).to_have_text(
                ["#1 · 2 dots", "#2 · 1 dot"]
            )
            await expect(
                page.get_by_role("button", name="Give 1 dot to “A bench at the stop”")
            ).to_have_count(0)
        await ben.screenshot(path=str(ARTIFACTS / "tablet-vote-results.png"))
        # On a phone the results still read, with nothing too small to tap.
        width, height, _ = SIZES["phone"]
        await ben.set_viewport_size({"width": width, "height": height})
        await expect(ben.locator("#vote-bar")).to_be_visible()
        assert await ben.evaluate(TARGETS_TOO_SMALL) == []
        assert await ben.evaluate("document.documentElement.scrollWidth") == width
        await ben.screenshot(path=str(ARTIFACTS / "phone-vote-results.png"))
    finally:
        await facilitator.close()
