"""The console's Results and downloads card in a real Chromium: each button
fetches its export with the facilitator's token in a header and saves it
under the server's file name; names are a choice only in a workshop of named
notes; a slow file says it is being prepared while the other buttons work,
and a lost connection or a refusal says what went wrong in words."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from browserkit import ARTIFACTS, facilitating, open_console
from channelkit import ok
from conftest import RunningServer, eventually
from playwright.async_api import Browser, Locator, Page, Request, Route, expect
from pycrdt import Map, Text

from board_server.client import BoardClient, post_json
from board_server.model import RoomKey

pytestmark = pytest.mark.browser

TITLE = "Our street in 2030"
STEM = "our-street-in-2030"
SHOWN = "Night buses every ten minutes"
HIDDEN = "A note the facilitator hid"
LEFT_OUT = (
    "Never in a download: hidden notes, notes that stay in their room,"
    " and private notes that are not revealed yet."
)
ANONYMOUS = "Notes are anonymous: no names are in any download."
LABELS = [
    "Report (PDF)",
    "Report (Markdown)",
    "Spreadsheets (CSV, zip)",
    "Pictures of the boards (SVG, zip)",
    "All data (JSON)",
]


@dataclass(frozen=True)
class Saved:
    """A file a button saved, and the request that fetched it."""

    name: str
    body: bytes
    url: str
    authorization: str | None


async def make_workshop(server: RunningServer, *, anonymous: bool) -> dict[str, Any]:
    """A workshop of two tables, of anonymous or of named notes."""
    body = {"title": TITLE, "rooms": ["Table 1", "Table 2"], "anonymous": anonymous}
    return await post_json(f"{server.http_url}/api/workshops", body, server.config.admin_token)


async def write_notes(server: RunningServer, workshop: dict[str, Any], *texts: str) -> None:
    """Ann writes these notes (n1, n2, …) on Table 1's board, each signed with
    her name as a named workshop's reveal signs them; back once the server has them."""
    ann = await BoardClient.join(server.http_url, workshop["join_code"], "Ann", room="r1")
    async with ann:
        await ann.wait_synced()
        notes = ann.doc.get("notes", type=Map)
        with ann.doc.transaction():
            for number, text in enumerate(texts, start=1):
                notes[f"n{number}"] = Map(
                    {"text": Text(text), "kind": "text", "created": 1000, "author": "Ann"}
                )
        room = server.services.rooms.rooms[RoomKey(workshop["id"], "r1")]
        await eventually(lambda: len(room.doc.get("notes", type=Map)) == len(texts))


def card(console: Page) -> Locator:
    return console.get_by_role("region", name="Results and downloads")


def download_button(console: Page, label: str) -> Locator:
    return card(console).get_by_role("button", name=label)


def status(console: Page) -> Locator:
    return card(console).get_by_role("status")


def is_export(request: Request) -> bool:
    return "/export?" in request.url


async def downloaded(console: Page, label: str, *, keyboard: bool = False) -> Saved:
    """Press the button (with the mouse, or Enter on it) and take the file it saves."""
    button = download_button(console, label)
    async with console.expect_request(is_export) as asked, console.expect_download() as caught:
        if keyboard:
            await button.focus()
            await console.keyboard.press("Enter")
        else:
            await button.click()
    request = await asked.value
    download = await caught.value
    path = await download.path()
    headers = await request.all_headers()
    return Saved(
        download.suggested_filename,
        await asyncio.to_thread(Path(path).read_bytes),
        request.url,
        headers.get("authorization"),
    )


async def check_targets(console: Page) -> None:
    """Every visible control of the card named and at least 44 px each way
    (a check box by its label, the bigger target)."""
    controls = card(console).locator("button:visible, label:visible")
    for control in await controls.all():
        box = await control.bounding_box()
        assert box is not None
        name = (await control.text_content() or "").strip()
        assert name, await control.evaluate("(node) => node.outerHTML")
        assert box["width"] >= 44 and box["height"] >= 44, (name, box)


async def screenshot(console: Page, name: str) -> None:
    """The screen with the card at its top, under the console's header, as
    the navigation's link shows it; scrolled on where the status line is below."""
    ARTIFACTS.mkdir(exist_ok=True)
    await card(console).evaluate("(node) => node.scrollIntoView({ block: 'start' })")
    await status(console).evaluate("(node) => node.scrollIntoView({ block: 'nearest' })")
    await console.screenshot(path=str(ARTIFACTS / name))


async def test_each_button_saves_its_file_under_the_servers_name_with_what_is_on_the_board(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await make_workshop(server, anonymous=True)
    await write_notes(server, workshop, SHOWN, HIDDEN)
    async with facilitating(server, workshop) as facilitator:
        await ok(facilitator, "note.hide", {"room": "r1", "note": "n2"})
    console = await open_console(browser, server, workshop, "phone")

    nav = console.get_by_role("navigation", name="Parts of the console")
    await nav.get_by_role("link", name="Results and downloads").click()
    await expect(card(console)).to_be_in_viewport()
    await expect(card(console).get_by_role("button")).to_have_count(len(LABELS))
    for label in LABELS:
        await expect(card(console).get_by_role("button", name=label, exact=True)).to_be_visible()
    await expect(card(console).locator(".left-out")).to_have_text(LEFT_OUT)
    await expect(card(console).get_by_text(ANONYMOUS)).to_be_visible()
    await expect(card(console).get_by_label("Include names")).to_be_hidden()
    await check_targets(console)
    assert await console.evaluate("document.documentElement.scrollWidth") == 390

    report = await downloaded(console, "Report (Markdown)")
    assert report.name == f"{STEM}-report.md"
    text = report.body.decode()
    assert f"- {SHOWN}\n" in text
    assert HIDDEN not in text
    assert "(by Ann)" not in text
    # The token goes in the header, never in the address.
    assert report.authorization == f"Bearer {workshop['facilitator_token']}"
    assert workshop["facilitator_token"] not in report.url
    assert report.url.endswith(f"/api/workshops/{workshop['id']}/export?format=md")
    await expect(status(console)).to_have_text(f"Downloaded {STEM}-report.md")

    # By keyboard, and the keyboard stays on the button.
    data = await downloaded(console, "All data (JSON)", keyboard=True)
    assert data.name == f"{STEM}-workshop.json"
    exported = json.loads(data.body)
    assert exported["workshop"]["title"] == TITLE
    assert exported["workshop"]["names_included"] is False
    table = next(room for room in exported["rooms"] if room["id"] == "r1")
    assert [(note["id"], note["text"]) for note in table["notes"]] == [("n1", SHOWN)]
    await expect(status(console)).to_have_text(f"Downloaded {STEM}-workshop.json")
    await expect(download_button(console, "All data (JSON)")).to_be_focused()

    tables = await downloaded(console, "Spreadsheets (CSV, zip)")
    assert tables.name == f"{STEM}-csv.zip"
    assert tables.body.startswith(b"PK")
    pictures = await downloaded(console, "Pictures of the boards (SVG, zip)")
    assert pictures.name == f"{STEM}-svg.zip"
    with zipfile.ZipFile(io.BytesIO(pictures.body)) as archive:
        assert [name.rsplit("/", 1)[1] for name in sorted(archive.namelist())][:2] == [
            "01-table-1-board.svg", "01-table-1-map.svg"
        ]  # fmt: skip
        assert SHOWN.encode() in archive.read(f"{STEM}/01-table-1-board.svg")
    printed = await downloaded(console, "Report (PDF)")
    assert printed.name == f"{STEM}-report.pdf"
    assert printed.body.startswith(b"%PDF-")
    await expect(status(console)).to_have_text(f"Downloaded {STEM}-report.pdf")
    await screenshot(console, "downloads-phone.png")


async def test_names_are_a_choice_only_in_a_workshop_of_named_notes(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await make_workshop(server, anonymous=False)
    await write_notes(server, workshop, SHOWN)
    console = await open_console(browser, server, workshop)
    names = card(console).get_by_label("Include names")
    await expect(names).to_be_visible()
    await expect(names).not_to_be_checked()
    await expect(card(console).get_by_text(ANONYMOUS)).to_be_hidden()

    without = await downloaded(console, "Report (Markdown)")
    assert f"- {SHOWN}\n" in without.body.decode()
    assert "names=1" not in without.url

    await names.check()
    named = await downloaded(console, "Report (Markdown)")
    assert f"- {SHOWN} (by Ann)\n" in named.body.decode()
    assert named.url.endswith("?format=md&names=1")
    await console.set_viewport_size({"width": 1366, "height": 768})
    await check_targets(console)
    await screenshot(console, "downloads-named-laptop.png")


async def test_a_slow_file_says_it_is_being_prepared_while_the_other_buttons_work(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await make_workshop(server, anonymous=True)
    await write_notes(server, workshop, SHOWN)
    console = await open_console(browser, server, workshop)
    await console.set_viewport_size({"width": 1366, "height": 768})
    release = asyncio.Event()
    held: list[str] = []

    async def hold(route: Route) -> None:
        held.append(route.request.url)
        await release.wait()
        await route.continue_()

    await console.route(lambda url: "/export?format=md" in url, hold)
    report = download_button(console, "Report (Markdown)")
    await report.click()
    await expect(report).to_have_attribute("aria-busy", "true")
    await expect(report).to_have_attribute("aria-disabled", "true")
    await expect(report).to_have_accessible_name("Report (Markdown) Preparing…")
    await expect(report.locator(".spinner")).to_be_visible()
    await expect(status(console)).to_have_text("Preparing the Markdown report…")
    # A second press while it is busy asks nothing more of the server, and
    # the keyboard keeps its place on the button.
    await report.focus()
    await console.keyboard.press("Enter")
    await expect(report).to_be_focused()

    data = await downloaded(console, "All data (JSON)")
    assert data.name == f"{STEM}-workshop.json"
    await expect(status(console)).to_have_text(f"Downloaded {STEM}-workshop.json")
    await expect(report).to_have_attribute("aria-busy", "true")
    await screenshot(console, "downloads-laptop-busy.png")

    async with console.expect_download() as caught:
        release.set()
    assert (await caught.value).suggested_filename == f"{STEM}-report.md"
    await expect(status(console)).to_have_text(f"Downloaded {STEM}-report.md")
    await expect(report).to_have_attribute("aria-busy", "false")
    await expect(report).to_have_accessible_name("Report (Markdown)")
    await expect(report.locator(".spinner")).to_be_hidden()
    assert len(held) == 1
    await screenshot(console, "downloads-laptop.png")


async def test_a_lost_connection_or_a_refusal_says_what_went_wrong(
    browser: Browser, server: RunningServer
) -> None:
    workshop = await make_workshop(server, anonymous=True)
    console = await open_console(browser, server, workshop, "phone")
    report = download_button(console, "Report (Markdown)")

    async def cut(route: Route) -> None:
        await route.abort("internetdisconnected")

    await console.route(lambda url: "/export?" in url, cut)
    await report.click()
    await expect(status(console)).to_have_text(
        "The Markdown report could not be downloaded. "
        "No connection to the server. Check the network, then try again."
    )
    await expect(status(console)).to_have_attribute("data-kind", "error")
    await expect(report).to_have_attribute("aria-busy", "false")
    await screenshot(console, "downloads-phone-error.png")

    # Trying again works once the network is back.
    await console.unroute_all()
    again = await downloaded(console, "Report (Markdown)")
    assert again.name == f"{STEM}-report.md"

    # The server's own words when it refuses: here the workshop is gone.
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        gone = await http.delete(
            f"/api/workshops/{workshop['id']}",
            headers={"Authorization": f"Bearer {server.config.admin_token}"},
        )
        assert gone.status_code == 204
    await report.click()
    await expect(status(console)).to_have_text(
        "The Markdown report could not be downloaded. No such workshop."
    )
