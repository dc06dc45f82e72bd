"""Seats on real tablets: joining again keeps the seat; Leave frees it for the next person."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from browserkit import ARTIFACTS, join, tablet
from conftest import RunningServer, start_server
from playwright.async_api import Browser, Page, expect

from board_server.client import post_json

pytestmark = pytest.mark.browser

# Long enough that the first attempt to join comes well within it.
GRACE = 4.0


async def seats(server: RunningServer, workshop: dict[str, Any]) -> list[int]:
    """Seats held per room, as the admin sees them."""
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(
            f"{server.http_url}/api/workshops",
            headers={"Authorization": f"Bearer {server.config.admin_token}"},
        )
    (listed,) = [w for w in answer.json()["workshops"] if w["id"] == workshop["id"]]
    return [room["seats"] for room in listed["rooms"]]


async def stored(page: Page) -> dict[str, Any]:
    """What this tablet keeps: its localStorage keys and its IndexedDB databases."""
    result: dict[str, Any] = await page.evaluate(
        """async () => ({
            keys: Object.keys(localStorage).filter((k) => k !== "board.contrast").sort(),
            databases: (await indexedDB.databases()).map((d) => d.name).sort(),
        })"""
    )
    return result


async def test_joining_again_keeps_the_seat_and_leave_frees_it(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await server.create_workshop(rooms=("Table 1",), room_capacity=1)
    code = workshop["join_code"]
    ann = await tablet(browser)
    await join(ann, server, code, "Ann")
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_label("Note text").fill("Shared tablets need a Leave button")
    assert await seats(server, workshop) == [1]

    # The same tablet joins again through the form: the same seat, not a second one.
    await ann.goto(f"{server.http_url}/join")
    await ann.get_by_label("Workshop code").fill(code)
    await ann.get_by_label("Your name or a nickname").fill("Annie")
    await ann.get_by_role("button", name="Join").click()
    await ann.wait_for_url("**/board")
    await expect(ann.locator("#connection")).to_have_text("Online")
    assert await seats(server, workshop) == [1]

    # The room is full for anyone else.
    ben = await tablet(browser)
    await ben.goto(f"{server.http_url}/join/{code}")
    await ben.get_by_label("Your name or a nickname").fill("Ben")
    await ben.get_by_role("button", name="Join").click()
    await expect(ben.locator("#status")).to_have_text("Every room is full.")

    # Ann leaves: she is asked first, and can stay.
    leave = ann.get_by_role("button", name="Leave")
    if not await leave.is_visible():
        await ann.get_by_role("button", name="More").click()
    await leave.click()
    dialog = ann.get_by_role("dialog", name="Leave the workshop on this tablet?")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Stay").click()
    await expect(dialog).to_be_hidden()
    assert await seats(server, workshop) == [1]
    if not await leave.is_visible():
        await ann.get_by_role("button", name="More").click()
    await leave.click()
    await dialog.get_by_role("button", name="Leave").click()
    await ann.wait_for_url(f"**/join/{code}")
    await expect(ann.locator("#status")).to_have_text(
        "You have left the workshop. The next person can join here."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    await ann.screenshot(path=str(ARTIFACTS / "after-leave.png"))
    # Nothing of Ann stays on the tablet: no token, no name, no copy of the board.
    assert await stored(ann) == {"keys": [], "databases": []}
    await expect(ann.get_by_label("Your name or a nickname")).to_have_value("")
    assert await seats(server, workshop) == [0]

    # The next person gets the seat at once, and sees the board Ann left behind.
    await ben.get_by_role("button", name="Join").click()
    await ben.wait_for_url("**/board")
    await expect(ben.locator("#connection")).to_have_text("Online")
    await expect(ben.get_by_label("Note text")).to_have_value("Shared tablets need a Leave button")
    assert await seats(server, workshop) == [1]


async def test_a_viewer_has_no_leave_button(browser: Browser, server: RunningServer) -> None:
    workshop = await server.create_workshop()
    token = (
        await post_json(
            f"{server.http_url}/api/workshops/{workshop['id']}/tokens",
            {"role": "viewer"},
            workshop["facilitator_token"],
        )
    )["token"]
    viewer = await tablet(browser)
    await viewer.goto(
        f"{server.http_url}/board#workshop={workshop['id']}&room=r1&token={token}&role=viewer"
    )
    await expect(viewer.locator("#connection")).to_have_text("Online")
    await expect(viewer.get_by_role("button", name="Leave")).to_have_count(0)


async def test_a_seat_nobody_opens_is_given_back_after_the_grace(
    browser: Browser, tmp_path: Path
) -> None:
    server, stop = await start_server(tmp_path / "data", seat_grace_seconds=GRACE)
    try:
        workshop = await server.create_workshop(rooms=("Table 1",), room_capacity=1)
        code = workshop["join_code"]
        # Someone scans the code and puts the tablet away before the board opens.
        await server.join(code, "Gone")
        lapsed_at = asyncio.get_running_loop().time() + GRACE + 0.1
        ben = await tablet(browser)
        await ben.goto(f"{server.http_url}/join/{code}")
        await ben.get_by_label("Your name or a nickname").fill("Ben")
        join_button = ben.get_by_role("button", name="Join")
        await join_button.click()
        await expect(ben.locator("#status")).to_have_text("Every room is full.")
        # Once the grace is over the seat is free, and Ben tries again. The
        # wait is the thing tested, so it is a sleep of exactly that long.
        await asyncio.sleep(max(0.0, lapsed_at - asyncio.get_running_loop().time()))
        await join_button.click()
        await ben.wait_for_url("**/board")
        await expect(ben.locator("#connection")).to_have_text("Online")
        assert await seats(server, workshop) == [1]
    finally:
        await stop()
