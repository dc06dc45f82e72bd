"""The loop finder, Python and JavaScript, on the same cases (tests/loops_cases.json)."""

from __future__ import annotations

import json
import random
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from board_server.workshop.loops import MAX_LOOPS, MAX_STEPS, Link, Loop, find_loops

TESTS = Path(__file__).parent
CASES: list[dict[str, Any]] = json.loads((TESTS / "loops_cases.json").read_text())
JS_RUNNER = TESTS / "node" / "loops_cases.mjs"


def case_links(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's links, or generated ones:
    - "dense": n factors, every pair linked both ways;
    - "ladder": n layers of two factors, each linked to both of the next layer
      (2^n paths); "closed" links the last layer back to the first factor.
    """
    if "dense" in case:
        nodes = [f"n{i:02d}" for i in range(case["dense"])]
        return [{"id": f"{a}-{b}", "from": a, "to": b} for a in nodes for b in nodes if a != b]
    if "ladder" in case:
        layers = [[f"l{i:02d}a", f"l{i:02d}b"] for i in range(case["ladder"])]
        pairs = [(a, b) for here, after in pairwise(layers) for a in here for b in after]
        if case.get("closed"):
            pairs += [(end, layers[0][0]) for end in layers[-1]]
        return [{"id": f"{a}-{b}", "from": a, "to": b} for a, b in pairs]
    if "random" in case:
        spec = case["random"]
        rng = random.Random(spec["seed"])
        factors = [f"f{i:03d}" for i in range(spec["factors"])]
        return [
            {"id": f"l{i:03d}", "from": a, "to": b, "polarity": rng.choice("+-")}
            for i, (a, b) in enumerate(rng.sample(factors, 2) for _ in range(spec["links"]))
        ]
    links: list[dict[str, Any]] = case["links"]
    return links


def to_links(raw: list[dict[str, Any]]) -> list[Link]:
    return [
        Link(r["id"], r["from"], r["to"], r.get("polarity", "+"), bool(r.get("delay"))) for r in raw
    ]


def as_json(loop: Loop) -> dict[str, Any]:
    return {
        "factors": list(loop.factors),
        "links": list(loop.links),
        "kind": loop.kind,
        "delayed": loop.delayed,
    }


def check(case: dict[str, Any], found: list[dict[str, Any]]) -> None:
    if "expected_count" in case:
        assert len(found) == case["expected_count"]
    else:
        assert found == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_python_finder(case: dict[str, Any]) -> None:
    found = find_loops(
        to_links(case_links(case)), case.get("limit", MAX_LOOPS), case.get("max_steps", MAX_STEPS)
    )
    check(case, [as_json(loop) for loop in found])


@pytest.mark.node
def test_javascript_finder_agrees_on_every_case() -> None:
    cases = [{**case, "links": case_links(case)} for case in CASES]
    result = subprocess.run(
        ["node", str(JS_RUNNER)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    outputs = json.loads(result.stdout)
    assert len(outputs) == len(CASES)
    for case, found in zip(cases, outputs, strict=True):
        check(case, found)
        # Exactly what the Python finder gives, even where a cap cuts the list.
        python = find_loops(
            to_links(case["links"]), case.get("limit", MAX_LOOPS), case.get("max_steps", MAX_STEPS)
        )
        assert found == [as_json(loop) for loop in python], case["name"]


def every_cycle(links: list[Link]) -> set[tuple[str, ...]]:
    """Every elementary cycle as its links, by brute force: try every path."""
    outgoing: dict[str, list[Link]] = {}
    for link in links:
        outgoing.setdefault(link.source, []).append(link)
    found: set[tuple[str, ...]] = set()

    def walk(start: str, node: str, seen: list[str], path: list[str]) -> None:
        for link in outgoing.get(node, []):
            if link.target == start:
                found.add((*path, link.id))
            elif link.target > start and link.target not in seen:
                walk(start, link.target, [*seen, link.target], [*path, link.id])

    for start in outgoing:
        walk(start, start, [start], [])
    return found


@pytest.mark.parametrize("seed", range(40))
def test_finder_finds_exactly_every_cycle_of_small_random_maps(seed: int) -> None:
    rng = random.Random(seed)
    factors = [f"f{i}" for i in range(rng.randint(3, 8))]
    links = [
        Link(f"l{i:02d}", rng.choice(factors), rng.choice(factors), rng.choice("+-"))
        for i in range(rng.randint(3, 20))
    ]
    found = find_loops(links, limit=10_000)
    assert {loop.links for loop in found} == every_cycle(links)
    assert len(found) == len({loop.links for loop in found})
