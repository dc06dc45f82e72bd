"""Retention: delete the workshops nobody has used for ``--retention-days``.

Every process sweeps at start and then every ``interval`` seconds; two that
sweep at once delete each workshop once (the second finds it gone). Last
use is what ``workshop.activity`` records: joins, commands, board edits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from board_server.storage import Store
from board_server.workshop.erasure import Eraser

logger = logging.getLogger("board.retention")

DAY = 24 * 3600.0


class Retention:
    """Sweeps idle workshops away through the one delete path (``Eraser``)."""

    def __init__(
        self,
        store: Store,
        eraser: Eraser,
        *,
        days: float,
        interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if days <= 0 or interval <= 0:
            raise ValueError(f"retention needs days and interval > 0, got {days}, {interval}")
        self._store = store
        self._eraser = eraser
        self._days = days
        self._interval = interval
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Sweep now, then every interval, in the background."""
        self._task = asyncio.create_task(self._loop(), name="retention sweep")

    async def close(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task})
            self._task = None

    async def sweep(self) -> list[str]:
        """Delete every workshop last used more than ``days`` ago; their ids.
        Logs one line per workshop, with its id only."""
        deleted = []
        for workshop_id in await self._store.idle_workshops(self._clock() - self._days * DAY):
            if await self._eraser.delete(workshop_id):
                logger.info("workshop %s deleted: unused for %g days", workshop_id, self._days)
                deleted.append(workshop_id)
        return deleted

    async def _loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                logger.exception("retention sweep failed; next in %g s", self._interval)
            await asyncio.sleep(self._interval)
