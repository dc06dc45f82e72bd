"""The observers scenarios' table and targets check (``bench.observers``)."""

from __future__ import annotations

import math
from typing import Any

from bench.observers import OBSERVER_LOADS, OBSERVER_P99_MS, TABLET_P99_RATIO

Results = dict[str, dict[str, dict[str, Any]]]
HEADER = [
    "scenario", "server", "observers", "tablets p50 / p99 ms, alone",
    "tablets p50 / p99 ms, with observers", "tablets p99 ratio", "observers p50 / p99 / max ms",
    "tablets delivered/s (of ideal)", "observers delivered/s (of ideal)",
    "undelivered at the end (tablets / observers)", "updates/s per observer",
    "server CPU %, alone / with", "RSS MB, alone / with", "converged", "dropped",
    "generator CPU % (tablets + observers)",
    "other CPU %, alone / with",
]  # fmt: skip


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def ratio(r: dict[str, Any]) -> float:
    """Tablets' p99 with the observers over their p99 alone."""
    alone = r.get("alone_p99_ms", math.nan)
    return float(r["p99_ms"] / alone) if alone and not math.isnan(alone) else math.nan


def _converged(r: dict[str, Any]) -> str:
    missing = []
    if not r["converged"]:
        missing.append(f"room missing {r['missing']}")
    if r.get("view_converged") is False:
        missing.append(f"observer view missing {r['view_missing']}")
    if not r["alone_converged"]:
        missing.append(f"alone missing {r['alone_missing']}")
    return f"no ({', '.join(missing)})" if missing else "yes"


def _row(scenario: str, server: str, r: dict[str, Any]) -> list[str]:
    kind = "observer role" if r["observer_role"] else "read-only clients"
    dropped = r["dropped"] + r["failed"] + r["obs_dropped"] + r["obs_failed"]
    alone_dropped = r["alone_dropped"] + r["alone_failed"]
    unsynced = r["observers"] - r["obs_synced"]
    return [
        scenario,
        server,
        f"{r['observers']} ({kind})",
        f"{_fmt(r['alone_p50_ms'])} / {_fmt(r['alone_p99_ms'])}",
        f"{_fmt(r['p50_ms'])} / {_fmt(r['p99_ms'])}",
        f"{_fmt(ratio(r), 2)}x",
        f"{_fmt(r['obs_p50_ms'])} / {_fmt(r['obs_p99_ms'])} / {_fmt(r['obs_max_ms'])}",
        f"{r['delivered_per_s']:,.0f} / {r['expected_per_s']:,.0f}",
        f"{r['obs_delivered_per_s']:,.0f} / {r['obs_expected_per_s']:,.0f}",
        f"{_fmt(r.get('missed', math.nan), 0)} / {_fmt(r.get('obs_missed', math.nan), 0)}",
        _fmt(r["obs_frames_per_s"]),
        f"{r['alone_server_cpu_pct']:.0f} / {r['server_cpu_pct']:.0f}",
        f"{r['alone_server_rss_mb']:.0f} / {r['server_rss_mb']:.0f}",
        _converged(r),
        f"{dropped}"
        + (f" (alone {alone_dropped})" if alone_dropped else "")
        + (f", {unsynced} observers never synced" if unsynced else ""),
        " + ".join(f"{c:.0f}" for c in r["gen_cpu_pct"]),
        f"{r['alone_other_cpu_pct']:.0f} / {r['other_cpu_pct']:.0f}",
    ]


def render(results: Results, order: list[str]) -> list[str]:
    """The observers table, or nothing when no observers scenario ran."""
    chosen = [s for s in order if s in OBSERVER_LOADS and s in results]
    if not chosen:
        return []
    rows = []
    blank = [""] * (len(HEADER) - 3)
    for scenario in chosen:
        for server, r in results[scenario].items():
            if "error" in r:
                rows.append([scenario, server, f"error: {r['error']}", *blank])
            else:
                rows.append(_row(scenario, server, r))
    counts = {int(r["observers"]) for s in chosen for r in results[s].values() if "observers" in r}
    n = "/".join(str(c) for c in sorted(counts)) or "N"
    out = ["## Observers", "", *_table(HEADER, rows), ""]
    out += [f"- {s}: {OBSERVER_LOADS[s].text.format(n=n)}" for s in chosen]
    out += [
        "- Tablets type notes (docs/schema.md: a Y.Map per note, its text a Y.Text), a "
        "timestamped marker word per update; every receiver looks for the markers in the "
        "bytes it gets. Alone = the same tablets on a fresh server with no observers, in "
        "the same invocation; ratio = tablets p99 with observers / alone.",
        "- ours: observers connect with the observer role (the server's projection of the "
        "room). The other servers have no observer role: their observers are plain read-only "
        "clients (sync step 1, and Hocuspocus's auth; they never write), which receive the "
        "tablets' updates as relayed.",
        "- undelivered at the end = markers a tablet or an observer had not received 1 s "
        "after the tablets stopped (each should get every marker of its room but its own).",
        "- other CPU % = the machine's busy time in the window (/proc/stat, 200 % = both "
        "cores) less the server's and the generators': well above 10 means other work ran "
        "and skewed that run.",
        "",
    ]
    return out


def target_lines(results: Results) -> list[str]:
    """Targets rows for ours: observer p99 under 1 s, tablets p99 within 1.5x of alone."""
    lines = []
    for scenario in OBSERVER_LOADS:
        r = results.get(scenario, {}).get("ours")
        if not r or "error" in r:
            continue
        n = r["observers"]
        obs_p99 = r["obs_p99_ms"]
        ok = obs_p99 < OBSERVER_P99_MS
        lines.append(
            f"| {scenario}: observer p99 < {OBSERVER_P99_MS:.0f} ms | {_fmt(obs_p99)} ms "
            f"({n} observers) | {'PASS' if ok else 'FAIL'} |"
        )
        got = ratio(r)
        ok = got <= TABLET_P99_RATIO
        lines.append(
            f"| {scenario}: tablets p99 with observers <= {TABLET_P99_RATIO}x alone | "
            f"{r['p99_ms']:.2f} vs {r['alone_p99_ms']:.2f} ms ({got:.2f}x) | "
            f"{'PASS' if ok else 'FAIL'} |"
        )
        lost = r["obs_dropped"] + r["obs_failed"] + r["dropped"] + r["failed"]
        # Saved results from before the count have none: never a pass.
        missed = r.get("obs_missed", math.nan) + r.get("missed", math.nan)
        ok = r["obs_synced"] == n and lost == 0 and missed == 0
        lines.append(
            f"| {scenario}: every observer synced, no connection dropped, every marker "
            f"delivered | {r['obs_synced']}/{n} synced, {lost} dropped, {_fmt(missed, 0)} "
            f"undelivered | {'PASS' if ok else 'FAIL'} |"
        )
    return lines
