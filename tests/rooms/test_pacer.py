"""The observers' pacer: jobs of every room take turns, one step each per
turn of the event loop, and one failing job leaves the others running."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator

import pytest
from conftest import eventually

from board_server.rooms.pacer import SENT, Job, pacer


async def finished(log: list[str], length: int) -> None:
    """Wait until the jobs have logged ``length`` steps."""
    await eventually(lambda: len(log) >= length)


async def test_jobs_of_several_rooms_take_one_step_each_in_turn() -> None:
    log: list[str] = []
    turn_of_step: list[int] = []
    turns = 0

    def job(name: str, steps: int) -> Job:
        for n in range(steps):
            log.append(f"{name}{n}")
            turn_of_step.append(turns)
            yield SENT if name == "send" else None

    def count_turns() -> None:
        # Queued again each time it runs: it runs once per turn of the loop.
        nonlocal turns
        turns += 1
        if len(log) < 7:
            asyncio.get_running_loop().call_soon(count_turns)

    count_turns()
    pacer().add(job("a", 3))
    pacer().add(job("b", 2))
    pacer().add(job("send", 2))
    await finished(log, 7)
    assert log == ["a0", "b0", "send0", "a1", "b1", "send1", "a2"]
    # Never two steps in one turn, however many rooms have work.
    assert len(set(turn_of_step)) == len(turn_of_step)


async def test_a_job_that_fails_ends_and_the_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[str] = []

    def broken() -> Generator[None, None, None]:
        log.append("broken0")
        yield None
        raise RuntimeError("a bug in one room")

    def fine() -> Job:
        for n in range(3):
            log.append(f"fine{n}")
            yield None

    with caplog.at_level(logging.ERROR, logger="board.room"):
        pacer().add(broken())
        pacer().add(fine())
        await finished(log, 4)
        await asyncio.sleep(0)
    assert log == ["broken0", "fine0", "fine1", "fine2"]
    assert "an observer job failed" in caplog.text
