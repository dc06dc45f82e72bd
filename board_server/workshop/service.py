"""Creating workshops, joining them by code, and issuing role tokens."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace

from board_server.auth import AuthError, Claims, TokenSigner
from board_server.errors import BoardError
from board_server.model import Participant, Role, RoomInfo, Workshop
from board_server.storage import Store, StoreError

# No 0/O or 1/I/L: codes are read aloud and typed on tablets.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 6
DEMO_WORKSHOP_ID = "demo"


@dataclass(frozen=True)
class JoinResult:
    """What a participant gets on joining."""

    token: str
    participant: Participant
    workshop: Workshop
    room: RoomInfo
    rejoined: bool


def new_id(nbytes: int = 8) -> str:
    """A random URL-safe identifier."""
    return secrets.token_urlsafe(nbytes).replace("-", "x").replace("_", "y")


def new_join_code() -> str:
    """A short code that is easy to read aloud."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


class WorkshopService:
    """Workshop rules on top of a Store; caches workshops, which never change
    (until deleted: ``forget``).

    Seats: a room holds ``room_capacity`` participants. A join takes a seat at
    once; the seat lapses after ``seat_grace`` seconds unless the tablet
    connects, and is then kept until the participant leaves.
    """

    def __init__(
        self,
        store: Store,
        signer: TokenSigner,
        *,
        token_ttl: float,
        room_capacity: int,
        seat_grace: float,
    ) -> None:
        self._store = store
        self._signer = signer
        self._token_ttl = token_ttl
        self._room_capacity = room_capacity
        self._seat_grace = seat_grace
        self._cache: dict[str, Workshop] = {}

    async def create(
        self,
        title: str,
        room_names: list[str],
        *,
        workshop_id: str | None = None,
        room_capacity: int | None = None,
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
                room_capacity=room_capacity or self._room_capacity,
            )
            try:
                await self._store.create_workshop(workshop)
            except StoreError:
                if workshop_id is not None and await self._store.get_workshop(workshop_id):
                    raise BoardError("exists", "That workshop already exists.") from None
                continue
            self._cache[workshop.id] = workshop
            return workshop, self.token_for(workshop.id, Role.FACILITATOR)
        raise BoardError("no_code", "Could not find a free join code; try again.")

    async def get(self, workshop_id: str) -> Workshop | None:
        """The workshop, from the cache or the store."""
        workshop = self._cache.get(workshop_id)
        if workshop is None:
            workshop = await self._store.get_workshop(workshop_id)
            if workshop is not None:
                self._cache[workshop_id] = workshop
        return workshop

    def cached(self, workshop_id: str) -> Workshop | None:
        """The workshop if this process has seen it (workshops never change)."""
        return self._cache.get(workshop_id)

    def forget(self, workshop_id: str) -> None:
        """Drop the cached workshop: it was deleted."""
        self._cache.pop(workshop_id, None)

    async def with_seats(self) -> list[tuple[Workshop, dict[str, int]]]:
        """Every workshop, newest first, with the seats held in each room."""
        workshops = await self._store.list_workshops()
        return [(w, await self.headcounts(w.id)) for w in reversed(workshops)]

    async def headcounts(self, workshop_id: str) -> dict[str, int]:
        """Seats held per room id now."""
        return await self._store.room_headcounts(workshop_id, lapse_before=self._lapse_before())

    def token_for(self, workshop_id: str, role: Role, *, room_id: str | None = None) -> str:
        """A token for a role that is not tied to one participant."""
        return self._signer.issue(workshop_id, role, new_id(6), room_id, self._token_ttl)

    def participant_token(self, workshop_id: str, participant_id: str, room_id: str) -> str:
        """A new token for a participant who now sits in ``room_id``."""
        return self._signer.issue(
            workshop_id, Role.PARTICIPANT, participant_id, room_id, self._token_ttl
        )

    async def seated(self, workshop: Workshop) -> list[Participant]:
        """Every participant who holds a seat now, oldest first."""
        lapse_before = self._lapse_before()
        everyone = await self._store.list_participants(workshop.id)
        return [p for p in everyone if p.holds_seat(lapse_before)]

    async def move(self, participant: Participant, room_id: str) -> Participant:
        """Seat the participant in another room, whatever its capacity: the
        facilitator decides (capacity is for joins that pick their own room)."""
        moved = replace(participant, room_id=room_id)
        if not await self._store.seat_participant(
            moved, capacity=1_000_000, lapse_before=self._lapse_before()
        ):
            raise BoardError("conflict", "That participant could not be moved; try again.")
        return moved

    def _lapse_before(self) -> float:
        return time.time() - self._seat_grace

    async def _returning(self, workshop: Workshop, rejoin: str | None) -> Participant | None:
        """The participant a device's earlier token names, if it still has a place here."""
        if not rejoin:
            return None
        try:
            claims = self._signer.verify(rejoin)
        except AuthError:
            return None
        if claims.role is not Role.PARTICIPANT or claims.workshop_id != workshop.id:
            return None
        known = await self._store.get_participant(workshop.id, claims.participant_id)
        return known if known is not None and known.left is None else None

    async def join(
        self, code: str, name: str, room_id: str | None, *, rejoin: str | None = None
    ) -> JoinResult:
        """Join by code: into the given room, or back into this device's seat
        (``rejoin`` is its earlier token), or the emptiest room with a free seat."""
        workshop = await self._store.find_workshop_by_code(code)
        if workshop is None:
            raise BoardError("unknown_code", "No workshop has that code.")
        if room_id is not None and workshop.room(room_id) is None:
            raise BoardError("unknown_room", "That workshop has no such room.")
        previous = await self._returning(workshop, rejoin)
        lapse_before = self._lapse_before()
        now = time.time()
        if previous is None:
            participant = Participant(new_id(6), workshop.id, room_id or "", name, now)
        else:
            # A seat never connected restarts its grace period.
            created = previous.created if previous.connected is not None else now
            participant = replace(previous, name=name, created=created)
        preferred = room_id or (previous.room_id if previous else None)
        seated: Participant | None = None
        if preferred is not None:
            chosen = replace(participant, room_id=preferred)
            if await self._store.seat_participant(
                chosen, capacity=workshop.room_capacity, lapse_before=lapse_before
            ):
                seated = chosen
            elif room_id is not None:
                room = workshop.room(room_id)
                assert room is not None
                raise BoardError(
                    "room_full", f"{room.name} is full. Ask the facilitator, or join "
                    "without choosing a room."
                )  # fmt: skip
        if seated is None:
            # No room chosen, or a returning device whose seat lapsed and went
            # to someone else: the emptiest room with a free seat, chosen and
            # taken in one atomic step, so that joins arriving together spread.
            seated = await self._store.seat_in_emptiest(
                participant,
                [r.id for r in workshop.rooms],
                capacity=workshop.room_capacity,
                lapse_before=lapse_before,
            )
        if seated is None:
            raise BoardError("workshop_full", "Every room is full.")
        room = workshop.room(seated.room_id)
        assert room is not None
        token = self._signer.issue(
            workshop.id, Role.PARTICIPANT, seated.id, room.id, self._token_ttl
        )
        return JoinResult(token, seated, workshop, room, previous is not None)

    async def claim_seat(self, workshop: Workshop, claims: Claims) -> Participant | None:
        """On connect: the participant, its seat kept (or retaken if it lapsed and
        is free); None if they left or their lapsed seat went to someone else."""
        return await self._store.claim_seat(
            workshop.id,
            claims.participant_id,
            capacity=workshop.room_capacity,
            lapse_before=self._lapse_before(),
            now=time.time(),
        )

    async def leave(self, claims: Claims) -> bool:
        """The participant leaves: the seat is free at once. False if already gone."""
        return await self._store.leave(claims.workshop_id, claims.participant_id, time.time())

    async def ensure_demo(self) -> tuple[Workshop, str]:
        """The demo workshop with four rooms, created on first use."""
        workshop = await self.get(DEMO_WORKSHOP_ID)
        if workshop is not None:
            return workshop, self.token_for(workshop.id, Role.FACILITATOR)
        rooms = ["Table 1", "Table 2", "Table 3", "Table 4"]
        try:
            return await self.create("Demo workshop", rooms, workshop_id=DEMO_WORKSHOP_ID)
        except BoardError as exc:
            # Another process sharing the store created it first.
            workshop = await self.get(DEMO_WORKSHOP_ID)
            if exc.code != "exists" or workshop is None:
                raise
            return workshop, self.token_for(workshop.id, Role.FACILITATOR)
