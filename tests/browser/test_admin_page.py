"""The admin page in a real Chromium: it keeps its token on the device, lists every
workshop with what a facilitator hands out, and fits a phone and a laptop."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any

import pytest
from browserkit import ARTIFACTS, TARGETS_TOO_SMALL, UNNAMED_CONTROLS, tablet
from conftest import RunningServer
from playwright.async_api import Browser, Locator, Page, expect

from board_server.client import ClientError, post_json

pytestmark = pytest.mark.browser

WRONG_TOKEN = (
    "This admin token is not right. Paste the admin link that the board server printed "
    "when it started."
)

# Elements that reach past either edge of the screen, and the page's own width.
WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((node) => node.checkVisibility())
    .filter((node) => {
      const box = node.getBoundingClientRect();
      return box.left < -0.5 || box.right > width + 0.5;
    })
    .map((node) => node.outerHTML.slice(0, 80));
  if (document.documentElement.scrollWidth > width) wide.push("scrollWidth");
  return wide;
}"""


async def admin_page(browser: Browser, server: RunningServer, size: str = "laptop") -> Page:
    """A fresh device that opens the admin link the server printed."""
    page = await tablet(browser, size)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.goto(f"{server.http_url}/admin?token={server.config.admin_token}")
    await expect(page.get_by_role("heading", name="All workshops")).to_be_visible()
    return page


async def create_through_form(page: Page, title: str, rooms: str, people: str = "10") -> None:
    await page.get_by_label("Title").fill(title)
    await page.get_by_label("Rooms, one per line").fill(rooms)
    await page.get_by_label("People per room").fill(people)
    await page.get_by_role("button", name="Create and open the console").click()
    # The new workshop's console opens, its token already out of the address bar.
    await expect(page.locator("h1")).to_have_text(title)
    await expect(page).to_have_url(f"{page.url.split('/facilitate')[0]}/facilitate")
    await page.go_back()
    await expect(page.get_by_role("heading", name="All workshops")).to_be_visible()


def card(page: Page, title: str) -> Locator:
    return page.get_by_role("article", name=title)


def _get_workshops(server: RunningServer) -> list[dict[str, Any]]:
    request = urllib.request.Request(f"{server.http_url}/api/workshops")
    request.add_header("Authorization", f"Bearer {server.config.admin_token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        workshops: list[dict[str, Any]] = json.loads(response.read())["workshops"]
        return workshops


async def listed_by_server(server: RunningServer, title: str) -> dict[str, Any]:
    """This workshop as GET /api/workshops gives it to the page."""
    workshops = await asyncio.to_thread(_get_workshops, server)
    return next(w for w in workshops if w["title"] == title)


async def expect_listed(page: Page, server: RunningServer, title: str) -> None:
    """The card shows exactly the server's join code, links, ids and seats."""
    workshop = await listed_by_server(server, title)
    shown = card(page, title)
    await expect(shown.locator(".facts code")).to_have_text(
        [workshop["join_code"], workshop["join_url"], workshop["id"]]
    )
    rooms = shown.locator(".room")
    await expect(rooms.locator(".room-name")).to_have_text([r["name"] for r in workshop["rooms"]])
    await expect(rooms.locator(".room-meta")).to_have_text(
        [
            f"Seats: {r['seats']} of {workshop['room_capacity']} · Room id: {r['id']}"
            for r in workshop["rooms"]
        ]
    )
    await expect(rooms.locator("code")).to_have_text([r["join_url"] for r in workshop["rooms"]])


async def shown_facilitator_token(page: Page, title: str) -> str:
    await card(page, title).get_by_role("button", name="Show facilitator token").click()
    return await card(page, title).locator(".token").inner_text()


async def token_status(server: RunningServer, workshop_id: str, token: str) -> int:
    """What the tokens endpoint answers this token: 200 for the workshop's facilitator."""
    url = f"{server.http_url}/api/workshops/{workshop_id}/tokens"
    try:
        await post_json(url, {"role": "viewer"}, token)
    except ClientError as exc:
        return exc.status
    return 200


async def test_a_reload_keeps_the_token_lists_and_still_creates(
    browser: Browser, server: RunningServer
) -> None:
    page = await admin_page(browser, server)
    await expect(page).to_have_url(f"{server.http_url}/admin")
    await expect(page.get_by_text("No workshops yet. Create the first one here.")).to_be_visible()

    await create_through_form(page, "Neighbourhood futures", "Red table\n\n  Blue table  \n", "6")
    await expect(card(page, "Neighbourhood futures")).to_be_visible()
    futures = await listed_by_server(server, "Neighbourhood futures")
    assert [r["name"] for r in futures["rooms"]] == ["Red table", "Blue table"]
    assert futures["room_capacity"] == 6
    await expect_listed(page, server, "Neighbourhood futures")

    await page.reload()
    await expect_listed(page, server, "Neighbourhood futures")
    assert server.config.admin_token not in page.url
    # The facilitator token made with the workshop stays on this device, and it works.
    token = await shown_facilitator_token(page, "Neighbourhood futures")
    assert await token_status(server, futures["id"], token) == 200

    await create_through_form(page, "Second day", "Only table")
    await expect_listed(page, server, "Second day")
    await expect(page.locator("article h3")).to_have_text(["Second day", "Neighbourhood futures"])
    await expect(page.get_by_label("Title")).to_have_value("")


async def test_a_workshop_made_elsewhere_is_listed_and_copy_gives_the_exact_text(
    browser: Browser, server: RunningServer
) -> None:
    made = await server.create_workshop("Made by the API", ("Table 1", "Table 2"))
    page = await admin_page(browser, server)
    await server.join(made["join_code"], "Ann", room="r2")
    await page.get_by_role("button", name="Refresh").click()
    await expect(card(page, "Made by the API").locator(".room-meta")).to_have_text(
        ["Seats: 0 of 10 · Room id: r1", "Seats: 1 of 10 · Room id: r2"]
    )
    await expect_listed(page, server, "Made by the API")
    shown = card(page, "Made by the API")
    copied = {
        "join code": made["join_code"],
        "join link": made["join_url"],
        "workshop id": made["id"],
        "join link for Table 2": made["rooms"][1]["join_url"],
    }
    for what, text in copied.items():
        await shown.get_by_role("button", name=f"Copy {what}", exact=True).click()
        await expect(page.get_by_role("status")).to_have_text(f"Copied the {what}.")
        assert await page.evaluate("navigator.clipboard.readText()") == text

    # Its facilitator token was never on this device: the admin token gets one.
    await expect(shown.get_by_role("button", name="Show facilitator token")).to_have_count(0)
    await shown.get_by_role("button", name="Get a facilitator token").click()
    await expect(shown.get_by_role("button", name="Copy facilitator token")).to_be_focused()
    await expect(shown.get_by_role("button", name="Hide facilitator token")).to_be_visible()
    token = await shown.locator(".token").inner_text()
    assert await token_status(server, made["id"], token) == 200
    await shown.get_by_role("button", name="Copy facilitator token").click()
    assert await page.evaluate("navigator.clipboard.readText()") == token

    await page.reload()
    assert await shown_facilitator_token(page, "Made by the API") == token
    # The check above can fail: a viewer's token is refused.
    viewer = await server.role_token(made, "viewer")
    assert await token_status(server, made["id"], viewer) == 403


async def test_a_wrong_token_asks_for_another_and_forget_removes_it(
    browser: Browser, server: RunningServer
) -> None:
    page = await tablet(browser, "laptop")
    await page.goto(f"{server.http_url}/admin#token=not-the-token")
    paste = page.get_by_label("Paste the admin link or token")
    await expect(page.get_by_role("alert")).to_have_text(WRONG_TOKEN)
    await expect(paste).to_be_focused()
    await expect(page).to_have_url(f"{server.http_url}/admin")
    await expect(page.get_by_role("heading", name="All workshops")).to_be_hidden()
    await expect(page.get_by_role("button", name="Forget this device")).to_be_hidden()

    admin_link = f"{server.http_url}/admin?token={server.config.admin_token}"
    await paste.fill(admin_link)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="All workshops")).to_be_visible()
    await expect(paste).to_be_hidden()
    await page.reload()
    await expect(page.get_by_role("heading", name="All workshops")).to_be_visible()

    # A token kept from before that the server no longer takes.
    await page.evaluate("localStorage.setItem('board.admin.token', 'an-old-token')")
    await page.reload()
    await expect(page.get_by_role("alert")).to_have_text(WRONG_TOKEN)
    await paste.fill(server.config.admin_token or "")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="All workshops")).to_be_visible()

    await page.get_by_role("button", name="Forget this device").click()
    await expect(paste).to_be_visible()
    await page.reload()
    await expect(paste).to_be_visible()
    await expect(page.get_by_role("alert")).to_have_count(0)
    assert await page.evaluate("Object.keys(localStorage)") == []


@pytest.mark.parametrize("size", ["phone", "laptop"])
async def test_the_page_fits_the_screen_with_named_touch_targets(
    browser: Browser, server: RunningServer, size: str
) -> None:
    await server.create_workshop("Made by the API", ("Table 1", "Table 2"))
    page = await admin_page(browser, server, size)
    await create_through_form(
        page, "Where our town goes next: ideas from the spring open day", "Red\nBlue\nGreen"
    )
    newest = card(page, "Where our town goes next: ideas from the spring open day")
    await newest.get_by_role("button", name="Show facilitator token").click()
    await newest.get_by_role("button", name="Copy join code").click()
    await expect(page.get_by_role("status")).to_have_text("Copied the join code.")

    assert await page.evaluate(WIDER_THAN_SCREEN) == []
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    assert await page.evaluate(UNNAMED_CONTROLS) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"admin-{size}.png"), full_page=True)

    await page.get_by_role("button", name="Forget this device").click()
    await expect(page.get_by_label("Paste the admin link or token")).to_be_visible()
    assert await page.evaluate(WIDER_THAN_SCREEN) == []
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    await page.screenshot(path=str(ARTIFACTS / f"admin-sign-in-{size}.png"))


async def test_qr_codes_of_the_join_links_are_shown(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await server.create_workshop(title="Scan to join")
    page = await admin_page(browser, server)
    listed = card(page, "Scan to join")
    whole = listed.get_by_role("img", name="QR code of the join link", exact=True)
    await expect(whole).to_be_visible()
    expected = f"/join/{workshop['join_code']}/qr.svg"
    assert await whole.evaluate("(img) => new URL(img.src).pathname") == expected
    assert await whole.evaluate("(img) => img.complete && img.naturalWidth > 0")
    room_qr = listed.get_by_role("img", name="QR code of the join link for Table 2")
    await expect(room_qr).to_have_count(0)
    await listed.get_by_role("button", name="Show the QR code for Table 2").click()
    await expect(room_qr).to_be_visible()
    assert await room_qr.evaluate("(img) => new URL(img.src).search") == "?room=r2"
    await listed.get_by_role("button", name="Hide the QR code for Table 2").click()
    await expect(room_qr).to_be_hidden()


async def test_a_workshop_is_deleted_only_once_its_code_or_name_is_typed(
    browser: Browser, server: RunningServer
) -> None:
    doomed = await server.create_workshop("Pilot session", ("Table 1",))
    await server.create_workshop("Main session", ("Table 1",))
    page = await admin_page(browser, server)
    shown = card(page, "Pilot session")
    await shown.get_by_role("button", name="Delete the workshop Pilot session").click()
    typed = shown.get_by_label(
        f"To delete it, type its join code ({doomed['join_code']}) or its name"
    )
    await expect(typed).to_be_focused()
    assert await page.evaluate(TARGETS_TOO_SMALL) == []
    assert await page.evaluate(UNNAMED_CONTROLS) == []

    await typed.fill("Main session")
    await shown.get_by_role("button", name="Delete for good").click()
    wrong = "That is not this workshop's join code or name; nothing was deleted."
    await expect(shown.get_by_text(wrong)).to_be_visible()
    await expect(typed).to_be_focused()
    titles = [w["title"] for w in await asyncio.to_thread(_get_workshops, server)]
    assert titles == ["Main session", "Pilot session"]

    await typed.fill(f" {doomed['join_code'].lower()} ")
    await shown.get_by_role("button", name="Delete for good").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Deleted the workshop \u201cPilot session\u201d and everything kept of it."
    )
    await expect(card(page, "Pilot session")).to_have_count(0)
    await expect(page.get_by_role("heading", name="All workshops")).to_be_focused()
    titles = [w["title"] for w in await asyncio.to_thread(_get_workshops, server)]
    assert titles == ["Main session"]

    # "Keep it" closes the form and deletes nothing.
    main = card(page, "Main session")
    opener = main.get_by_role("button", name="Delete the workshop Main session")
    await opener.click()
    await main.get_by_role("button", name="Keep it").click()
    await expect(opener).to_be_focused()
    await expect(main.get_by_role("button", name="Delete for good")).to_be_hidden()
    await page.reload()
    await expect(card(page, "Main session")).to_be_visible()
