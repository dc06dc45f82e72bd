"""Private drafts across two processes on one Redis: a draft reaches its
author's connections on both processes and no other connection on either;
a reveal from one process puts it on the boards of both; nothing of a
deleted draft stays in Redis; and drafts outlive a killed process."""

from __future__ import annotations

import secrets

import pytest
from pycrdt import Map, Text
from rediskit import stored_under
from test_channel_cluster import Deployment, deployment, ok

__all__ = ["deployment"]  # the fixture, shared with test_channel_cluster

pytestmark = pytest.mark.redis


def texts(client_doc_notes: Map) -> set[str]:
    return {
        str(note["text"])
        for note in client_doc_notes.values()
        if isinstance(note, Map) and isinstance(note.get("text"), Text)
    }


async def test_a_draft_reaches_no_other_connection_on_any_process(
    deployment: Deployment,
) -> None:
    facilitator = await deployment.facilitator(1)
    facilitator_board = await deployment.tablet(
        1, "r1", deployment.workshop["facilitator_token"], capture=True
    )
    ann = await deployment.join(0, "Ann", "r1")
    tablet = await deployment.tablet(0, "r1", ann.token)
    phone = await deployment.tablet(1, "r1", ann.token)  # Ann's second device
    bob_seat, cy_seat = await deployment.join(1, "Bob", "r1"), await deployment.join(0, "Cy", "r1")
    bob = await deployment.tablet(1, "r1", bob_seat.token, capture=True)
    near = await deployment.tablet(0, "r1", cy_seat.token, capture=True)
    await ok(facilitator, "private.set", {"on": True, "room": "r1"})
    await tablet.wait_push("state", lambda s: s["rooms"]["r1"]["private"])

    kept, deleted = (f"draft-{secrets.token_hex(8)}" for _ in range(2))
    await ok(tablet, "draft.add", {"text": kept})
    gone = (await ok(tablet, "draft.add", {"text": deleted}))["draft"]
    await phone.wait_push("drafts", lambda d: [x["text"] for x in d["drafts"]] == [kept, deleted])
    await ok(tablet, "draft.delete", {"draft": gone["id"]})
    await phone.wait_push("drafts", lambda d: [x["text"] for x in d["drafts"]] == [kept])
    assert [d["text"] for d in (await ok(phone, "draft.list"))["drafts"]] == [kept]
    await facilitator.wait_push("drafts.count", lambda c: c["rooms"] == {"r1": 1, "r2": 0})

    # A board write after the drafts reaches each board after all sent before it.
    tablet.doc.get("notes", type=Map)["barrier"] = "after the drafts"
    for client in (bob, near, facilitator_board):
        notes = client.doc.get("notes", type=Map)
        await client.wait_until(lambda n=notes: n.get("barrier") == "after the drafts")
    for client in (bob, near, facilitator_board):
        frames = list(client.received or [])
        assert frames
        assert [f for f in frames if kept.encode() in f or deleted.encode() in f] == []
    stored = await stored_under(deployment.cluster.prefix)
    assert [key for key, parts in stored.items() if any(deleted.encode() in p for p in parts)] == []
    (waiting,) = (await ok(phone, "draft.list"))["drafts"]
    draft_key = f"{deployment.cluster.prefix}draft:{deployment.id}:{waiting['id']}".encode()
    assert [key for key, parts in stored.items() if any(kept.encode() in p for p in parts)] == [
        draft_key
    ]

    assert (await ok(facilitator, "private.reveal", {"room": "r1"}))["revealed"] == {"r1": 1}
    for client in (tablet, bob, near, facilitator_board):
        notes = client.doc.get("notes", type=Map)
        await client.wait_until(lambda n=notes: kept in texts(n))
    await phone.wait_push("drafts", lambda d: d["drafts"] == [])
    stored = await stored_under(deployment.cluster.prefix)
    assert [key for key, parts in stored.items() if any(deleted.encode() in p for p in parts)] == []
    # The kept one is now on the board (the room's log), and nowhere else.
    holders = [key for key, parts in stored.items() if any(kept.encode() in p for p in parts)]
    assert holders and all(key.startswith(f"{deployment.cluster.prefix}log:".encode()) or
                           key.startswith(f"{deployment.cluster.prefix}doc:".encode())
                           for key in holders)  # fmt: skip


async def test_drafts_outlive_a_killed_process(deployment: Deployment) -> None:
    facilitator = await deployment.facilitator(1)
    ann = await deployment.join(0, "Ann", "r2")
    tablet = await deployment.tablet(0, "r2", ann.token)
    await ok(facilitator, "private.set", {"on": True})
    await tablet.wait_push("state", lambda s: s["rooms"]["r2"]["private"])
    await ok(tablet, "draft.add", {"text": "Written before the crash"})
    await deployment.cluster.processes[0].kill()

    again = await deployment.tablet(1, "r2", ann.token)
    drafts = (await ok(again, "draft.list"))["drafts"]
    assert [d["text"] for d in drafts] == ["Written before the crash"]
    assert (await ok(facilitator, "private.reveal"))["revealed"] == {"r1": 0, "r2": 1}
    notes = again.doc.get("notes", type=Map)
    await again.wait_until(lambda: "Written before the crash" in texts(notes))
