"""The facilitator console in a real Chromium, driven by its own buttons: printed
join cards, links to share, locking a room, shuffling everyone, the activity
list, and every control named and big enough on a laptop and on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browserkit import (
    ARTIFACTS,
    SIZES,
    TARGETS_TOO_SMALL,
    UNNAMED_CONTROLS,
    join,
    open_console,
    tablet,
)
from conftest import RunningServer, eventually
from playwright.async_api import Browser, Locator, Page, expect
from pycrdt import Map

from board_server.api.qr import join_qr_svg
from board_server.client import BoardClient
from board_server.model import Role, RoomKey
from board_server.rooms import Peer

pytestmark = pytest.mark.browser

TITLE = "Our street in 2030"
ROOMS = ("Red table", "Blue table", "Green table")
SEATED = ("Ann", "Ben", "Cleo", "Dev", "Eve", "Finn")
LOCKED = "Your table is paused by the facilitator"
SEATS_AT = "The QR code seats you at “{}”; the typed code at the emptiest table."


def board_peers(server: RunningServer, workshop: dict[str, Any], room: str) -> list[Peer]:
    """The open board sockets of one room on the server."""
    found = server.services.rooms.rooms.get(RoomKey(workshop["id"], room))
    return [] if found is None else list(found.peers)


@pytest.fixture
async def street(server: RunningServer) -> dict[str, Any]:
    """A workshop with three tables."""
    return await server.create_workshop(TITLE, ROOMS)


async def seat_everyone_at(server: RunningServer, workshop: dict[str, Any], room: str) -> None:
    """Everyone in SEATED joins the same room (through the API, as a tablet does)."""
    for name in SEATED:
        await server.join(workshop["join_code"], name, room=room)


def room_card(console: Page, room: str) -> Locator:
    return console.locator("#room-cards > li").filter(has=console.get_by_role("heading", name=room))


async def expect_people(console: Page, *heads: str) -> None:
    """Each room card, in order, heads its people with these words."""
    await expect(console.locator("#room-cards .people-head")).to_have_text(list(heads))


async def expect_activity(console: Page, *rows: tuple[str, str, str]) -> None:
    """The activity list is exactly these rows (action, room, detail), newest first."""
    await expect(console.locator("#audit-rows tr")).to_have_count(len(rows))
    cells = console.locator("#audit-rows td:not(.audit-time)")
    await expect(cells).to_have_text([text for row in rows for text in row])


async def copied(console: Page, what: str) -> str:
    """Press the Copy button for `what`; what the clipboard then holds."""
    await console.get_by_role("button", name=f"Copy the {what}", exact=True).click()
    await expect(console.locator("#announce")).to_have_text(f"Copied the {what}.")
    text: str = await console.evaluate("navigator.clipboard.readText()")
    return text


async def shuffle(console: Page, answer: str) -> None:
    """Press Shuffle everyone evenly and answer its question with `answer`."""
    await console.get_by_role("button", name="Shuffle everyone evenly").click()
    dialog = console.get_by_role("dialog", name="Shuffle everyone evenly?")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name=answer, exact=True).click()
    await expect(dialog).to_be_hidden()


async def test_join_cards_print_one_card_per_room(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    console = await open_console(browser, server, street)
    code = street["join_code"]
    async with console.context.expect_page() as opened:
        await console.get_by_role("link", name="All rooms: one card per page").click()
    cards = await opened.value
    await expect(cards).to_have_title(f"Join cards: {TITLE}")
    await expect(cards.get_by_role("article")).to_have_count(len(ROOMS))
    for number, room in enumerate(ROOMS, start=1):
        card = cards.get_by_role("article").nth(number - 1)
        await expect(card.get_by_role("heading")).to_have_text(room)
        await expect(card.locator("p")).to_have_text(
            [
                TITLE,
                "Scan the code with your tablet's camera, or go to",
                # The server's public address, as in the QR code, not the console's.
                f"{street['join_url'].removeprefix('http://').split('/join/')[0]}/join",
                "and type the code",
                code,
                SEATS_AT.format(room),
            ]
        )
        qr = card.get_by_role("img", name=f"QR code: join {room}")
        await expect(qr).to_have_attribute("src", f"/join/{code}/qr.svg?room=r{number}")
        # The picture on the card is the QR code of that room's own join link.
        drawn = await qr.evaluate("async (img) => (await fetch(img.src)).text()")
        link = street["rooms"][number - 1]["join_url"]
        assert drawn == join_qr_svg(link, f"Join {TITLE}, {room}").decode()
        assert await qr.evaluate("(img) => img.decode().then(() => img.naturalWidth > 0)")

    # On paper: the cards, a page each, and nothing of the console around them.
    around = (
        cards.get_by_role("button", name="Print"),
        cards.get_by_role("link", name="Back to the console"),
        cards.get_by_role("heading", level=1),
    )
    for shown in around:
        await expect(shown).to_be_visible()
    await cards.emulate_media(media="print")
    for card in await cards.get_by_role("article").all():
        await expect(card).to_be_visible()
    for hidden in (*around, cards.get_by_role("navigation"), cards.locator("#console-main")):
        await expect(hidden).to_be_hidden()
    breaks = await cards.get_by_role("article").evaluate_all(
        "(cards) => cards.map((card) => getComputedStyle(card).breakAfter)"
    )
    assert breaks == ["page", "page", "auto"]
    ARTIFACTS.mkdir(exist_ok=True)
    await cards.screenshot(path=str(ARTIFACTS / "join-cards-print.png"), full_page=True)

    # On screen, the way back is a link to the console.
    await cards.emulate_media(media="screen")
    await cards.get_by_role("link", name="Back to the console").click()
    await expect(cards.get_by_role("heading", name="Rooms and people")).to_be_visible()
    await expect(cards.locator("#connection")).to_have_text("Online")
    await expect(cards.get_by_role("article")).to_have_count(0)

    # One room's card alone.
    async with console.context.expect_page() as opened:
        await console.get_by_role("link", name="Card for Blue table").click()
    one = await opened.value
    await expect(one).to_have_title("Join card: Blue table")
    await expect(one.get_by_role("article").get_by_role("heading")).to_have_text("Blue table")


async def test_share_links_copy_and_open_what_they_say(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    ann = await tablet(browser)
    await join(ann, server, street["join_code"], "Ann", room="r1")
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_label("Note text").fill("A bench by the bus stop")
    console = await open_console(browser, server, street)

    wall_link = console.get_by_role("textbox", name="Wall display (for the projector)")
    shown = await wall_link.input_value()
    public = street["join_url"].split("/join/")[0]
    assert shown.startswith(f"{public}/wall#workshop={street['id']}&token=")
    assert await copied(console, "wall link") == shown
    opener = console.get_by_role("link", name="Open the wall link")
    await expect(opener).to_have_attribute("href", shown)

    await console.get_by_text("Board links per room (3 rooms)").click()
    links: dict[str, str] = {}
    for role in ("viewer", "observer"):
        field = console.get_by_role("textbox", name=f"Red table: {role}")
        links[role] = await field.input_value()
        assert await copied(console, f"{role} link for Red table") == links[role]
        opener = console.get_by_role("link", name=f"Open the {role} link for Red table")
        await expect(opener).to_have_attribute("href", links[role])

    # Each link, opened on another device, shows what it says: read only.
    # A viewer's is the tablet board, and sees who is there.
    watcher = await tablet(browser)
    await watcher.goto(links["viewer"])
    await expect(watcher.locator("#connection")).to_have_text("Online")
    await expect(watcher.locator("#room-name")).to_have_text("Red table")
    note = watcher.get_by_label("Note text")
    await expect(note).to_have_value("A bench by the bus stop")
    await expect(note).not_to_be_editable()
    await expect(watcher.get_by_role("button", name="Add note")).to_have_count(0)
    await expect(watcher.locator("#presence")).to_have_text("1 hereAnn")
    # An observer's is the observer page on that room alone, and never names anyone.
    assert links["observer"].startswith(f"{public}/observe#workshop={street['id']}&token=")
    assert links["observer"].endswith("&room=r1")
    watcher = await tablet(browser)
    await watcher.goto(links["observer"])
    await expect(watcher.locator("#watching")).to_be_visible()
    await expect(watcher.get_by_role("region")).to_have_count(1)
    red = watcher.get_by_role("region", name="Red table")
    await expect(red.locator(".note")).to_have_text("A bench by the bus stop")
    await expect(watcher.get_by_role("button", name="Add note")).to_have_count(0)
    await expect(watcher.locator("body")).not_to_contain_text("Ann")

    wall = await tablet(browser, "projector")
    await wall.goto(shown)
    await expect(wall.locator("#connection")).to_have_text("Online")
    await expect(wall.get_by_role("region")).to_have_count(len(ROOMS))
    red = wall.get_by_role("region", name="Red table")
    await expect(red.locator(".note")).to_have_text("A bench by the bus stop")
    await expect(wall.get_by_role("button", name="Add note")).to_have_count(0)


async def test_a_wall_opened_with_the_facilitators_link_reads_the_boards_as_a_viewer(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    ann = await tablet(browser)
    await join(ann, server, street["join_code"], "Ann", room="r1")
    wall = await tablet(browser, "projector")
    token = street["facilitator_token"]
    await wall.goto(f"{server.http_url}/wall#workshop={street['id']}&token={token}")
    await expect(wall.get_by_role("region")).to_have_count(len(ROOMS))
    for room in ("r1", "r2", "r3"):
        await eventually(lambda room=room: len(board_peers(server, street, room)) >= 1)
    # On the server: every board socket of the wall is a viewer's, read only.
    wall_peers = [
        peer
        for room in ("r1", "r2", "r3")
        for peer in board_peers(server, street, room)
        if peer.session.participant_id is None
    ]
    assert [(p.session.role, p.session.read_only) for p in wall_peers] == [(Role.VIEWER, True)] * 3


async def test_locking_a_room_pauses_its_tablets_until_unlocked(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    ann = await tablet(browser)
    await join(ann, server, street["join_code"], "Ann", room="r1")
    console = await open_console(browser, server, street)
    red = room_card(console, "Red table")
    await expect(red.locator(".badge")).to_have_text("Open")

    await red.get_by_role("button", name="Lock Red table").click()
    await expect(red.locator(".badge")).to_have_text("🔒 Locked")
    await expect(red.get_by_role("button", name="Unlock Red table")).to_be_visible()
    await expect(room_card(console, "Blue table").locator(".badge")).to_have_text("Open")
    await expect(ann.locator("#room-locked")).to_be_visible()
    await expect(ann.locator("#room-locked")).to_have_text(f"⏸️ {LOCKED}")
    await expect(ann.get_by_role("button", name="Add note")).to_be_hidden()

    await red.get_by_role("button", name="Unlock Red table").click()
    await expect(red.locator(".badge")).to_have_text("Open")
    await expect(ann.locator("#room-locked")).to_be_hidden()
    await expect(ann.get_by_role("button", name="Add note")).to_be_visible()
    await expect_activity(
        console,
        ("Room lock", "Red table", "unlocked"),
        ("Room lock", "Red table", "locked"),
    )


async def test_shuffle_asks_first_then_spreads_everyone_evenly(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    await seat_everyone_at(server, street, "r1")
    console = await open_console(browser, server, street)
    await expect_people(console, "6 people, 0 online", "Nobody here yet", "Nobody here yet")

    await shuffle(console, "Cancel")
    await expect_people(console, "6 people, 0 online", "Nobody here yet", "Nobody here yet")
    await expect(console.locator("#audit-empty")).to_have_text("Nothing yet.")

    await shuffle(console, "Shuffle")
    await expect_people(console, *["2 people, 0 online"] * 3)
    # Two stayed at the Red table; only one shuffle ran, the one answered OK.
    await expect_activity(console, ("Shuffled", "All rooms", "4 people moved"))


async def test_activity_lists_each_action_newest_first(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    await seat_everyone_at(server, street, "r2")
    console = await open_console(browser, server, street)
    await expect(console.locator("#audit-empty")).to_have_text("Nothing yet.")
    blue = room_card(console, "Blue table")
    await blue.get_by_role("button", name="Lock Blue table").click()
    await expect(blue.locator(".badge")).to_have_text("🔒 Locked")
    await shuffle(console, "Shuffle")
    await expect_people(console, *["2 people, 0 online"] * 3)
    await blue.get_by_role("button", name="Unlock Blue table").click()
    rows = (
        ("Room lock", "Blue table", "unlocked"),
        ("Shuffled", "All rooms", "4 people moved"),
        ("Room lock", "Blue table", "locked"),
    )
    await expect_activity(console, *rows)
    await expect(console.locator("#audit-empty")).to_be_hidden()
    # A console opened later reads the same list from the server.
    await console.reload()
    await expect_activity(console, *rows)


@pytest.mark.parametrize("size", ["laptop", "phone"])
async def test_every_console_control_is_named_and_big_enough(
    browser: Browser, server: RunningServer, street: dict[str, Any], size: str
) -> None:
    await seat_everyone_at(server, street, "r1")
    console = await open_console(browser, server, street, size)
    red = room_card(console, "Red table")
    await red.get_by_role("button", name="Lock Red table").click()
    await shuffle(console, "Shuffle")
    await expect_people(console, *["2 people, 0 online"] * 3)
    await expect(console.locator("#audit-rows tr")).to_have_count(2)
    await console.get_by_text("Board links per room (3 rooms)").click()
    await expect(console.get_by_role("textbox", name="Green table: observer")).to_be_visible()
    # One person's "Move to" choices open too, so that their buttons are measured.
    green = room_card(console, "Green table")
    await green.get_by_role("button", name=re.compile("^Move .+ to another room$")).first.click()
    await expect(console.get_by_role("group", name=re.compile("^Move .+ to$"))).to_be_visible()

    assert await console.evaluate(TARGETS_TOO_SMALL) == []
    assert await console.evaluate(UNNAMED_CONTROLS) == []
    # Nothing is wider than the screen, and the activity reads without scrolling sideways.
    width = SIZES[size][0]
    assert await console.evaluate("document.documentElement.scrollWidth") == width
    activity = console.locator(".audit-box")
    assert await activity.evaluate("(box) => box.scrollWidth - box.clientWidth") == 0
    if size == "phone":
        ARTIFACTS.mkdir(exist_ok=True)
        # From the top: the sticky header is drawn where the page is scrolled to.
        await console.evaluate("window.scrollTo(0, 0)")
        await console.screenshot(path=str(ARTIFACTS / "console-phone.png"), full_page=True)


async def test_a_vote_starts_shows_who_has_not_voted_and_reveals_from_the_console(
    browser: Browser, server: RunningServer, street: dict[str, Any]
) -> None:
    console = await open_console(browser, server, street)
    tablets = []
    for name in ("Ann", "Ben"):
        joined = await server.join(street["join_code"], name, room="r1")
        client = BoardClient(
            server.http_url, street["id"], "r1", joined["token"], commands=True, reconnect=False
        )
        client.start()
        tablets.append(client)
    try:
        ann = tablets[0]
        await ann.said_hello.wait()
        red = console.locator("#vote-rooms li").filter(has_text="Red table")
        await expect(red).to_have_text("Red table — no vote yet")
        await console.get_by_label("Dots each").fill("2")
        await console.get_by_label("Dots each").dispatch_event("change")
        await expect(console.get_by_label("Most on one idea")).to_have_value("2")
        await console.get_by_label("Named vote: everyone sees who voted for what").check()
        await console.get_by_role("button", name="Start the vote").click()
        await expect(red).to_have_text("Red table — Dots: voting now; nobody has voted yet")
        await ann.wait_push("state", lambda s: s["rooms"]["r1"]["vote"] is not None)
        vote = (await ann.request("state"))["result"]["state"]["rooms"]["r1"]["vote"]
        assert (vote["mode"], vote["budget"], vote["cap"], vote["anonymous"]) == (
            "dots", 2, 2, False
        )  # fmt: skip

        ann.doc.get("notes", type=Map)["n1"] = Map({"text": "More buses", "kind": "text"})
        reply = await ann.request("vote.cast", {"item": "n1", "amount": 2})
        assert reply["ok"] is True, reply
        await expect(red).to_have_text(
            "Red table — Dots: voting now; 1 of 2 have voted; waiting for Ben"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        # From the top: the sticky header is drawn where the page is scrolled to.
        await console.evaluate("window.scrollTo(0, 0)")
        await console.screenshot(path=str(ARTIFACTS / "console-vote.png"), full_page=True)
        await console.get_by_role("button", name="Close voting").click()
        await expect(red).to_have_text("Red table — Dots: closed, results hidden")
        await console.get_by_role("button", name="Reveal results").click()
        await expect(red).to_have_text(
            "Red table — Dots: results shown; 1 voted; the tablets and the wall show the ranking"
        )
        await expect(console.get_by_role("button", name="Reveal results")).to_be_disabled()
        shown = await ann.wait_push("vote.results")
        assert shown["ranked"] == [
            {"item": "n1", "total": 2, "rank": 1, "by": [{"name": "Ann", "amount": 2}]}
        ]
    finally:
        for client in tablets:
            await client.close()
