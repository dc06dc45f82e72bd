"""The steady-load scenarios: what each one is, one run of it, and its figures.

``bench.run`` runs them on one server process; ``bench.clusterload`` runs the
same loads on N processes sharing a Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from dataclasses import dataclass
from typing import Any

from bench.loadgen import (
    Convergence,
    LoadConfig,
    LoadResult,
    check_convergence,
    run_load,
)
from bench.servers import Server
from bench.targets import plan_rooms


@dataclass(frozen=True)
class Load:
    """A steady-load scenario."""

    rooms: int
    writers: int
    viewers: int
    rate: float
    procs: int
    text: str

    @property
    def expected_per_s(self) -> float:
        """What a perfect run delivers: every write reaches every other client of its room."""
        receivers = self.writers - 1 + self.viewers
        return self.rooms * self.writers * self.rate * receivers


LOADS: dict[str, Load] = {
    "workshop": Load(8, 9, 10, 10.0, 2, "8 rooms x 9 tablets at 10 updates/s + 10 viewers/room"),
    "plenary": Load(1, 65, 0, 8.0, 2, "1 room x 65 tablets at 8 updates/s"),
    "viewers": Load(1, 5, 500, 10.0, 2, "1 room x 5 tablets at 10 updates/s + 500 viewers"),
    "big-event": Load(100, 10, 0, 1.0, 2, "100 rooms x 10 tablets at 1 update/s"),
}


def percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(0, math.ceil(q * len(sorted_values)) - 1)
    return float(sorted_values[rank])


def summarize_load(
    load: LoadResult, convergence: Convergence | None, duration: float
) -> dict[str, Any]:
    lat = sorted(load.latencies_ns)
    ms = 1e-6
    return {
        "p50_ms": percentile(lat, 0.50) * ms,
        "p95_ms": percentile(lat, 0.95) * ms,
        "p99_ms": percentile(lat, 0.99) * ms,
        "max_ms": lat[-1] * ms if lat else math.nan,
        "samples": len(lat),
        "delivered_per_s": load.delivered / duration,
        "sent_per_s": load.sent / duration,
        "expected_per_s": None,
        "server_cpu_pct": load.server_cpu_s / duration * 100,
        "server_rss_mb": load.server_rss_mb,
        "gen_cpu_pct": [c / duration * 100 for c in load.gen_cpu_s],
        "frames_received": load.frames,
        "duplicates": load.duplicates,
        "late_ticks": load.late_ticks,
        "clients": load.clients,
        "synced": load.synced,
        "connect_s": load.connect_s,
        "dropped": load.dropped,
        "failed": load.failed,
        "close_codes": load.close_codes,
        "converged": convergence.ok if convergence else False,
        "missing": convergence.missing if convergence else None,
        "unreachable_rooms": convergence.unreachable if convergence else None,
    }


def run_steady(name: str, server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """One steady-load scenario on one server process."""
    spec = LOADS[name]
    plans = asyncio.run(plan_rooms(server, name, spec.rooms, spec.writers, spec.viewers))
    config = LoadConfig(rate=spec.rate, warmup=args.warmup, duration=args.duration)
    holder: dict[str, Convergence] = {}

    def converge(load: LoadResult) -> None:
        holder["c"] = asyncio.run(check_convergence(plans, load.last_seq))

    load = run_load(server, plans, config, args.procs or spec.procs, after=converge)
    result = summarize_load(load, holder.get("c"), args.duration)
    result["expected_per_s"] = spec.expected_per_s
    return result
