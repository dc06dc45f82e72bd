"""Deleting a workshop on one process of a Redis deployment: the sockets of
it on the other process close with 4404, neither process serves it any
more, and no Redis key holds anything of it, while another workshop of the
deployment carries on."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest
from pycrdt import Map
from rediskit import stored_under
from test_channel_cluster import Deployment, deployment

from board_server.client import BoardClient, join

__all__ = ["deployment"]  # the fixture, shared with test_channel_cluster

pytestmark = pytest.mark.redis

DELETED = (4404, "This workshop was deleted.")


async def closed(client: BoardClient) -> tuple[int | None, str]:
    async with asyncio.timeout(10):
        await client.closed.wait()
    return client.close_code, client.close_reason


async def test_a_deletion_on_one_process_closes_the_sockets_on_the_other(
    deployment: Deployment, http: httpx.AsyncClient
) -> None:
    facilitator = await deployment.facilitator(1)
    ann = await deployment.join(1, "Ann", "r1")
    tablet = await deployment.tablet(1, "r1", ann.token)
    bob = await deployment.join(0, "Bob", "r1")
    near = await deployment.tablet(0, "r1", bob.token)
    text = f"note-{secrets.token_hex(8)}"
    tablet.doc.get("notes", type=Map)["n1"] = text
    await near.wait_until(lambda: near.doc.get("notes", type=Map).get("n1") == text)
    cluster = deployment.cluster
    stored = await stored_under(cluster.prefix)
    assert [k for k, parts in stored.items() if any(text.encode() in p for p in parts)] != []

    answer = await http.delete(
        f"{deployment.url(0)}/api/workshops/{deployment.id}",
        headers={"Authorization": f"Bearer {deployment.workshop['facilitator_token']}"},
    )

    assert answer.status_code == 204, answer.text
    for client in (near, tablet, facilitator):
        assert await closed(client) == DELETED
    admin = {"Authorization": f"Bearer {cluster.admin_token}"}
    for process in (0, 1):
        listed = await http.get(f"{deployment.url(process)}/api/workshops", headers=admin)
        assert [w["id"] for w in listed.json()["workshops"]] == ["demo"]
        refused = await http.post(
            f"{deployment.url(process)}/api/join",
            json={"code": deployment.workshop["join_code"], "name": "Cy"},
        )
        assert refused.status_code == 404
    stored = await stored_under(cluster.prefix)
    needles = [text, deployment.id, ann.participant_id, bob.participant_id, "Cluster test"]
    assert [
        (key, n) for key, parts in stored.items() for n in needles
        if n.encode() in key or any(n.encode() in p for p in parts)
    ] == []  # fmt: skip
    # The demo workshop of the same deployment still serves, on both processes.
    for process in (0, 1):
        dee = await join(deployment.url(process), cluster.join_code, "Dee", room="r1")
        demo = deployment.clients.keep(
            BoardClient(deployment.url(process), "demo", "r1", dee.token)
        )
        demo.start()
        await demo.wait_synced()
