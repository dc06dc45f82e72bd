"""One step of observer work per turn of the event loop, for every room.

The observers' projections (rooms/projection.py) refresh and send in small
steps, so that a room's writers never wait long behind them. But with many
rooms refreshing or sending at once, each room's steps would still land in
the same turn of the event loop, one after the other. The pacer runs all of
them as one queue: a job is a generator whose every ``next`` is one step,
and the pacer takes one step of the job at the front per turn (``PAUSE``
after a step that the job marks as sending), then puts the job at the back.
So a writer waits behind at most one step, however many rooms are watched.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Generator

logger = logging.getLogger("board.room")

PAUSE = 0.001
"""Seconds after a sending step: a thousand socket writes spread over a
few hundred milliseconds rather than taking the loop in one burst."""
SENT = "sent"
"""What a job yields after a step that wrote to sockets (others yield None)."""

Job = Generator[str | None, None, None]


class Pacer:
    """The queue of observer jobs of one event loop (``pacer()``)."""

    def __init__(self) -> None:
        self._jobs: deque[Job] = deque()
        self._task: asyncio.Task[None] | None = None

    def add(self, job: Job) -> None:
        """Queue a job; it runs a step per turn until it is done or closed."""
        self._jobs.append(job)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="observer pacer")

    async def _run(self) -> None:
        try:
            while self._jobs:
                job = self._jobs.popleft()
                try:
                    step = next(job)
                except StopIteration:
                    continue
                except Exception:
                    # A bug of ours in one room's job: that job ends, the rest go on.
                    logger.exception("an observer job failed")
                    continue
                self._jobs.append(job)
                await asyncio.sleep(PAUSE if step == SENT else 0)
        finally:
            self._task = None


_pacers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pacer] = weakref.WeakKeyDictionary()


def pacer() -> Pacer:
    """The running event loop's pacer."""
    loop = asyncio.get_running_loop()
    found = _pacers.get(loop)
    if found is None:
        found = _pacers[loop] = Pacer()
    return found
