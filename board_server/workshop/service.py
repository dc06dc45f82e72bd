"""Creating workshops, joining them by code, and issuing role tokens."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from board_server.auth import TokenSigner
from board_server.model import Participant, Role, RoomInfo, Workshop
from board_server.storage import Store, StoreError

# No 0/O or 1/I/L: codes are read aloud and typed on tablets.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 6
DEMO_WORKSHOP_ID = "demo"


class WorkshopError(Exception):
    """A request the workshop rules refuse; status is the HTTP status to answer."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class JoinResult:
    """What a participant gets on joining."""

    token: str
    participant: Participant
    workshop: Workshop
    room: RoomInfo


def new_id(nbytes: int = 8) -> str:
    """A random URL-safe identifier."""
    return secrets.token_urlsafe(nbytes).replace("-", "x").replace("_", "y")


def new_join_code() -> str:
    """A short code that is easy to read aloud."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


class WorkshopService:
    """Workshop rules on top of a Store; caches workshops, which never change."""

    def __init__(
        self, store: Store, signer: TokenSigner, *, token_ttl: float, room_capacity: int
    ) -> None:
        self._store = store
        self._signer = signer
        self._token_ttl = token_ttl
        self._room_capacity = room_capacity
        self._cache: dict[str, Workshop] = {}

    async def create(
        self, title: str, room_names: list[str], *, workshop_id: str | None = None
    ) -> tuple[Workshop, str]:
        """Create a workshop; returns it and a facilitator token."""
        rooms = tuple(RoomInfo(f"r{i}", name) for i, name in enumerate(room_names, start=1))
        for _ in range(10):
            workshop = Workshop(
                id=workshop_id or new_id(),
                title=title,
                join_code=new_join_code(),
                created=time.time(),
                rooms=rooms,
                room_capacity=self._room_capacity,
            )
            try:
                await self._store.create_workshop(workshop)
            except StoreError:
                if workshop_id is not None and await self._store.get_workshop(workshop_id):
                    raise WorkshopError(409, "exists", "That workshop already exists.") from None
                continue
            self._cache[workshop.id] = workshop
            return workshop, self.token_for(workshop.id, Role.FACILITATOR)
        raise WorkshopError(503, "no_code", "Could not find a free join code; try again.")

    async def get(self, workshop_id: str) -> Workshop | None:
        """The workshop, from the cache or the store."""
        workshop = self._cache.get(workshop_id)
        if workshop is None:
            workshop = await self._store.get_workshop(workshop_id)
            if workshop is not None:
                self._cache[workshop_id] = workshop
        return workshop

    def token_for(self, workshop_id: str, role: Role, *, room_id: str | None = None) -> str:
        """A token for a role that is not tied to one participant."""
        return self._signer.issue(workshop_id, role, new_id(6), room_id, self._token_ttl)

    async def join(self, code: str, name: str, room_id: str | None) -> JoinResult:
        """Join by code: into the given room, or the emptiest room that is not full."""
        workshop = await self._store.find_workshop_by_code(code)
        if workshop is None:
            raise WorkshopError(404, "unknown_code", "No workshop has that code.")
        counts = await self._store.room_headcounts(workshop.id)
        if room_id is not None:
            room = workshop.room(room_id)
            if room is None:
                raise WorkshopError(404, "unknown_room", "That workshop has no such room.")
        else:
            open_rooms = [r for r in workshop.rooms if counts.get(r.id, 0) < workshop.room_capacity]
            if not open_rooms:
                raise WorkshopError(409, "workshop_full", "Every room is full.")
            room = min(open_rooms, key=lambda r: counts.get(r.id, 0))
        participant = Participant(new_id(6), workshop.id, room.id, name, time.time())
        await self._store.add_participant(participant)
        token = self._signer.issue(
            workshop.id, Role.PARTICIPANT, participant.id, room.id, self._token_ttl
        )
        return JoinResult(token, participant, workshop, room)

    async def ensure_demo(self) -> tuple[Workshop, str]:
        """The demo workshop with four rooms, created on first use."""
        workshop = await self.get(DEMO_WORKSHOP_ID)
        if workshop is not None:
            return workshop, self.token_for(workshop.id, Role.FACILITATOR)
        rooms = ["Table 1", "Table 2", "Table 3", "Table 4"]
        return await self.create("Demo workshop", rooms, workshop_id=DEMO_WORKSHOP_ID)
