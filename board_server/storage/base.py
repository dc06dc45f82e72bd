"""The Store protocol that every persistence backend implements.

Rooms and workshop logic depend only on this protocol; the app injects a
concrete store. Each implementation passes tests/storage/test_conformance.py.
"""

from __future__ import annotations

from typing import Protocol

from board_server.model import Participant, RoomKey, StoredDoc, Workshop


class StoreError(Exception):
    """A store could not complete an operation."""


class Store(Protocol):
    """Workshops, participants and each room's document (update log + snapshot)."""

    async def start(self) -> None:
        """Open connections and start background work (group commit)."""

    async def close(self) -> None:
        """Flush everything pending, then release resources. Idempotent."""

    # Workshops and participants.
    async def create_workshop(self, workshop: Workshop) -> None:
        """Persist a new workshop. Raises StoreError if the id or join code exists."""

    async def get_workshop(self, workshop_id: str) -> Workshop | None:
        """The workshop with this id, or None."""

    async def find_workshop_by_code(self, join_code: str) -> Workshop | None:
        """The workshop with this join code (case-insensitive), or None."""

    async def list_workshops(self) -> list[Workshop]:
        """Every workshop, oldest first."""

    async def add_participant(self, participant: Participant) -> None:
        """Persist a participant who joined."""

    async def room_headcounts(self, workshop_id: str) -> dict[str, int]:
        """Participants per room id; rooms with nobody may be missing."""

    # Documents.
    def append_update(self, room: RoomKey, update: bytes) -> None:
        """Queue an update for the room's log, without waiting: rooms call this on
        their hot path. It is durable within 100 ms (group commit)."""

    async def load_doc(self, room: RoomKey) -> StoredDoc:
        """The room's snapshot and every update after it, pending ones included."""

    async def compact(self, room: RoomKey, snapshot: bytes) -> None:
        """Replace the log with this snapshot.

        The snapshot must cover every update appended for the room before this
        call; updates appended after it stay in the log.
        """

    async def log_length(self, room: RoomKey) -> int:
        """How many updates follow the snapshot, pending ones included."""

    async def flush(self) -> None:
        """Wait until everything appended so far is durable."""
