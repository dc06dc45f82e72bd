"""Votes across two processes on one Redis: one person's flood through both
spends exactly the budget, and progress and results reach every process."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pycrdt import Map
from test_channel_cluster import Deployment, deployment, ok

__all__ = ["deployment"]  # the fixture, shared with test_channel_cluster

pytestmark = pytest.mark.redis


async def test_one_persons_flood_through_two_processes_spends_exactly_the_budget(
    deployment: Deployment,
) -> None:
    facilitator = await deployment.facilitator(0)
    ann = await deployment.join(0, "Ann", "r1")
    first = await deployment.tablet(0, "r1", ann.token)
    second = await deployment.tablet(1, "r1", ann.token)
    await ok(facilitator, "vote.open", {"mode": "dots", "budget": 3, "cap": 2, "room": "r1"})
    # The second process has the open vote once it has pushed it to its tablet.
    await second.wait_push(
        "state", lambda s: (s["rooms"]["r1"]["vote"] or {}).get("state") == "open"
    )
    items = ["a", "b", "c", "d", "e"]
    notes = first.doc.get("notes", type=Map)
    for item in items:
        notes[item] = Map({"kind": "text"})
    # The second process's board has them once its tablet does.
    await second.wait_until(lambda: set(items) <= set(second.doc.get("notes", type=Map).keys()))
    replies = await asyncio.gather(
        *(
            (first, second)[i % 2].request("vote.cast", {"item": items[i % 5], "amount": 1})
            for i in range(200)
        )
    )
    errors = [reply.get("error") for reply in replies]
    assert errors.count(None) == 3
    assert errors.count("over_budget") == 197
    for tablet in (first, second):
        mine = await ok(tablet, "vote.mine")
        assert sum(mine["ballot"].values()) == 3
        assert max(mine["ballot"].values()) <= 2


async def test_progress_and_results_reach_every_process(deployment: Deployment) -> None:
    facilitator = await deployment.facilitator(0)
    ann = await deployment.tablet(1, "r2", (await deployment.join(1, "Ann", "r2")).token)
    bob = await deployment.tablet(0, "r2", (await deployment.join(0, "Bob", "r2")).token)
    opened = await ok(facilitator, "vote.open", {"mode": "scale", "room": "r2"})
    vote: dict[str, Any] = opened["state"]["rooms"]["r2"]["vote"]
    await ann.wait_push("state", lambda s: s["rooms"]["r2"]["vote"] is not None)
    ann.doc.get("notes", type=Map)["n1"] = Map({"kind": "text"})
    await bob.wait_until(lambda: "n1" in bob.doc.get("notes", type=Map))
    await ok(ann, "vote.cast", {"item": "n1", "amount": 2})
    progress = await facilitator.wait_push("vote.progress", lambda p: p["voted"] == 1)
    assert progress == {"room": "r2", "vote": vote["id"], "voted": 1, "of": 2, "waiting": ["Bob"]}
    await ok(bob, "vote.cast", {"item": "n1", "amount": 4})
    await facilitator.wait_push("vote.progress", lambda p: p["voted"] == 2)
    await ok(facilitator, "vote.reveal", {"room": "r2"})
    for tablet in (ann, bob):
        shown = await tablet.wait_push("vote.results")
        assert shown["ranked"] == [
            {"item": "n1", "total": 6, "spread": [0, 1, 0, 1, 0], "mean": 3.0, "rank": 1}
        ]
