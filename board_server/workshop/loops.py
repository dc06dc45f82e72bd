"""Feedback loops in a system map, found from its links.

A loop is a cycle of links. It is reinforcing (R) when it has an even number
of negative links and balancing (B) when the number is odd. The browser
client has the same logic in JavaScript; both are tested on the same cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

# Enough for any board people can read; stops a dense map from exploding.
MAX_LOOPS = 500
# A bound on the search itself (paths extended), so that a big map with few
# loops but very many paths still answers at once. Both finders count alike.
MAX_STEPS = 100_000


@dataclass(frozen=True)
class Link:
    """A causal arrow between two factors."""

    id: str
    source: str
    target: str
    polarity: str = "+"
    delay: bool = False


@dataclass(frozen=True)
class Loop:
    """One feedback loop: its factors in order, and the links that close it."""

    factors: tuple[str, ...]
    links: tuple[str, ...]
    kind: str  # "R" or "B"
    delayed: bool


def find_loops(links: list[Link], limit: int = MAX_LOOPS, max_steps: int = MAX_STEPS) -> list[Loop]:
    """Every elementary cycle, each once, starting at its smallest factor id.

    At most ``limit`` loops, and the search stops after ``max_steps`` path
    extensions; the loops found by then are returned, shortest first.
    """
    outgoing: dict[str, list[Link]] = defaultdict(list)
    incoming: dict[str, list[str]] = defaultdict(list)
    for link in sorted(links, key=lambda item: item.id):
        outgoing[link.source].append(link)
        incoming[link.target].append(link.source)
    by_id = {link.id: link for link in links}
    loops: list[Loop] = []
    steps = 0
    for start in sorted(outgoing):
        # Only visit factors that sort after the start, so each cycle is found
        # once, and only those that can get back to the start at all.
        back = _reaching(start, incoming)
        # Depth-first, on one shared path: following[d] is the next link to try from path[d].
        path = [start]
        path_links: list[str] = []
        on_path = {start}
        following = [0]
        while following and len(loops) < limit and steps < max_steps:
            depth = len(following) - 1
            node = path[depth]
            out = outgoing.get(node, [])
            if following[depth] >= len(out):
                following.pop()
                on_path.discard(node)
                path.pop()
                if path_links:
                    path_links.pop()
                continue
            link = out[following[depth]]
            following[depth] += 1
            if link.target == start:
                loops.append(_loop(path, [*path_links, link.id], by_id))
            elif link.target in back and link.target not in on_path:
                steps += 1
                path.append(link.target)
                path_links.append(link.id)
                on_path.add(link.target)
                following.append(0)
    loops.sort(key=lambda loop: (len(loop.links), loop.factors, loop.links))
    return loops[:limit]


def _reaching(start: str, incoming: dict[str, list[str]]) -> set[str]:
    """Factors after ``start`` with a path back to it through such factors."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for source in incoming.get(todo.pop(), []):
            if source > start and source not in seen:
                seen.add(source)
                todo.append(source)
    return seen


def _loop(path: list[str], link_ids: list[str], by_id: dict[str, Link]) -> Loop:
    negatives = sum(1 for lid in link_ids if by_id[lid].polarity == "-")
    return Loop(
        factors=tuple(path),
        links=tuple(link_ids),
        kind="R" if negatives % 2 == 0 else "B",
        delayed=any(by_id[lid].delay for lid in link_ids),
    )
