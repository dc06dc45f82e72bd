"""Redis mode under faults: Redis restarts, a server process dies.

Real server processes on a Redis of the test's own (a private redis-server
with an append-only file, so that a restart keeps its data, as the
deployment guide asks).
"""

from __future__ import annotations

import httpx
import pytest
from clusterkit import Clients, StartCluster, notes, open_board, wait_health
from pycrdt import Map
from redisproc import RedisProcess

pytestmark = pytest.mark.redis

AT_1 = {"cursor": {"space": "board", "x": 1, "y": 0}}


async def test_health_is_503_while_redis_is_down_and_edits_survive_its_restart(
    cluster: StartCluster, clients: Clients, private_redis: RedisProcess
) -> None:
    first, second = (await cluster(2, redis_url=private_redis.url)).processes
    ana = clients.keep(await open_board(first.http_url, first.join_code, "Ana"))
    ben = clients.keep(await open_board(second.http_url, second.join_code, "Ben"))
    async with httpx.AsyncClient(timeout=5) as http:
        answer = await http.get(f"{first.http_url}/healthz")
        assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
        for i in range(5):
            ana.doc.get("notes", type=Map)[f"before{i}"] = i
        await ben.wait_until(lambda: len(notes(ben)) == 5)

        await private_redis.stop()
        # Each process notices and says so, so that a proxy sends newcomers elsewhere.
        for process in (first, second):
            body = await wait_health(http, process.http_url, 503)
            assert body["status"] == "unavailable"
            assert "Redis" in body["detail"]
        # Edits go on during the outage, on both processes.
        for i in range(5):
            ana.doc.get("notes", type=Map)[f"during-a{i}"] = i
            ben.doc.get("notes", type=Map)[f"during-b{i}"] = i

        await private_redis.start()
        for client in (ana, ben):
            await client.wait_until(lambda client=client: len(notes(client)) == 15, timeout=20)
        for process in (first, second):
            assert await wait_health(http, process.http_url, 200) == {"status": "ok"}
        # A newcomer on either process loads the whole board from Redis.
        for process in (first, second):
            newcomer = clients.keep(await open_board(process.http_url, process.join_code, "Cy"))
            assert notes(newcomer) == notes(ana)
        assert set(notes(ana)) == (
            {f"before{i}" for i in range(5)}
            | {f"during-a{i}" for i in range(5)}
            | {f"during-b{i}" for i in range(5)}
        )


async def test_presence_from_a_killed_process_disappears_from_the_others(
    cluster: StartCluster, clients: Clients
) -> None:
    started = await cluster(2, extra=["--awareness-timeout-seconds", "2"])
    first, second = started.processes
    ana = clients.keep(await open_board(first.http_url, first.join_code, "Ana"))
    ben = clients.keep(await open_board(second.http_url, second.join_code, "Ben"))
    ana.set_awareness(AT_1)
    await ben.wait_until(lambda: AT_1 in ben.awareness.values())
    await first.kill()
    # Nobody closed Ana's socket cleanly: only the missing renewals tell.
    await ben.wait_until(lambda: not ben.awareness, timeout=10)
