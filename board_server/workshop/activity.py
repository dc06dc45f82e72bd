"""When each workshop was last in use, for retention (``workshop.retention``).

Joins, commands and board edits each say ``seen``; this process writes the
time to the store at most once every ``every`` seconds per workshop, so a
busy room costs a dictionary lookup per batch of edits, and every process's
use counts, since they share the store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from board_server.storage import Store, StoreError

logger = logging.getLogger("board.retention")

RECORD_EVERY = 60.0
"""Seconds between two writes of one workshop's last activity by one process."""

Spawn = Callable[[Coroutine[Any, Any, Any], str], None]


class Activity:
    """Records each workshop's last activity in the store, throttled per workshop."""

    def __init__(
        self,
        store: Store,
        spawn: Spawn,
        *,
        clock: Callable[[], float] = time.time,
        every: float = RECORD_EVERY,
    ) -> None:
        self._store = store
        self._spawn = spawn
        self._clock = clock
        self._every = every
        self._due: dict[str, float] = {}  # workshop id -> next write allowed (monotonic)

    def seen(self, workshop_id: str) -> None:
        """The workshop is in use now; written unless it was written lately."""
        now = time.monotonic()
        if now < self._due.get(workshop_id, 0.0):
            return
        self._due[workshop_id] = now + self._every
        self._spawn(self._record(workshop_id, self._clock()), f"activity {workshop_id}")

    def forget(self, workshop_id: str) -> None:
        """Drop what is kept of the workshop (it was deleted)."""
        self._due.pop(workshop_id, None)

    async def _record(self, workshop_id: str, at: float) -> None:
        try:
            await self._store.record_activity(workshop_id, at)
        except StoreError as exc:
            self._due.pop(workshop_id, None)  # the next sign of use tries again
            logger.warning("last activity of workshop %s not recorded: %s", workshop_id, exc)
