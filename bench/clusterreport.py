"""Markdown tables and the targets check of the Redis scenarios (``bench.clusterload``)."""

from __future__ import annotations

import math
from typing import Any

from bench.clusterload import parse_cell
from bench.steady import LOADS

Results = dict[str, dict[str, dict[str, Any]]]
# Redis targets: our p99 at most Hocuspocus's, our total CPU (servers + Redis)
# at most this share of Hocuspocus's, at the same load and process count.
CPU_SHARE = 0.8
OURS, THEIRS = "ours-redis", "hocuspocus-redis"


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def cells(results: Results, order: list[str]) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(scenario, server, procs, result) of every cluster cell, by scenario, procs, server."""
    found = []
    for scenario in order:
        for name, result in results.get(scenario, {}).items():
            parsed = parse_cell(name)
            if parsed is not None:
                found.append((scenario, parsed[0], parsed[1], result))
    rank = {s: i for i, s in enumerate(order)}
    found.sort(key=lambda c: (rank[c[0]], c[2], c[1] != OURS, c[1]))
    return found


def _load_row(scenario: str, server: str, procs: int, r: dict[str, Any]) -> list[str]:
    converged = "yes" if r["converged"] else f"no (missing {r['missing']})"
    dropped = r["dropped"] + r["failed"]
    return [
        scenario,
        server,
        str(procs),
        _fmt(r["p50_ms"]),
        _fmt(r["p99_ms"]),
        _fmt(r.get("cross_p50_ms")),
        _fmt(r.get("cross_p99_ms")),
        _fmt(r.get("same_p99_ms")),
        f"{r['delivered_per_s']:,.0f} / {r['expected_per_s']:,.0f}",
        " + ".join(f"{c:.0f}" for c in r["proc_cpu_pct"]),
        _fmt(r["redis_cpu_pct"], 0),
        _fmt(r["total_cpu_pct"], 0),
        converged,
        str(dropped) + (" (a process exited)" if r.get("exited") else ""),
        " + ".join(f"{c:.0f}" for c in r["gen_cpu_pct"]),
        _fmt(r.get("other_cpu_pct"), 0),
    ]


def _redis_row(scenario: str, server: str, procs: int, r: dict[str, Any]) -> list[str]:
    by_command = r.get("redis_calls_by_command_per_update") or {}
    commands = ", ".join(f"{c} {v:.2f}" for c, v in by_command.items() if v >= 0.005)
    stream = "-"
    if r.get("log_streams"):
        stream = (
            f"{r['log_entries_per_room']:,.0f} entries, "
            f"{r['stream_bytes_per_room'] / 1024:,.1f} KB "
            f"({r['stream_bytes_per_entry']:.0f} B/entry)"
        )
    return [
        scenario,
        server,
        str(procs),
        _fmt(r["sent_per_s"], 0),
        _fmt(r["redis_calls_per_s"], 0),
        _fmt(r["redis_calls_per_update"], 2),
        commands or "-",
        _fmt(r["redis_in_bytes_per_update"], 0),
        _fmt(r["redis_out_bytes_per_update"], 0),
        _fmt(r.get("redis_used_mb")),
        stream,
    ]


def render(results: Results, order: list[str]) -> list[str]:
    """The two tables of the Redis scenarios and their targets check (empty if none ran)."""
    found = cells(results, order)
    if not found:
        return []
    load_rows, redis_rows = [], []
    for scenario, server, procs, r in found:
        if "error" in r:
            load_rows.append([scenario, server, str(procs), f"error: {r['error']}"] + [""] * 13)
            continue
        load_rows.append(_load_row(scenario, server, procs, r))
        redis_rows.append(_redis_row(scenario, server, procs, r))
    load_header = [
        "scenario", "server", "procs", "p50 ms", "p99 ms", "cross p50 ms", "cross p99 ms",
        "same p99 ms", "delivered/s (of ideal)", "CPU % per process", "Redis CPU %",
        "total CPU %", "converged", "dropped", "generator CPU %", "other CPU %",
    ]  # fmt: skip
    redis_header = [
        "scenario", "server", "procs", "updates/s", "Redis cmds/s", "cmds/update",
        "per update, by command", "bytes in/update", "bytes out/update", "Redis used MB",
        "room stream (ours, end of window)",
    ]  # fmt: skip
    scenarios = sorted({s for s, *_ in found}, key=order.index)
    out = ["## Redis mode: N processes on one Redis", ""]
    out += _table(load_header, load_rows)
    out += ["", *(f"- {s}: {LOADS[s].text}" for s in scenarios)]
    out += [
        "- Each room's clients are spread over the processes round-robin; 'cross' "
        "deliveries went from a writer on one process to a receiver on another, "
        "'same' ones stayed in one process. Total CPU = every server process + Redis "
        "(100 % = one core). Other CPU = the machine's busy time (/proc/stat) less "
        "servers, Redis and generator: anything else running skews the figures.",
        "",
        "## Redis traffic (over the measured window)",
        "",
    ]
    out += _table(redis_header, redis_rows)
    out += ["", *targets(found), ""]
    return out


def targets(found: list[tuple[str, str, int, dict[str, Any]]]) -> list[str]:
    """Per scenario and process count: our p99 <= theirs, our total CPU <= 0.8 x theirs."""
    by_key = {(s, server, n): r for s, server, n, r in found if "error" not in r}
    lines = []
    for scenario, procs in dict.fromkeys((s, n) for s, _, n, _ in found):
        ours, theirs = by_key.get((scenario, OURS, procs)), by_key.get((scenario, THEIRS, procs))
        if ours is None or theirs is None:
            continue
        p99, their_p99 = ours["p99_ms"], theirs["p99_ms"]
        cpu, their_cpu = ours["total_cpu_pct"], theirs["total_cpu_pct"]
        lines.append(
            f"| {scenario} | {procs} | {p99:.2f} vs {their_p99:.2f} ms ({p99 / their_p99:.2f}x) "
            f"| {'PASS' if p99 <= their_p99 else 'FAIL'} "
            f"| {cpu:.0f} vs {their_cpu:.0f} % ({cpu / their_cpu:.2f}x, target "
            f"{CPU_SHARE:.2f}x) | {'PASS' if cpu <= CPU_SHARE * their_cpu else 'FAIL'} |"
        )
    if not lines:
        return []
    header = [
        "scenario", "procs", "p99: ours vs Hocuspocus", "p99 <= theirs",
        "total CPU: ours vs Hocuspocus", f"CPU <= {CPU_SHARE} x theirs",
    ]  # fmt: skip
    return ["## Targets (Redis mode)", "", *_table(header, []), *lines]
