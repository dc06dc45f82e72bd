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

    async def seat_participant(
        self, participant: Participant, *, capacity: int, lapse_before: float
    ) -> bool:
        """Write the participant (new, or the same id moved, renamed or back
        after leaving) if its room has a seat for it; False writes nothing.

        Atomic: a room never ends with more than ``capacity`` seats held (see
        ``Participant.holds_seat``). One who holds a seat in the room already
        always may.
        """

    async def get_participant(self, workshop_id: str, participant_id: str) -> Participant | None:
        """The participant, or None."""

    async def claim_seat(
        self, workshop_id: str, participant_id: str, *, capacity: int, lapse_before: float,
        now: float,
    ) -> Participant | None:  # fmt: skip
        """Mark the participant connected (at ``now``, if never before) and return it.

        A seat that lapsed is taken again only if the room has one free, as
        in ``seat_participant``. None if the participant is unknown, has
        left, or lost its lapsed seat. Atomic like ``seat_participant``.
        """

    async def leave(self, workshop_id: str, participant_id: str, now: float) -> bool:
        """Free the participant's seat now. False if unknown or already gone."""

    async def room_headcounts(self, workshop_id: str, *, lapse_before: float) -> dict[str, int]:
        """Seats held per room id; rooms with nobody may be missing."""

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
