"""/healthz of a cluster: per process, and through nginx's passive health checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from clusterkit import Cluster, StartCluster, StartNginx, wait_health
from redisproc import RedisProcess

from board_server.bus.redis import BLOCK_MS

pytestmark = pytest.mark.redis


async def test_nginx_answers_healthz_from_a_healthy_process_and_sends_newcomers_there(
    cluster: StartCluster, nginx: StartNginx, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Process a reaches Redis through a link that the test will cut: its own Redis.
    link = RedisProcess(tmp_path / "redis")
    await link.start()
    try:
        (a,) = (await cluster(1, redis_url=link.url, prefix="cut:")).processes
        b_cluster = await cluster(1)
        (b,) = b_cluster.processes
        c = Cluster([a, b], b_cluster.prefix)
        upstream_a, upstream_b = c.upstreams
        proxy = await nginx(c)

        answers = [await http.get(f"{proxy.http_url}/healthz") for _ in range(2)]
        assert [(r.status_code, r.json()) for r in answers] == [(200, {"status": "ok"})] * 2
        assert sorted(r.headers["x-upstream"] for r in answers) == sorted(c.upstreams)

        await link.stop()
        body = await wait_health(http, a.http_url, 503)
        assert body["status"] == "unavailable" and "Redis" in body["detail"]

        # Each probe that reaches a is passed on to b, and counts against a:
        # after max_fails=2, nginx leaves a out for fail_timeout (10 s).
        answers = [await http.get(f"{proxy.http_url}/healthz") for _ in range(6)]
        assert [(r.status_code, r.json()) for r in answers] == [(200, {"status": "ok"})] * 6
        tried = [r.headers["x-upstream"] for r in answers]
        assert sorted(set(tried)) == sorted({upstream_b, f"{upstream_a}, {upstream_b}"})
        assert tried.count(f"{upstream_a}, {upstream_b}") == 2
        assert tried[-2:] == [upstream_b, upstream_b]
        # Meanwhile every newcomer goes to b.
        for name in ("Ann", "Ben", "Cy"):
            joined = await http.post(
                f"{proxy.http_url}/api/join", json={"code": b.join_code, "name": name}
            )
            assert (joined.status_code, joined.headers["x-upstream"]) == (200, upstream_b)
    finally:
        await link.stop()


async def test_a_quiet_process_stays_healthy(
    cluster: StartCluster, http: httpx.AsyncClient
) -> None:
    c = await cluster(1)
    (process,) = c.processes
    # Quiet for longer than the bus's blocking read of the room logs: the
    # condition under test, not a race (nothing else happens meanwhile).
    await asyncio.sleep(BLOCK_MS / 1000 + 1.5)
    answer = await http.get(f"{process.http_url}/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert [line for line in process.stderr_lines if "failed, retrying" in line] == []
