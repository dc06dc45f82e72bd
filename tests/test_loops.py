"""The loop finder: every elementary cycle once, classified R or B."""

from __future__ import annotations

from board_server.workshop.loops import Link, Loop, find_loops


def test_no_links_no_loops() -> None:
    assert find_loops([]) == []
    assert find_loops([Link("l1", "a", "b"), Link("l2", "b", "c")]) == []


def test_three_factor_cycle_reinforcing() -> None:
    links = [Link("l1", "a", "b", "+"), Link("l2", "b", "c", "-"), Link("l3", "c", "a", "-")]
    assert find_loops(links) == [Loop(("a", "b", "c"), ("l1", "l2", "l3"), "R", False)]


def test_one_negative_link_balances() -> None:
    links = [Link("l1", "stress", "sleep", "-"), Link("l2", "sleep", "stress", "+", delay=True)]
    assert find_loops(links) == [Loop(("sleep", "stress"), ("l2", "l1"), "B", True)]


def test_self_loop_and_shared_factor() -> None:
    links = [
        Link("l1", "a", "a", "-"),
        Link("l2", "a", "b", "+"),
        Link("l3", "b", "a", "+"),
        Link("l4", "b", "c", "+"),
        Link("l5", "c", "b", "-"),
    ]
    assert find_loops(links) == [
        Loop(("a",), ("l1",), "B", False),
        Loop(("a", "b"), ("l2", "l3"), "R", False),
        Loop(("b", "c"), ("l4", "l5"), "B", False),
    ]


def test_parallel_links_make_distinct_loops() -> None:
    links = [Link("l1", "a", "b", "+"), Link("l2", "a", "b", "-"), Link("l3", "b", "a", "+")]
    assert find_loops(links) == [
        Loop(("a", "b"), ("l1", "l3"), "R", False),
        Loop(("a", "b"), ("l2", "l3"), "B", False),
    ]


def test_dense_map_is_capped() -> None:
    nodes = [f"n{i:02d}" for i in range(12)]
    links = [Link(f"{a}-{b}", a, b) for a in nodes for b in nodes if a != b]
    assert len(find_loops(links, limit=50)) == 50
