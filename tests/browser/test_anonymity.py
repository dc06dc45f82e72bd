"""No note can be tied to a name through what a tablet receives.

Every Yjs item carries its author's client id, and y-websocket sends a
tablet's awareness (presence) under that same client id. So a name in
awareness would pair each note with a person for anyone in the room who
reads the raw messages. Tablets show who is here from the server's
"people" push instead, which carries names and rooms and no client id.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browserkit import add_notes, join, tablet
from conftest import RunningServer
from playwright.async_api import Browser, WebSocket, expect

pytestmark = pytest.mark.browser

NAME = "Zephyrine"  # in no note, no room name and no title


async def test_a_name_travels_only_in_the_servers_list_never_with_a_client_id(
    browser: Browser, server: RunningServer, workshop: dict[str, Any]
) -> None:
    ben = await tablet(browser)
    frames: list[bytes] = []

    def capture(ws: WebSocket) -> None:
        ws.on(
            "framereceived",
            lambda payload: frames.append(
                bytes(payload, "utf-8") if isinstance(payload, str) else payload
            ),
        )

    ben.on("websocket", capture)
    await join(ben, server, workshop["join_code"], "Ben")
    ann = await tablet(browser)
    await join(ann, server, workshop["join_code"], NAME)
    await add_notes(ann, "Street lights by the park")
    await add_notes(ben, "A bench at the bus stop")
    await expect(ben.locator("article.note")).to_have_count(2)
    # Ann's pointer reaches Ben through awareness; her name through the list.
    await ann.mouse.move(300, 400)
    await ann.mouse.move(320, 420)
    await expect(ben.locator("#presence")).to_have_text(f"2 hereBen{NAME}")

    named = [frame for frame in frames if NAME.encode() in frame]
    assert named, "the name never reached Ben's tablet"
    # Only in command-channel frames (type 100): never in a sync or an awareness frame.
    assert {frame[0] for frame in named} == {100}
    received = await ben.evaluate(
        "() => [...window.board.provider.awareness.getStates().values()].map((s) => Object.keys(s))"
    )
    assert all("user" not in keys for keys in received)
    # Ids tell nothing of the tablet: random, never built from the Yjs client id.
    ids = await ben.evaluate("() => [...window.board.doc.getMap('notes').keys()]")
    client_ids = await ben.evaluate(
        "() => [...window.board.doc.store.clients.keys()].map((id) => id.toString(36))"
    )
    assert len(ids) == 2
    assert all(re.fullmatch(r"[0-9a-f]{24}", note_id) for note_id in ids), ids
    assert not any(cid in note_id for cid in client_ids for note_id in ids)
