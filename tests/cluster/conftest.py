"""Fixtures of the cluster tests: a Redis key prefix per test, processes and nginx."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis
from nginxproc import NginxProcess
from redis.exceptions import RedisError
from rediskit import REDIS_URL, delete_prefix
from serverproc import ServerProcess

# After tests/ (put first by tests/conftest.py), so that "conftest" stays that one.
sys.path.append(str(Path(__file__).parent))

from clusterkit import Clients, Cluster, StartCluster, StartNginx, start_cluster


@pytest.fixture
async def prefix(tmp_path: Path) -> AsyncIterator[str]:
    """This test's Redis key prefix on the suite's Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        pytest.fail(f"no Redis at {REDIS_URL} ({exc}): run scripts/ensure-services")
    finally:
        await client.aclose()
    # The pytest run's directory too (pytest-N), so that two runs at once never share keys.
    name = f"test:{tmp_path.parent.name}:{tmp_path.name}:"
    try:
        yield name
    finally:
        await delete_prefix(name)


@pytest.fixture
async def cluster(
    spawn: Callable[[], ServerProcess], prefix: str, tmp_path: Path
) -> AsyncIterator[StartCluster]:
    """Start N processes; they are killed afterwards, before their keys are deleted."""
    started: list[Cluster] = []

    async def start(
        count: int, *, redis_url: str = REDIS_URL, prefix: str = prefix, extra: Sequence[str] = ()
    ) -> Cluster:
        started.append(await start_cluster(spawn, prefix, count, tmp_path, redis_url, extra))
        return started[-1]

    try:
        yield start
    finally:
        for each in started:
            for process in each.processes:
                await process.kill()


@pytest.fixture
async def nginx(tmp_path: Path) -> AsyncIterator[StartNginx]:
    """Start nginx with deploy/nginx's config in front of a cluster; stopped afterwards."""
    started: list[NginxProcess] = []

    async def start(cluster: Cluster) -> NginxProcess:
        proxy = NginxProcess(tmp_path / f"nginx{len(started) + 1}")
        started.append(proxy)
        await proxy.start(cluster.upstreams)
        return proxy

    try:
        yield start
    finally:
        for proxy in started:
            await proxy.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the API calls of a test."""
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
async def clients() -> AsyncIterator[Clients]:
    """Keeps the board clients a test opens, and closes them after it."""
    kept = Clients()
    try:
        yield kept
    finally:
        await kept.close()
