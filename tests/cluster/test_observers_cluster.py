"""Observers and moderation across two processes on one Redis: an observer
on one process follows notes written on the other; a hide, a restore or a
"stays in the room" from the facilitator on either process reaches its
projection; the bin reaches facilitators on both."""

from __future__ import annotations

import httpx
import pytest
from pycrdt import Map, Text
from test_channel_cluster import Deployment, deployment, ok

from board_server.client import BoardClient

__all__ = ["deployment"]  # the fixture, shared with test_channel_cluster

pytestmark = pytest.mark.redis


def texts(client: BoardClient) -> dict[str, str]:
    notes = client.doc.get("notes", type=Map)
    return {key: str(note["text"]) for key, note in notes.items() if isinstance(note, Map)}


async def test_an_observer_follows_moderation_done_on_another_process(
    deployment: Deployment, http: httpx.AsyncClient
) -> None:
    answer = await http.post(
        f"{deployment.url(0)}/api/workshops/{deployment.id}/tokens",
        json={"role": "observer"},
        headers={"Authorization": f"Bearer {deployment.workshop['facilitator_token']}"},
    )
    observer = await deployment.tablet(1, "r1", answer.json()["token"])
    facilitator = await deployment.facilitator(0)
    other_facilitator = await deployment.facilitator(1)
    ann = await deployment.tablet(0, "r1", (await deployment.join(0, "Ann", "r1")).token)

    notes = ann.doc.get("notes", type=Map)
    for key in ("n1", "n2", "n3"):
        notes[key] = Map({"text": Text(f"note {key}"), "x": 0, "y": 0, "kind": "text"})
    await observer.wait_until(lambda: set(texts(observer)) == {"n1", "n2", "n3"})

    await ok(facilitator, "note.hide", {"room": "r1", "note": "n1"})
    await ok(facilitator, "note.keep_in_room", {"room": "r1", "note": "n2", "on": True})
    await observer.wait_until(lambda: set(texts(observer)) == {"n3"})
    pushed = await other_facilitator.wait_push("bin", lambda d: len(d["notes"]) == 1)
    assert [(e["note"], e["text"]) for e in pushed["notes"]] == [("n1", "note n1")]

    # Undone from the other process: both come back to the observer.
    await ok(other_facilitator, "note.restore", {"room": "r1", "note": "n1"})
    await ok(other_facilitator, "note.keep_in_room", {"room": "r1", "note": "n2", "on": False})
    await observer.wait_until(lambda: set(texts(observer)) == {"n1", "n2", "n3"})
    assert texts(observer)["n1"] == "note n1"
    await facilitator.wait_push("bin", lambda d: d["notes"] == [])
