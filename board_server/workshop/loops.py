"""Feedback loops in a system map, found from its links.

A loop is a cycle of links. It is reinforcing (R) when it has an even number
of negative links and balancing (B) when the number is odd. The browser
client has the same logic in JavaScript; both are tested on the same cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

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

    Johnson's algorithm: a factor that led to no loop stays blocked until a
    loop is found through a factor it leads to, so the search never walks the
    same dead ends twice and finds each next loop quickly, even on a dense map.
    At most ``limit`` loops; the search also stops after ``max_steps`` path
    extensions. The loops found are returned shortest first.
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
        if len(loops) >= limit or steps >= max_steps:
            break
        # Only factors that sort after the start, so each cycle is found once,
        # and only those that can get back to the start at all.
        allowed = _reaching(start, incoming)
        blocked = {start}
        waiting: dict[str, set[str]] = defaultdict(set)
        on_path = {start}  # blocked already; kept as a plain guarantee
        path = [start]
        path_links: list[str] = []
        # Per depth: the next link to try from path[depth], and whether a loop
        # was found below it.
        frames: list[list[Any]] = [[0, False]]
        while frames and len(loops) < limit and steps < max_steps:
            frame = frames[-1]
            node = path[-1]
            out = outgoing.get(node, [])
            if frame[0] < len(out):
                link = out[frame[0]]
                frame[0] += 1
                if link.target == start:
                    loops.append(_loop(path, [*path_links, link.id], by_id))
                    frame[1] = True
                elif (
                    link.target in allowed
                    and link.target not in blocked
                    and link.target not in on_path
                ):
                    steps += 1
                    blocked.add(link.target)
                    on_path.add(link.target)
                    path.append(link.target)
                    path_links.append(link.id)
                    frames.append([0, False])
                continue
            found = frame[1]
            if found:
                _unblock(node, blocked, waiting)
            else:
                for link in out:
                    if link.target in allowed:
                        waiting[link.target].add(node)
            frames.pop()
            on_path.discard(path.pop())
            if path_links:
                path_links.pop()
            if found and frames:
                frames[-1][1] = True
    loops.sort(key=lambda loop: (len(loop.links), loop.factors, loop.links))
    return loops[:limit]


def _unblock(node: str, blocked: set[str], waiting: dict[str, set[str]]) -> None:
    """Free ``node``, and every factor blocked only because of it."""
    todo = [node]
    while todo:
        current = todo.pop()
        blocked.discard(current)
        for other in waiting.pop(current, ()):
            if other in blocked:
                todo.append(other)


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
