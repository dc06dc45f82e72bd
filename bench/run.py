"""Side-by-side benchmark: our server against three reference Yjs servers.

    python -m bench.run [--servers ours,y-websocket,hocuspocus,pycrdt]
                        [--scenarios workshop,plenary,...] [--duration 10]
    python -m bench.run --servers ours-redis,hocuspocus-redis
                        --scenarios workshop,big-event --procs-per-server 1,2,3

Each scenario runs against each server in turn, on a fresh server process,
on this machine. The ``*-redis`` servers run the steady loads on N fresh
processes sharing a fresh Redis, once per N in --procs-per-server. The run
prints Markdown tables and a targets check, and saves the raw figures as JSON
under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

if __name__ == "__main__" and not __package__:
    # Run as `python bench/run.py`: make the `bench` package importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import clusterreport, observersreport, servers
from bench.clusterload import cell_name, median_cluster, parse_cell, run_cluster
from bench.observers import DEFAULT_OBSERVERS, OBSERVER_LOADS, run_observers
from bench.probes import burst_join, cold_load, idle_memory
from bench.steady import LOADS, run_steady

RESULTS = Path(__file__).resolve().parent / "results"
PROBES = {
    "burst-join": "65 clients open one new room at the same instant",
    "cold-load": "open a room whose history holds 20,000 updates",
    "idle-memory": "RSS per idle loaded room (200 rooms, 1 client + 1 write each)",
}
SCENARIOS = (
    "workshop",
    "plenary",
    "viewers",
    "burst-join",
    "big-event",
    "cold-load",
    "idle-memory",
    "observers",
    "observers-8",
)
# The *-redis servers run these unless --scenarios names others: with them the
# default run stays under 15 minutes (see bench/README.md).
REDIS_SCENARIOS = ("workshop", "big-event")


def run_one(name: str, server_name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One scenario on one fresh server process; the server is always stopped."""
    if name in OBSERVER_LOADS:
        return run_observers(name, server_name, args)  # two fresh servers of its own
    server = servers.start(server_name)
    extra: list[servers.Server] = []
    try:
        if name in LOADS:
            return run_steady(name, server, args)
        if name == "burst-join":
            return asyncio.run(burst_join(server))
        if name == "cold-load":
            result, restarted = asyncio.run(cold_load(server))
            if restarted is not server:
                extra.append(restarted)
            return result
        if name == "idle-memory":
            return asyncio.run(idle_memory(server))
        raise ValueError(f"unknown scenario {name!r}")
    except Exception as exc:
        tail = servers.log_tail(server)
        print(f"[bench] {name} on {server_name} failed: {exc!r}\n{tail}", file=sys.stderr)
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        for running in [server, *extra]:
            servers.stop(running, timeout=5)
            servers.cleanup(running)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render(results: dict[str, dict[str, dict[str, Any]]], order: list[str]) -> str:
    out: list[str] = []
    steady = [
        s
        for s in order
        if s in LOADS and any(parse_cell(name) is None for name in results.get(s, {}))
    ]
    if steady:
        rows = []
        for scenario in steady:
            for server_name, r in results[scenario].items():
                if parse_cell(server_name) is not None:
                    continue  # N processes on Redis: clusterreport's tables
                if "error" in r:
                    rows.append([scenario, server_name, f"error: {r['error']}"] + [""] * 10)
                    continue
                converged = "yes" if r["converged"] else f"no (missing {r['missing']})"
                rows.append(
                    [
                        scenario,
                        server_name,
                        _fmt(r["p50_ms"]),
                        _fmt(r["p95_ms"]),
                        _fmt(r["p99_ms"]),
                        _fmt(r["max_ms"]),
                        f"{r['delivered_per_s']:,.0f} / {r['expected_per_s']:,.0f}",
                        _fmt(r["server_cpu_pct"], 0),
                        _fmt(r["server_rss_mb"], 0),
                        converged,
                        str(r["dropped"] + r["failed"]),
                        " + ".join(f"{c:.0f}" for c in r["gen_cpu_pct"]),
                    ]
                )
        header = [
            "scenario", "server", "p50 ms", "p95 ms", "p99 ms", "max ms",
            "delivered/s (of ideal)", "server CPU %", "RSS MB", "converged", "dropped",
            "generator CPU % (per process)",
        ]  # fmt: skip
        out += ["## Steady load", "", _table(header, rows), ""]
        out += [f"- {s}: {LOADS[s].text}" for s in steady]
        out.append("")
    if "burst-join" in results:
        rows = []
        for server_name, r in results["burst-join"].items():
            if "error" in r:
                rows.append([server_name, f"error: {r['error']}", "", "", ""])
                continue
            rows.append(
                [
                    server_name,
                    _fmt(r["all_ms"]),
                    _fmt(r["p50_ms"]),
                    f"{r['within_1s']}/{r['clients']}",
                    f"{r['within_5s']}/{r['clients']}",
                ]
            )
        header = ["server", "all synced ms", "median ms", "synced in 1 s", "synced in 5 s"]
        out += ["## Burst join (" + PROBES["burst-join"] + ")", "", _table(header, rows), ""]
    if "cold-load" in results:
        rows = []
        for server_name, r in results["cold-load"].items():
            if "error" in r:
                rows.append([server_name, f"error: {r['error']}", "", "", "", ""])
                continue
            what = "restarted from disk" if server_name == "ours" else "live, in memory"
            rows.append(
                [
                    server_name,
                    _fmt(r["first_ms"]),
                    _fmt(r["warm_median_ms"]),
                    _fmt(r["step2_bytes"] / 1024),
                    _fmt(r["build_s"]),
                    what,
                ]
            )
        header = [
            "server", "first sync ms", "next syncs median ms", "doc KB", "writing 20k s", "room",
        ]  # fmt: skip
        out += ["## Cold load (" + PROBES["cold-load"] + ")", "", _table(header, rows), ""]
        out += [
            "- ours: 20,000 updates written through one client, server stopped with SIGTERM "
            "(graceful: rooms are persisted; the log is compacted every 500 updates anyway), "
            "then a new process on the same data dir; first sync = connect to sync step 2 "
            "of the first client, which loads the room from SQLite.",
            "- y-websocket, hocuspocus, pycrdt: in memory only; the writing client stays "
            "connected so the document stays loaded, and a new client connects. There is no "
            "cold path to measure, so this is the best case for them.",
            "",
        ]
    if "idle-memory" in results:
        rows = []
        for server_name, r in results["idle-memory"].items():
            if "error" in r:
                rows.append([server_name, f"error: {r['error']}", "", ""])
                continue
            rows.append(
                [
                    server_name,
                    _fmt(r["baseline_mb"]),
                    _fmt(r["loaded_mb"]),
                    _fmt(r["kb_per_room"]),
                ]
            )
        header = ["server", "baseline RSS MB", "with 200 rooms MB", "KB per room"]
        out += ["## Idle memory (" + PROBES["idle-memory"] + ")", "", _table(header, rows), ""]
    out += observersreport.render(results, order)
    out += targets(results)
    out += clusterreport.render(results, order)
    return "\n".join(out)


def targets(results: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Our targets against the Node servers (pycrdt is shown, not a target)."""
    lines = []
    for scenario in LOADS:
        cells = results.get(scenario, {})
        ours = cells.get("ours")
        refs = [cells[n] for n in ("y-websocket", "hocuspocus") if n in cells]
        refs = [r for r in refs if "error" not in r]
        if not ours or "error" in ours or not refs:
            continue
        p99 = min(r["p99_ms"] for r in refs)
        cpu = min(r["server_cpu_pct"] for r in refs)
        our_p99, our_cpu = ours["p99_ms"], ours["server_cpu_pct"]
        lines.append(
            f"| {scenario} p99 <= min(Node p99) | {our_p99:.2f} vs {p99:.2f} ms "
            f"({our_p99 / p99:.2f}x) | {'PASS' if our_p99 <= p99 else 'FAIL'} |"
        )
        lines.append(
            f"| {scenario} CPU <= 0.8 x min(Node CPU) | {our_cpu:.1f} vs {cpu:.1f} % "
            f"({our_cpu / cpu:.2f}x, target 0.80x) | {'PASS' if our_cpu <= 0.8 * cpu else 'FAIL'} |"
        )
    burst = results.get("burst-join", {}).get("ours")
    if burst and "error" not in burst:
        ok = burst["within_1s"] == burst["clients"]
        lines.append(
            f"| burst join: all {burst['clients']} synced within 1 s | "
            f"{burst['within_1s']}/{burst['clients']}, last {_fmt(burst['last_ms'])} ms | "
            f"{'PASS' if ok else 'FAIL'} |"
        )
    cold = results.get("cold-load", {}).get("ours")
    if cold and "error" not in cold:
        ok = cold["first_ms"] < 100
        lines.append(
            f"| cold load < 100 ms | {cold['first_ms']:.1f} ms | {'PASS' if ok else 'FAIL'} |"
        )
    lines += observersreport.target_lines(results)
    if not lines:
        return []
    return ["## Targets (ours)", "", "| target | figures | result |", "|---|---|---|", *lines, ""]


def median_result(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several rounds: the median of each number, the worst of the rest."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[-1]
    merged: dict[str, Any] = dict(ok[-1])
    for key, value in ok[-1].items():
        values = [r.get(key) for r in ok]
        if isinstance(value, bool):
            merged[key] = all(bool(v) for v in values)
        elif isinstance(value, (int, float)) and key.endswith(("dropped", "failed", "missing")):
            merged[key] = max(v for v in values if isinstance(v, (int, float)))
        elif all(isinstance(v, int) for v in values):
            merged[key] = statistics.median_low(v for v in values if isinstance(v, int))
        elif all(isinstance(v, (int, float)) for v in values):
            merged[key] = statistics.median(v for v in values if isinstance(v, (int, float)))
    merged["rounds"] = len(ok)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    every = (*servers.SERVERS, *servers.REDIS_SERVERS)
    parser.add_argument(
        "--servers",
        default=None,
        help=f"comma-separated, from {', '.join(every)} (default: all)",
    )
    parser.add_argument(
        "--scenarios",
        default=None,
        help=f"comma-separated, from {', '.join(SCENARIOS)} (default: all; the *-redis "
        f"servers then run {' and '.join(REDIS_SCENARIOS)})",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="measured window, s")
    parser.add_argument("--warmup", type=float, default=2.0, help="load before the window, s")
    parser.add_argument(
        "--procs",
        type=int,
        default=0,
        help="generator processes (0: per scenario; observers scenarios: observer processes)",
    )
    parser.add_argument(
        "--observers",
        type=int,
        default=DEFAULT_OBSERVERS,
        help="observers in the observers scenarios, spread over their rooms",
    )
    parser.add_argument(
        "--procs-per-server",
        default="1,2,3",
        help="process counts for the *-redis servers, e.g. 1,2,3 (steady loads only)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat everything, interleaved, and report each figure's median",
    )
    parser.add_argument("--report", type=Path, help="print the tables of a saved results file")
    args = parser.parse_args(argv)
    if args.report is not None:
        saved = json.loads(args.report.read_text())
        print(render(saved["results"], saved["meta"]["scenarios"]))
        return 0
    chosen_servers = [s for s in (args.servers or ",".join(every)).split(",") if s]
    chosen = [s for s in (args.scenarios or ",".join(SCENARIOS)).split(",") if s]
    for s in chosen_servers:
        if s not in every:
            parser.error(f"unknown server {s!r}; choose from {', '.join(every)}")
    for s in chosen:
        if s not in SCENARIOS:
            parser.error(f"unknown scenario {s!r}; choose from {', '.join(SCENARIOS)}")
    try:
        procs_per_server = [int(n) for n in args.procs_per_server.split(",") if n]
    except ValueError:
        parser.error(f"--procs-per-server wants numbers like 1,2,3: {args.procs_per_server!r}")
    if any(n < 1 for n in procs_per_server):
        parser.error("--procs-per-server: each count must be at least 1")
    if args.observers < 1:
        parser.error("--observers must be at least 1")
    single = [s for s in chosen_servers if s in servers.SERVERS]
    clustered = [s for s in chosen_servers if s in servers.REDIS_SERVERS]
    redis_scenarios = [s for s in chosen if s in LOADS]
    if args.scenarios is None:
        redis_scenarios = [s for s in redis_scenarios if s in REDIS_SCENARIOS]
    if clustered and not redis_scenarios:
        if args.servers is not None:
            parser.error(f"{', '.join(clustered)} run only the steady loads: {', '.join(LOADS)}")
        clustered = []
    chosen_servers = single + clustered
    missing: dict[str, str] = {}
    for s in chosen_servers:
        try:
            servers.ensure_installed(s)
        except (servers.ServerError, OSError, subprocess.SubprocessError) as exc:
            print(f"[bench] cannot install {s}: {exc}", file=sys.stderr)
            missing[s] = f"not installed: {exc}"[:200]

    rounds: dict[str, dict[str, list[dict[str, Any]]]] = {}
    began = time.time()
    loadavg = os.getloadavg()
    if loadavg[0] > 1.0:
        print(
            f"[bench] the 1-minute load average is {loadavg[0]:.1f} before the run: "
            "something else is busy, and the figures will show it",
            file=sys.stderr,
        )
    # Rounds are interleaved so that a slow spell of the machine hits every
    # server alike; medians then damp the noise of single runs.
    for round_no in range(1, args.rounds + 1):
        for scenario in chosen:
            # Same process count side by side: ours-redis x1, hocuspocus-redis x1, ... x2.
            plan: list[tuple[str, str, int]] = [(s, s, 0) for s in single]
            if scenario in redis_scenarios:
                plan += [(cell_name(s, n), s, n) for n in procs_per_server for s in clustered]
            for key, server_name, procs in plan:
                cell = rounds.setdefault(scenario, {}).setdefault(key, [])
                if server_name in missing:
                    cell.append({"error": missing[server_name]})
                    continue
                print(
                    f"[bench] round {round_no}/{args.rounds}: {scenario} on {key} ...",
                    file=sys.stderr,
                    flush=True,
                )
                t0 = time.monotonic()
                if procs:
                    cell.append(run_cluster(scenario, server_name, procs, args))
                else:
                    cell.append(run_one(scenario, server_name, args))
                print(
                    f"[bench]   done in {time.monotonic() - t0:.0f}s", file=sys.stderr, flush=True
                )
    results = {
        scenario: {
            name: (
                median_cluster(runs, median_result(runs))
                if parse_cell(name)
                else median_result(runs)
            )
            for name, runs in cells.items()
        }
        for scenario, cells in rounds.items()
    }

    installed = servers.versions()
    report = render(results, chosen)
    print(report)
    print("Servers: " + ", ".join(f"{k} {v}" for k, v in installed.items()))
    print(f"Load average (1 min) before the run: {loadavg[0]:.2f}")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(began))
    path = RESULTS / f"{stamp}.json"
    meta = {
        "started": began,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "cpus": os.cpu_count(),
        "servers": chosen_servers,
        "scenarios": chosen,
        "procs_per_server": procs_per_server if clustered else None,
        "rounds": args.rounds,
        "observers": args.observers,
        "loadavg_before": loadavg,
        "loadavg_after": os.getloadavg(),
        "versions": installed,
    }
    payload = {"meta": meta, "results": results, "rounds": rounds}
    path.write_text(json.dumps(payload, indent=1, default=str))
    print(f"\nRaw results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
