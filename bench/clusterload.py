"""The steady loads on N processes sharing a Redis: ``ours-redis``, ``hocuspocus-redis``.

Each room's clients are spread over the processes round-robin (client k of
room i on process (i + k) mod N), so with N processes about (N - 1)/N of the
deliveries cross from one process to another through Redis. The load and the
markers are ``bench.loadgen``'s; on top of its figures a run reports latency
split into same-process and cross-process deliveries, CPU per process and of
Redis, Redis commands and network bytes per update, and (ours) what the room
streams hold. Convergence is checked on every process.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import subprocess
import sys
import traceback
from dataclasses import replace
from typing import Any

from bench.cluster import Cluster, log_tails, start_cluster, stop_cluster
from bench.loadgen import Convergence, LoadConfig, LoadResult, check_convergence, run_load
from bench.servers import Server, ServerError
from bench.steady import LOADS, percentile, summarize_load
from bench.targets import RoomPlan, plan_rooms

# Our own INFO calls, which read the counters, are not the servers' doing.
_OWN_COMMANDS = ("info",)


def cell_name(server: str, procs: int) -> str:
    """The results key of one server at one process count, e.g. ``ours-redis x2``."""
    return f"{server} x{procs}"


def parse_cell(name: str) -> tuple[str, int] | None:
    """(server, procs) of a cluster cell's key, or None for a single-process server."""
    server, sep, procs = name.rpartition(" x")
    return (server, int(procs)) if sep and procs.isdigit() else None


def _moved(url: str, source: Server, target: Server) -> str:
    if not url.startswith(source.ws_url):
        raise ValueError(f"{url!r} is not on {source.ws_url}")
    return target.ws_url + url[len(source.ws_url) :]


def spread(plans: list[RoomPlan], servers: list[Server]) -> list[RoomPlan]:
    """Put client k of room i on process (i + k) mod N; the check stays on process 0."""
    first, n = servers[0], len(servers)
    spread_plans = []
    for index, plan in enumerate(plans):
        urls = [
            _moved(url, first, servers[(index + k) % n])
            for k, url in enumerate((*plan.writer_urls, *plan.viewer_urls))
        ]
        writers = len(plan.writer_urls)
        spread_plans.append(
            replace(plan, writer_urls=tuple(urls[:writers]), viewer_urls=tuple(urls[writers:]))
        )
    return spread_plans


async def check_everywhere(
    plans: list[RoomPlan], servers: list[Server], last_seq: dict[int, int]
) -> Convergence:
    """check_convergence on every process: each must hold every writer's last value."""
    total = Convergence()
    for server in servers:
        here = [replace(p, check_url=_moved(p.check_url, servers[0], server)) for p in plans]
        found = await check_convergence(here, last_seq)
        total.rooms += found.rooms
        total.writers += found.writers
        total.missing += found.missing
        total.unreachable += found.unreachable
    return total


def stream_figures(cluster: Cluster) -> dict[str, Any]:
    """What ours keeps in Redis per room now: log entries, stream and snapshot bytes."""
    client = cluster.redis.client
    entries = stream_bytes = rooms = snapshots = snapshot_bytes = 0
    for key in client.scan_iter(match=f"{cluster.prefix}log:*", count=1000):
        rooms += 1
        entries += int(client.xlen(key))
        stream_bytes += int(client.memory_usage(key, samples=0) or 0)
    for key in client.scan_iter(match=f"{cluster.prefix}doc:*", count=1000):
        snapshots += 1
        snapshot_bytes += int(client.hstrlen(key, "snap"))
    return {
        "log_streams": rooms,
        "log_entries_per_room": entries / rooms if rooms else math.nan,
        "stream_bytes_per_room": stream_bytes / rooms if rooms else math.nan,
        "stream_bytes_per_entry": stream_bytes / entries if entries else math.nan,
        "snapshot_bytes_per_room": snapshot_bytes / snapshots if snapshots else math.nan,
    }


def _split(load: LoadResult) -> dict[str, Any]:
    ms = 1e-6
    same = sorted(v for v, c in zip(load.latencies_ns, load.crossed, strict=True) if not c)
    cross = sorted(v for v, c in zip(load.latencies_ns, load.crossed, strict=True) if c)
    total = len(same) + len(cross)
    return {
        "same_p50_ms": percentile(same, 0.50) * ms,
        "same_p99_ms": percentile(same, 0.99) * ms,
        "cross_p50_ms": percentile(cross, 0.50) * ms,
        "cross_p99_ms": percentile(cross, 0.99) * ms,
        "cross_share": len(cross) / total if total else math.nan,
    }


def summarize_cluster(load: LoadResult, procs: int, duration: float) -> dict[str, Any]:
    """The figures a cluster run adds to summarize_load's."""
    counted = load.counters
    per_process = [counted[f"cpu:{i}"] / duration * 100 for i in range(procs)]
    redis_cpu = counted["cpu:redis"] / duration * 100
    updates = max(load.sent, 1)
    calls = {
        key.removeprefix("calls:"): value
        for key, value in counted.items()
        if key.startswith("calls:") and value and key.removeprefix("calls:") not in _OWN_COMMANDS
    }
    # What else kept the machine busy in the window (other work would skew every figure).
    ours = sum(per_process) + redis_cpu + sum(load.gen_cpu_s) / duration * 100
    figures = {
        "procs": procs,
        "proc_cpu_pct": per_process,
        "redis_cpu_pct": redis_cpu,
        "total_cpu_pct": sum(per_process) + redis_cpu,
        "other_cpu_pct": counted["cpu:machine"] / duration * 100 - ours,
        "redis_calls_per_s": sum(calls.values()) / duration,
        "redis_calls_per_update": sum(calls.values()) / updates,
        "redis_calls_by_command_per_update": {k: v / updates for k, v in sorted(calls.items())},
        "redis_in_bytes_per_update": counted["net:in"] / updates,
        "redis_out_bytes_per_update": counted["net:out"] / updates,
    }
    if load.crossed:
        figures.update(_split(load))
    return figures


def run_cluster(
    scenario: str, server_name: str, procs: int, args: argparse.Namespace
) -> dict[str, Any]:
    """One steady load on `procs` fresh processes and a fresh Redis; all stopped after."""
    spec = LOADS[scenario]
    where = f"{scenario} on {cell_name(server_name, procs)}"
    try:
        cluster = start_cluster(server_name, procs)
    except (ServerError, OSError, subprocess.SubprocessError) as exc:
        print(f"[bench] {where}: cannot start: {exc}", file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    try:
        plans = asyncio.run(
            plan_rooms(cluster.servers[0], scenario, spec.rooms, spec.writers, spec.viewers)
        )
        plans = spread(plans, cluster.servers)
        config = LoadConfig(rate=spec.rate, warmup=args.warmup, duration=args.duration)
        after: dict[str, Any] = {}

        def converge(load: LoadResult) -> None:
            # Still under load's connections: Hocuspocus drops a document with its last client.
            memory = cluster.redis.info("memory")
            after["redis_used_mb"] = memory["used_memory"] / 2**20
            after["redis_rss_mb"] = cluster.redis_rss_mb()
            after["proc_rss_mb"] = [s.rss_mb() for s in cluster.servers]
            if server_name == "ours-redis":
                after.update(stream_figures(cluster))
            after["convergence"] = asyncio.run(
                check_everywhere(plans, cluster.servers, load.last_seq)
            )

        load = run_load(
            cluster,
            plans,
            config,
            args.procs or spec.procs,
            after=converge,
            counters=[cluster.counters],
        )
        convergence = after.pop("convergence", None)
        result = summarize_load(load, convergence, args.duration)
        result["expected_per_s"] = spec.expected_per_s
        result.update(summarize_cluster(load, procs, args.duration))
        result.update(after)
        if not cluster.alive():
            result["exited"] = True
        return result
    except Exception as exc:
        print(f"[bench] {where} failed: {exc!r}\n{log_tails(cluster)}", file=sys.stderr)
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        stop_cluster(cluster)


def median_cluster(runs: list[dict[str, Any]], merged: dict[str, Any]) -> dict[str, Any]:
    """Complete run.median_result's merge of cluster rounds: medians inside the
    per-process lists and the per-command dict, which it keeps from the last round."""
    ok = [r for r in runs if "error" not in r]
    out = dict(merged)
    for key in ("proc_cpu_pct", "proc_rss_mb", "gen_cpu_pct"):
        lists = [r[key] for r in ok if isinstance(r.get(key), list)]
        if lists and len({len(v) for v in lists}) == 1:
            out[key] = [statistics.median(column) for column in zip(*lists, strict=True)]
    per_command = [r.get("redis_calls_by_command_per_update") or {} for r in ok]
    if per_command:
        commands = sorted({c for d in per_command for c in d})
        out["redis_calls_by_command_per_update"] = {
            c: statistics.median(d.get(c, 0.0) for d in per_command) for c in commands
        }
    return out
