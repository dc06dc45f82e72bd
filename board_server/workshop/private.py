"""Private mode on the command channel: drafts, their counts, and the reveal.

A draft lives in the store (``DraftStore``), never in a board document,
and its content goes to its author's connections only. Other processes
hear that a person's drafts changed (an id, no content) and send that
person's connections the list from the store; facilitators get counts per
room. A reveal seals a room's drafts, writes them onto its board in one
update made by the server (``drafts.reveal_update``), waits until the
store holds it, then drops them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from board_server.bus import Bus, WorkshopEvent
from board_server.errors import BoardError
from board_server.model import Draft, Role, RoomKey, Workshop
from board_server.rooms import Peer, RoomRegistry
from board_server.rooms.frame import Frame
from board_server.storage import Store
from board_server.sync.commands import encode_push
from board_server.workshop import drafts
from board_server.workshop.control import Control, note_id

logger = logging.getLogger("board.commands")

DRAFT_COMMANDS = frozenset({"draft.add", "draft.edit", "draft.delete", "draft.list"})
MINE = "drafts"
"""Event and push: a person's drafts changed."""
COUNT = "drafts.count"
"""Event and push: the waiting drafts per room, for facilitators."""
COUNT_DEBOUNCE = 0.2

Listeners = Callable[[str], dict[Peer, str | None]]
Spawn = Callable[[Coroutine[Any, Any, Any], str], None]


class Drafting:
    """Drafts and reveals for the ``CommandHub`` of one process."""

    def __init__(
        self,
        store: Store,
        bus: Bus,
        listeners: Listeners,
        spawn: Spawn,
        *,
        clock: Callable[[], float],
        rng: random.Random,
    ) -> None:
        self._store = store
        self._bus = bus
        self._listeners = listeners
        self._spawn = spawn
        self._clock = clock
        self._rng = rng
        self._count_due: set[str] = set()
        self._pushing: set[tuple[str, str]] = set()
        self._push_again: set[tuple[str, str]] = set()

    # Commands.
    async def command(
        self, workshop: Workshop, control: Control, room_id: str | None, peer: Peer, cmd: str,
        args: dict[str, Any],
    ) -> dict[str, Any]:  # fmt: skip
        """draft.add, draft.edit, draft.delete, draft.list, and note.keep_in_room
        on a draft: a participant's own."""
        author = peer.session.participant_id
        if peer.session.role is not Role.PARTICIPANT or author is None or room_id is None:
            raise BoardError("forbidden", "Private notes are for the people in a room.")
        if cmd == "draft.list":
            return {"drafts": await self._mine(workshop.id, author)}
        if cmd == "draft.add":
            if not control.room(room_id).private:
                raise BoardError(
                    "conflict", "Private mode is off here: put your note on the board."
                )
            body = {**drafts.parse_new(args), "updated": self._clock()}
            draft = Draft(drafts.new_id(), room_id, author, self._clock(), drafts.pack(body))
            if not await self._store.add_draft(workshop.id, draft, drafts.MAX_DRAFTS):
                raise BoardError(
                    "conflict", f"You have {drafts.MAX_DRAFTS} private notes waiting already."
                )
            await self._changed(workshop.id, author)
            return {"draft": drafts.wire(draft)}
        if cmd in ("draft.edit", "note.keep_in_room"):
            if cmd == "draft.edit":
                draft_id, text = drafts.parse_edit(args)
                change: dict[str, Any] = {"text": text}
            else:
                # The author marks a draft "stays in the room" (or not).
                draft_id, on = note_id(args), args.get("on")
                if not isinstance(on, bool):
                    raise BoardError("invalid", "'on' must be true or false.")
                change = {"keep": on}
            mine = {d.id: d for d in await self._store.list_drafts(workshop.id, author)}
            old = mine.get(draft_id)
            if old is not None:
                body = {**drafts.unpack(old.body), **change, "updated": self._clock()}
                edited = Draft(old.id, old.room_id, author, old.created, drafts.pack(body))
                if await self._store.edit_draft(workshop.id, draft_id, author, edited.body):
                    await self._changed(workshop.id, author, counts=False)
                    return {"draft": drafts.wire(edited)}
            raise _gone()
        draft_id = drafts.draft_id(args)
        if not await self._store.delete_draft(workshop.id, draft_id, author):
            raise _gone()
        await self._changed(workshop.id, author)
        return {}

    async def counts(self, workshop: Workshop) -> dict[str, int]:
        """Waiting drafts in every room of the workshop (0 where none)."""
        stored = await self._store.count_drafts(workshop.id)
        return {room.id: stored.get(room.id, 0) for room in workshop.rooms}

    async def reveal(
        self,
        workshop: Workshop,
        control: Control,
        room_ids: list[str],
        rooms: RoomRegistry,
        keep: Callable[[str, list[str]], Awaitable[None]],
    ) -> dict[str, int]:
        """Put every waiting draft of these rooms on its board; how many notes
        each room got. Before a room's notes go on its board, ``keep(room,
        ids)`` records those their authors marked "stays in the room"."""
        names: dict[str, str] | None = None
        if not control.anonymous:
            everyone = await self._store.list_participants(workshop.id)
            names = {p.id: p.name for p in everyone}
        revealed: dict[str, int] = {}
        authors: set[str] = set()
        for room_id in room_ids:
            sealed = await self._store.seal_drafts(workshop.id, room_id)
            if not sealed:
                revealed[room_id] = 0
                continue
            kept = [d.id for d in sealed if drafts.unpack(d.body).get("keep") is True]
            if kept:
                await keep(room_id, kept)
            room = await rooms.acquire(RoomKey(workshop.id, room_id))
            try:
                update, added = drafts.reveal_update(
                    room.doc.get_update(), sealed, names=names,
                    now_ms=round(self._clock() * 1000), rng=self._rng,
                )  # fmt: skip
                if update:
                    await room.write(update)
            finally:
                rooms.release(room)
            await self._store.drop_drafts(workshop.id, [d.id for d in sealed])
            revealed[room_id] = added
            authors.update(d.author for d in sealed)
        for author in authors:
            await self._bus.publish_event(WorkshopEvent(workshop.id, MINE, {"participant": author}))
        self._count_soon(workshop.id)
        return revealed

    async def _mine(self, workshop_id: str, author: str) -> list[dict[str, Any]]:
        return [drafts.wire(d) for d in await self._store.list_drafts(workshop_id, author)]

    async def _changed(self, workshop_id: str, author: str, *, counts: bool = True) -> None:
        """Tell every process that the author's drafts changed (no content)."""
        event = WorkshopEvent(workshop_id, MINE, {"participant": author})
        await self._bus.publish_event(event)
        if counts:
            self._count_soon(workshop_id)

    def _count_soon(self, workshop_id: str) -> None:
        if workshop_id not in self._count_due:
            self._count_due.add(workshop_id)
            self._spawn(self._send_counts(workshop_id), f"draft counts {workshop_id}")

    async def _send_counts(self, workshop_id: str) -> None:
        """The counts, 0.2 s after a change (changes within it come as one), to
        the facilitators of every process."""
        try:
            await asyncio.sleep(COUNT_DEBOUNCE)
        finally:
            self._count_due.discard(workshop_id)
        stored = await self._store.count_drafts(workshop_id)
        await self._bus.publish_event(WorkshopEvent(workshop_id, COUNT, {"rooms": stored}))

    # Events from every process.
    def on_event(self, event: WorkshopEvent, workshop: Workshop | None) -> None:
        """Push a person's drafts to their connections here, or the counts to
        the facilitators here."""
        if event.kind == COUNT:
            stored = event.data.get("rooms", {})
            if workshop is None or not isinstance(stored, dict):
                return
            data = {"rooms": {room.id: int(stored.get(room.id, 0)) for room in workshop.rooms}}
            frame: Frame | None = None
            for peer in self._listeners(event.workshop_id):
                if peer.session.role is Role.FACILITATOR:
                    frame = frame or Frame(encode_push(COUNT, data))
                    peer.send(frame)
        elif event.kind == MINE:
            author = event.data.get("participant")
            if not isinstance(author, str):
                return
            key = (event.workshop_id, author)
            if key in self._pushing:
                self._push_again.add(key)  # the running push sends the newest list after
                return
            if self._authors_peers(event.workshop_id, author):
                self._pushing.add(key)
                self._spawn(self._push_mine(event.workshop_id, author), "push drafts")

    def _authors_peers(self, workshop_id: str, author: str) -> list[Peer]:
        return [
            peer
            for peer in self._listeners(workshop_id)
            if peer.session.role is Role.PARTICIPANT and peer.session.participant_id == author
        ]

    async def _push_mine(self, workshop_id: str, author: str) -> None:
        """The author's list to their connections here; one push at a time per
        person, so that an older list never arrives after a newer one."""
        key = (workshop_id, author)
        try:
            while True:
                self._push_again.discard(key)
                frame = Frame(encode_push(MINE, {"drafts": await self._mine(workshop_id, author)}))
                for peer in self._authors_peers(workshop_id, author):
                    peer.send(frame)
                if key not in self._push_again:
                    return
        finally:
            self._pushing.discard(key)
            self._push_again.discard(key)


def _gone() -> BoardError:
    return BoardError("not_found", "That private note is gone: deleted, or already on the board.")
