"""Browser benchmark: does the tablet board stay fluid with a full board?

    python -m bench.browser [--notes 500] [--factors 100] [--links 200]
                            [--cpu-throttle 4] [--rounds 1]

Starts our server, opens the board in Debian's Chromium as a mid-range
tablet (1024x768, touch, CPU slowed down by --cpu-throttle), lets a second
tablet fill the room, then times rendering and interaction on the first.
Prints Markdown tables and saves the raw figures under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __name__ == "__main__" and not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import Browser, async_playwright

from bench import boardphases, mapphases, servers
from bench.boardcontent import LINK_MODELS, BoardContent, make_content
from bench.boardphases import Figures
from bench.browser_report import render
from bench.run import RESULTS, median_result
from bench.tablet import Tablet, join, launch, open_tablet
from bench.targets import post_json

TYPED = "the bus only comes every hour."
KEY_INTERVAL = 0.15  # s: a quick typist, about 80 words a minute


@dataclass(frozen=True)
class Options:
    """The command line, one field per option."""

    notes: int
    factors: int
    links: int
    cpu_throttle: float
    rounds: int
    link_model: str
    seed: int
    updates: int
    flips: int
    drag_steps: int
    wheel_events: int
    batch: int
    uniform_timeout: float
    report: Path | None


async def run_round(
    options: Options, content: BoardContent, uniform: BoardContent
) -> tuple[Figures, str]:
    """One full run on a fresh server and a fresh browser; also Chromium's version."""
    load = os.getloadavg()[0]
    server = servers.start("ours")
    base = server.http_url
    try:
        workshop = await post_json(
            f"{base}/api/workshops",
            {"title": "browser bench", "rooms": ["Table 1", "Table 2"]},
            servers.ADMIN_TOKEN,
        )
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                figures = {"machine.load_1m": load}
                figures |= await measure(browser, base, workshop, options, content)
                if options.link_model != "uniform":
                    figures |= await uniform_map(browser, base, workshop, options, uniform)
                figures["machine.load_end_1m"] = os.getloadavg()[0]
                return figures, browser.version
            finally:
                await browser.close()
    finally:
        servers.stop(server)
        servers.cleanup(server)


async def session_for(base: str, workshop: dict[str, Any], room: str, name: str) -> dict[str, Any]:
    """What /join stores on the device, fetched from the public API."""
    joined = await post_json(
        f"{base}/api/join", {"code": workshop["join_code"], "name": name, "room": room}
    )
    return joined | {"code": workshop["join_code"]}


async def measure(
    browser: Browser,
    base: str,
    workshop: dict[str, Any],
    options: Options,
    content: BoardContent,
) -> Figures:
    """Every phase in room r1, against one measured tablet and one writing tablet."""
    throttle = options.cpu_throttle
    code = workshop["join_code"]
    measured = await open_tablet(browser, throttle=throttle, probe=True)
    writer = await open_tablet(browser)
    tablets: list[Tablet] = [measured, writer]
    try:
        await join(measured, base, code, "Measured tablet", "r1")
        await join(writer, base, code, "Writing tablet", "r1")
        step("seeding the room from the other tablet")
        figures = await boardphases.seed(measured, writer, content, options.batch)
        step("idle frames on the full board")
        idle, _ = await boardphases.recorded(measured, "idle", lambda: asyncio.sleep(1))
        figures |= idle
        step("cold load of the full room on a fresh tablet")
        session = await session_for(base, workshop, "r1", "Late tablet")
        figures |= await boardphases.cold_load(browser, f"{base}/board", session, content, throttle)
        step(f"{options.updates} remote moves and {options.updates} remote keystrokes")
        figures |= await boardphases.remote_updates(measured, writer, content, options.updates)
        step("drag a note")
        figures |= await boardphases.drag(measured, content, options.drag_steps)
        step("type into a note")
        figures |= await boardphases.typing(measured, content, TYPED, KEY_INTERVAL)
        step("pan and zoom")
        figures |= await boardphases.pan_and_zoom(measured, options.wheel_events)
        step("system map")
        figures |= await mapphases.show_map(measured)
        figures |= await mapphases.flip_polarities(measured, writer, content, options.flips)
        return figures
    finally:
        for tablet in tablets:
            await tablet.close()


async def uniform_map(
    browser: Browser,
    base: str,
    workshop: dict[str, Any],
    options: Options,
    uniform: BoardContent,
) -> Figures:
    """The finding on uniformly random links, in room r2 so that r1 is left alone."""
    step(f"the same map with uniformly random links (timeout {options.uniform_timeout:.0f} s)")
    session = await session_for(base, workshop, "r2", "Uniform tablet")
    return await mapphases.write_map(
        browser, f"{base}/board", session, uniform, options.cpu_throttle, options.uniform_timeout
    )


def step(text: str) -> None:
    """Progress, on stderr, so that stdout holds only the report."""
    print(f"[bench.browser] {text} ...", file=sys.stderr, flush=True)


def machine(browser_version: str, client: str, load_before: float) -> dict[str, Any]:
    """Where the figures were taken; client and load average from before the first round."""
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        model = next((line.split(":", 1)[1].strip() for line in fh if "model name" in line), "")
    memory_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/meminfo") as fh:
        memory_kb = int(fh.readline().split()[1])
    return {
        "client": client,
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "chromium": browser_version,
        "load_before": load_before,
    }


def client_version() -> str:
    """The commit, whether the client differs from it, and the tablet and wall bundles' hash."""
    static = servers.ROOT / "board_server" / "static"
    bundles = b"".join((static / name).read_bytes() for name in ("board.js", "wall.js"))
    digest = hashlib.sha256(bundles).hexdigest()[:12]
    git = ["git", "-C", str(servers.ROOT)]
    paths = ["client", "board_server/static"]
    try:
        rev_parse = [*git, "rev-parse", "--short", "HEAD"]
        head = subprocess.run(rev_parse, capture_output=True, timeout=30)
        status = [*git, "status", "--porcelain", "--", *paths]
        dirty = subprocess.run(status, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return f"board.js + wall.js sha256 {digest}"
    changed = " + uncommitted client changes" if dirty.stdout.strip() else ""
    return f"HEAD {head.stdout.decode().strip()}{changed}, board.js + wall.js sha256 {digest}"


def parse(argv: list[str] | None) -> Options:
    """The command line, checked, as Options."""
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add("--notes", type=int, default=500)
    add("--factors", type=int, default=100)
    add("--links", type=int, default=200)
    add("--cpu-throttle", type=float, default=4.0, help="CPU slowdown of the measured tablet")
    add("--rounds", type=int, default=1, help="repeat the whole run; report each figure's median")
    add("--link-model", choices=LINK_MODELS, default="local", help="how links are drawn")
    add("--seed", type=int, default=1, help="random seed of the board's content")
    add("--updates", type=int, default=50, help="remote moves, and remote keystrokes")
    add("--flips", type=int, default=3, help="remote link polarity changes on the map")
    add("--drag-steps", type=int, default=100, help="finger moves in the drag, 60 a second")
    add("--wheel-events", type=int, default=40, help="wheel events to pan, and to zoom (60/s)")
    add("--batch", type=int, default=100, help="notes per seeding transaction")
    add("--uniform-timeout", type=float, default=60.0, help="s; give up on uniform links")
    add("--report", type=Path, help="print the tables of a saved results file, run nothing")
    args = parser.parse_args(argv)
    if args.notes < 7 or args.factors < 2 or args.rounds < 1:
        parser.error("need at least 7 notes, 2 factors and 1 round")
    if not 0 <= args.flips <= args.links:
        parser.error("--flips must be between 0 and --links")
    return Options(**vars(args))


Round = Callable[[], Coroutine[Any, Any, tuple[Figures, str]]]
Render = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], str]


def run_rounds(name: str, options: Any, one_round: Round, report: Render) -> int:
    """Run the rounds, print the report of each figure's median, save the raw figures
    as bench/results/{name}-{time}.json."""
    began = time.time()
    client = client_version()
    runs: list[dict[str, Any]] = []
    version = ""
    for round_no in range(1, options.rounds + 1):
        step(f"{name} round {round_no}/{options.rounds}")
        t0 = time.monotonic()
        figures, version = asyncio.run(one_round())
        runs.append(figures)
        step(f"{name} round {round_no} done in {time.monotonic() - t0:.0f} s")
    result = median_result(runs)
    where = machine(version, client, runs[0]["machine.load_1m"])
    print(report(result, asdict(options), where))
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(began))
    path = RESULTS / f"{name}-{stamp}.json"
    payload = {"options": asdict(options), "machine": where, "result": result, "rounds": runs}
    path.write_text(json.dumps(payload, indent=1, default=str))
    print(f"\nRaw results: {path}", file=sys.stderr)
    return 0


def print_saved(path: Path, report: Render) -> int:
    """The report of a saved results file."""
    saved = json.loads(path.read_text())
    print(report(saved["result"], saved["options"], saved["machine"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the rounds, print the report, save the raw figures."""
    options = parse(argv)
    if options.report is not None:
        return print_saved(options.report, render)
    content = make_content(
        options.notes, options.factors, options.links, options.link_model, options.seed
    )
    uniform = make_content(0, options.factors, options.links, "uniform", options.seed)
    return run_rounds("browser", options, lambda: run_round(options, content, uniform), render)


if __name__ == "__main__":
    sys.exit(main())
