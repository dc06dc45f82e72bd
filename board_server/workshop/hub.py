"""The command channel's server side: one ``CommandHub`` per process.

It answers type-100 requests from room sockets (as the rooms' ``Commands``)
and from workshop sockets (through a ``Lobby``), checks each against the
caller's role, and changes state in the store only: the control state by
compare-and-set with an audit entry, seats through ``WorkshopService``.
Every change goes out as a workshop event on the bus, and each process,
this one included, pushes it to its own connections that said hello. A
lost event is healed by a refresh of the control state every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
import weakref
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

from pycrdt import Map

from board_server.bus import Bus, WorkshopEvent
from board_server.errors import BoardError, Close
from board_server.model import AuditEntry, BinEntry, Role, RoomKey, Tally, VoteKey, Workshop
from board_server.rooms import Peer, Room, RoomRegistry
from board_server.rooms.frame import Frame
from board_server.rooms.peer import PeerState
from board_server.rooms.registry import PARTICIPANT_LEFT
from board_server.rooms.room import doc_from_stored
from board_server.storage import Store, StoreError
from board_server.sync import BoardMessage, parse_message
from board_server.sync.commands import (
    BadRequest,
    Request,
    encode_error,
    encode_push,
    encode_reply,
    parse_request,
)
from board_server.workshop import gallery, moderation, visibility
from board_server.workshop.activity import Activity
from board_server.workshop.breakouts import people_list, shuffle_plan
from board_server.workshop.control import (
    DEFAULT_AGENDA,
    Control,
    Phase,
    VoteSession,
    execute,
    gallery_open,
    note_id,
    view,
)
from board_server.workshop.private import COUNT, DRAFT_COMMANDS, MINE, Drafting
from board_server.workshop.service import WorkshopService
from board_server.workshop.voting import left, parse_cast, refusal, results

logger = logging.getLogger("board.commands")

CONTROL = "control"
PEOPLE = "people"
MOVED = "participant.moved"
REMOVED = "participant.removed"

CONTROL_COMMANDS = frozenset(
    {
        "agenda.set", "phase.set", "timer.start", "timer.pause", "timer.resume",
        "timer.add", "timer.stop", "room.lock", "room.prompt", "banner.set", "spotlight.set",
        "vote.open", "vote.close", "vote.reveal", "private.set", "private.reveal",
        "note.keep_in_room",
    }
)  # fmt: skip
# Anyone who said hello (each command checks who may).
VOTE_COMMANDS = frozenset({"vote.cast", "vote.mine", "vote.results"})
VOTE_PROGRESS = "vote.progress"
# vote.cast has a bucket of its own: a person taps quickly, and a flood is
# answered by the store's budget, not by dropping requests.
CAST_RATE_PER_SECOND = 50.0
CAST_BURST = 100.0
FACILITATOR_COMMANDS = CONTROL_COMMANDS | {
    "participant.move", "rooms.shuffle", "participant.remove", "people", "audit.list",
    "drafts.count", "note.hide", "note.restore", "bin.list",
}  # fmt: skip
RATE_PER_SECOND = 20.0
REFRESH_SECONDS = 5.0
PRESENCE_SECONDS = 10.0
PRESENCE_TTL = 30.0
PEOPLE_DEBOUNCE = 0.2
CAS_ATTEMPTS = 8


class _Bucket:
    """A token bucket: ``rate`` commands a second, bursts of ``burst``."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, now: float, rate: float = RATE_PER_SECOND, burst: float = 0.0) -> None:
        self.rate = rate
        self.burst = burst or rate
        self.tokens = self.burst
        self.last = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Lobby:
    """The owner of a workshop socket's peer: the command channel and nothing else."""

    def __init__(self, hub: CommandHub, workshop_id: str, room_id: str | None) -> None:
        self._hub = hub
        self.workshop_id = workshop_id
        self.room_id = room_id

    def receive(self, peer: Peer, data: bytes) -> None:
        """Commands go to the hub; board messages have no document here and are ignored."""
        message = parse_message(data)
        if isinstance(message, BoardMessage):
            self._hub.command(self.workshop_id, self.room_id, peer, message.body)

    def peer_changed(self, peer: Peer) -> None:
        """Nothing to rebuild: pushes go through ``Peer.send``."""

    def peer_closed(self, peer: Peer) -> None:
        """The hub forgets closed peers when it next pushes."""


def _room_of(peer: Peer) -> str | None:
    """The room a participant's socket speaks for: its board's, or its workshop socket's."""
    if isinstance(peer.owner, Room):
        return peer.owner.key.room_id
    if isinstance(peer.owner, Lobby):
        return peer.owner.room_id
    return None


def _workshop_of(peer: Peer) -> str | None:
    """The workshop a socket belongs to."""
    if isinstance(peer.owner, Room):
        return peer.owner.key.workshop_id
    if isinstance(peer.owner, Lobby):
        return peer.owner.workshop_id
    return None


class _FacilitatorNames(dict[str, str]):
    """Participant names by id; a facilitator voter ("facilitator:…") is "Facilitator"."""

    def __missing__(self, key: str) -> str:
        return "Facilitator" if key.startswith("facilitator:") else "Someone who left"


def _audit_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at, "actor": entry.actor, "actor_id": entry.actor_id,
        "action": entry.action, "room": entry.room, "detail": entry.detail,
    }  # fmt: skip


class CommandHub:
    """Commands, pushes and the control-state cache of one process."""

    def __init__(
        self,
        store: Store,
        bus: Bus,
        workshops: WorkshopService,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        public_url: str = "",
    ) -> None:
        self._public_url = public_url
        self._store = store
        self._bus = bus
        self._workshops = workshops
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._rooms: RoomRegistry | None = None
        self._controls: dict[str, tuple[int, Control]] = {}
        # Connections that said hello, per workshop, with the room they see
        # (a participant's own room) or None (every room).
        # Weak: a closed connection's entries go with it.
        self._listeners: dict[str, weakref.WeakKeyDictionary[Peer, str | None]] = {}
        self._buckets: weakref.WeakKeyDictionary[Peer, _Bucket] = weakref.WeakKeyDictionary()
        self._cast_buckets: weakref.WeakKeyDictionary[Peer, _Bucket] = weakref.WeakKeyDictionary()
        self._progress_due: set[tuple[str, str]] = set()
        self._tails: dict[Peer, asyncio.Task[None]] = {}
        self._online: Counter[tuple[str, str]] = Counter()
        self._people_due: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._drafting = Drafting(
            store, bus, self._live_listeners, self._spawn, clock=clock, rng=self._rng
        )
        self._activity = Activity(store, self._spawn, clock=clock)
        bus.subscribe(self._on_event)

    # Lifecycle.
    def serve(self, rooms: RoomRegistry) -> None:
        """Act on these rooms (locks, moves, spotlight) from now on."""
        self._rooms = rooms

    async def start(self) -> None:
        """Start refreshing the control state and renewing presence."""
        self._loops = [
            asyncio.create_task(self._refresh_loop(), name="control refresh"),
            asyncio.create_task(self._presence_loop(), name="presence renewal"),
        ]

    async def close(self) -> None:
        """Stop every task of the hub."""
        for task in [*self._loops, *self._tasks, *self._tails.values()]:
            task.cancel()
        pending = [*self._loops, *self._tasks, *self._tails.values()]
        if pending:
            await asyncio.wait(pending, timeout=2)

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def setup(
        self, workshop_id: str, *, anonymous: bool, agenda: tuple[Phase, ...] | None
    ) -> None:
        """Write a new workshop's first control state (its settings and agenda)."""
        control = Control(agenda=agenda or DEFAULT_AGENDA, anonymous=anonymous)
        if not await self._store.put_control(workshop_id, 0, control.to_bytes()):
            raise BoardError("exists", "That workshop already has its settings.")

    # What rooms and sockets ask.
    async def prepare(self, workshop_id: str) -> Control:
        """The workshop's control state, loaded once and then kept fresh by events."""
        cached = self._controls.get(workshop_id)
        if cached is None:
            stored = await self._store.get_control(workshop_id)
            cached = self._controls.get(workshop_id)  # another task may have won
            if cached is None:
                control = Control.from_bytes(stored.data) if stored else Control()
                cached = (stored.version if stored else 0, control)
                self._controls[workshop_id] = cached
        return cached[1]

    def in_spotlight(self, key: RoomKey) -> bool:
        """Whether this room is in the spotlight (``prepare`` first)."""
        cached = self._controls.get(key.workshop_id)
        return cached is not None and cached[1].spotlight == key.room_id

    def may_visit(self, workshop_id: str, home: str, room_id: str) -> bool:
        """Whether a participant seated in ``home`` may look at another room,
        read only: the room in the spotlight, or any room during the gallery
        walk of its own room (``prepare`` first)."""
        cached = self._controls.get(workshop_id)
        if cached is None:
            return False
        control = cached[1]
        return control.spotlight == room_id or gallery_open(control, home)

    def edited(self, room: Room) -> None:
        """The room's board changed here: its workshop is in use."""
        self._activity.seen(room.key.workshop_id)

    def forget(self, workshop_id: str, code: int, reason: str) -> list[asyncio.Task[None]]:
        """The workshop was deleted: close its sockets that said hello, and drop
        what this hub keeps of it. Returns its commands still running."""
        for peer in self._live_listeners(workshop_id):
            peer.close(code, reason)
        self._listeners.pop(workshop_id, None)
        self._controls.pop(workshop_id, None)
        for key in [key for key in self._online if key[0] == workshop_id]:
            del self._online[key]
        self._people_due.discard(workshop_id)
        self._progress_due = {due for due in self._progress_due if due[0] != workshop_id}
        self._activity.forget(workshop_id)
        return [task for peer, task in self._tails.items() if _workshop_of(peer) == workshop_id]

    def workshops_here(self) -> set[str]:
        """The workshops with a socket here that said hello."""
        return {workshop_id for workshop_id in self._listeners if self._live_listeners(workshop_id)}

    def refuses(self, room: Room, peer: Peer) -> bool:
        """Whether a board write from peer must be dropped: its room is locked."""
        if peer.session.role is Role.FACILITATOR:
            return False
        cached = self._controls.get(room.key.workshop_id)
        return cached is not None and cached[1].room(room.key.room_id).locked

    def observed(self, room: Room, wanted: dict[str, set[str]] | None) -> visibility.Board:
        """The room's board, or its ``wanted`` entries, as observers may see it
        (the rooms' ``Commands``): nothing until the workshop's control state
        is here."""
        cached = self._controls.get(room.key.workshop_id)
        if cached is None:
            return {}
        settings = cached[1].room(room.key.room_id)
        withheld = frozenset(settings.kept) | frozenset(settings.hidden)
        if wanted is None:
            return visibility.for_outside(visibility.board_of(room.doc), withheld)
        return visibility.entries_for_outside(room.doc, wanted, withheld)

    def lobby(self, workshop_id: str, room_id: str | None) -> Lobby:
        """The owner for a new workshop socket's peer."""
        return Lobby(self, workshop_id, room_id)

    def handle(self, room: Room, peer: Peer, body: bytes) -> None:
        """A command from a room socket (the rooms' ``Commands``)."""
        self.command(room.key.workshop_id, room.key.room_id, peer, body)

    # Requests.
    def command(self, workshop_id: str, room_id: str | None, peer: Peer, body: bytes) -> None:
        """Parse, rate-limit and queue one request; a connection's requests run in order.

        Raises ProtocolError (the connection closes with 4400) for a body with
        nothing to answer."""
        try:
            request = parse_request(body)
        except BadRequest as exc:
            peer.send(Frame(encode_error(exc.request_id, "invalid", exc.detail)))
            return
        now = time.monotonic()
        buckets = self._cast_buckets if request.cmd == "vote.cast" else self._buckets
        bucket = buckets.get(peer)
        if bucket is None:
            rate = (CAST_RATE_PER_SECOND, CAST_BURST) if buckets is self._cast_buckets else ()
            bucket = buckets[peer] = _Bucket(now, *rate)
        if not bucket.take(now):
            detail = "Too many commands at once; wait a moment."
            peer.send(Frame(encode_error(request.id, "rate_limited", detail)))
            return
        previous = self._tails.get(peer)
        task = asyncio.create_task(
            self._run(previous, workshop_id, room_id, peer, request), name=f"command {request.cmd}"
        )
        self._tails[peer] = task
        task.add_done_callback(lambda done: self._finished(peer, done))

    def _finished(self, peer: Peer, task: asyncio.Task[None]) -> None:
        if self._tails.get(peer) is task:
            del self._tails[peer]

    async def _run(
        self,
        previous: asyncio.Task[None] | None,
        workshop_id: str,
        room_id: str | None,
        peer: Peer,
        request: Request,
    ) -> None:
        if previous is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await previous
        try:
            result = await self._execute(workshop_id, room_id, peer, request)
        except BoardError as exc:
            frame = encode_error(request.id, exc.code, exc.detail)
        except StoreError as exc:
            logger.warning("command %s failed in the store: %s", request.cmd, exc)
            detail = "The server could not save that; try again."
            frame = encode_error(request.id, "conflict", detail)
        except Exception:
            logger.exception("command %s from %s failed", request.cmd, peer.label)
            frame = encode_error(request.id, "conflict", "The server could not do that.")
        else:
            frame = encode_reply(request.id, result)
        peer.send(Frame(frame))

    async def _execute(
        self, workshop_id: str, room_id: str | None, peer: Peer, request: Request
    ) -> dict[str, Any]:
        cmd, args = request.cmd, request.args
        workshop = await self._workshops.get(workshop_id)
        if workshop is None:
            raise BoardError("not_found", "This workshop no longer exists.")
        self._activity.seen(workshop_id)
        session = peer.session
        if cmd == "hello":
            version = args.get("v")
            if not isinstance(version, int) or isinstance(version, bool) or version != 1:
                raise BoardError("invalid", "This server speaks version 1: send {'v': 1}.")
            control = await self.prepare(workshop_id)
            peer.hello()
            scope = room_id if session.role is Role.PARTICIPANT else None
            listeners = self._listeners.setdefault(workshop_id, weakref.WeakKeyDictionary())
            listeners[peer] = scope
            # Its first list of who is here (after this reply, with the others').
            self._people_soon(workshop_id)
            return {
                "v": 1,
                "server_time": self._clock(),
                "you": {"role": session.role.value, "participant": session.participant_id,
                        "room": room_id},
                # The address tablets open: what join cards and the wall print.
                "public_url": self._public_url,
                "state": self._state(
                    workshop, control, scope, outside=session.role is Role.OBSERVER
                ),
            }  # fmt: skip
        if not session.commands:
            raise BoardError("invalid", "Say hello first.")
        if cmd == "state":
            scope = self._live_listeners(workshop_id).get(peer)
            control = await self.prepare(workshop_id)
            outside = session.role is Role.OBSERVER
            return {"state": self._state(workshop, control, scope, outside=outside)}
        # A view of another room (spotlight, gallery walk) votes, drafts and
        # builds on for the room where the participant's seat is.
        acting = peer.session.home if peer.session.spectator else room_id
        if cmd in VOTE_COMMANDS:
            return await self._voting(workshop, acting, peer, cmd, args)
        if cmd == "buildon.add":
            return await self._buildon(workshop, acting, peer, args)
        if cmd in DRAFT_COMMANDS or (
            cmd == "note.keep_in_room" and session.role is Role.PARTICIPANT
        ):
            # A participant marks its own draft (the facilitator, any note).
            control = await self.prepare(workshop_id)
            return await self._drafting.command(workshop, control, acting, peer, cmd, args)
        if cmd not in FACILITATOR_COMMANDS:
            raise BoardError("invalid", f"Unknown command '{cmd[:40]}'.")
        if session.role is not Role.FACILITATOR:
            raise BoardError("forbidden", "Only the facilitator can do that.")
        actor = session.holder_id
        if cmd in CONTROL_COMMANDS:
            if cmd == "vote.open":
                args = {**args, "id": secrets.token_urlsafe(6)}
            control = await self._change(workshop, actor, cmd, args)
            if cmd in ("vote.close", "vote.reveal"):
                await self._close_votes(workshop.id, control)
            if cmd == "private.reveal":
                return await self._reveal(workshop, actor, control, args.get("room"))
            return {"state": self._state(workshop, control, None)}
        if cmd == "drafts.count":
            return {"rooms": await self._drafting.counts(workshop)}
        if cmd in ("note.hide", "note.restore"):
            return await self._moderate(workshop, actor, cmd, args)
        if cmd == "bin.list":
            return {"notes": [moderation.wire(e) for e in await self._store.bin_list(workshop_id)]}
        if cmd == "people":
            return {"people": await self._people(workshop)}
        if cmd == "audit.list":
            limit = args.get("limit", 100)
            if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 500:
                raise BoardError("invalid", "'limit' must be 1 to 500.")
            entries = await self._store.list_audit(workshop_id, limit)
            return {"entries": [_audit_dict(e) for e in entries]}
        if cmd == "participant.move":
            return await self._move(workshop, actor, args)
        if cmd == "rooms.shuffle":
            return await self._shuffle(workshop, actor)
        return await self._remove(workshop, actor, args)

    async def _buildon(
        self, workshop: Workshop, room_id: str | None, peer: Peer, args: dict[str, Any]
    ) -> dict[str, Any]:
        """A participant's build-on, written by the server into the visited room's lane."""
        home = workshop.room(room_id) if room_id is not None else None
        if peer.session.role is not Role.PARTICIPANT or home is None:
            raise BoardError("forbidden", "Build-ons are for the people in a room.")
        control = await self.prepare(workshop.id)
        if not gallery_open(control, home.id):
            raise BoardError("conflict", "The gallery walk is not on: the other boards are closed.")
        visited, text = gallery.parse(workshop, home.id, args)
        if control.room(visited.id).locked:
            raise BoardError("conflict", f"{visited.name} is paused: build on it later.")
        if self._rooms is None:
            raise BoardError("conflict", "This server holds no boards.")
        room = await self._rooms.acquire(RoomKey(workshop.id, visited.id))
        try:
            now_ms = round(self._clock() * 1000)
            update, buildon = gallery.buildon_update(
                room.doc.get_update(), text, home, now_ms=now_ms, rng=self._rng
            )
            await room.write(update)
        finally:
            self._rooms.release(room)
        return {"buildon": buildon}

    async def _reveal(
        self, workshop: Workshop, actor: str, control: Control, room_id: str | None
    ) -> dict[str, Any]:
        """Private mode is off (the control state says so): put the drafts on the boards."""
        if self._rooms is None:
            raise BoardError("conflict", "This server holds no boards.")
        targets = [room_id] if room_id is not None else [r.id for r in workshop.rooms]

        async def keep(room: str, notes: list[str]) -> None:
            await self._change(workshop, actor, "notes.keep", {"room": room, "notes": notes})

        try:
            revealed = await self._drafting.reveal(workshop, control, targets, self._rooms, keep)
        except StoreError as exc:
            logger.warning("reveal in workshop %s failed in the store: %s", workshop.id, exc)
            detail = "The notes could not all be put on the boards; reveal again."
            raise BoardError("conflict", detail) from None
        return {"revealed": revealed, "state": self._state(workshop, control, None)}

    def _state(
        self, workshop: Workshop, control: Control, scope: str | None, *, outside: bool = False
    ) -> dict[str, Any]:
        """STATE for a scope; ``outside`` (an observer) leaves out the join
        code and which notes stay in the room."""
        version = self._controls.get(workshop.id, (0, control))[0]
        state = view(control, workshop, room=scope, version=version)
        state["server_time"] = self._clock()
        if outside:
            del state["workshop"]["join_code"]
            for room in state["rooms"].values():
                del room["kept"]
        return state

    # Control state.
    async def _change(
        self, workshop: Workshop, actor: str, cmd: str, args: dict[str, Any]
    ) -> Control:
        for _ in range(CAS_ATTEMPTS):
            stored = await self._store.get_control(workshop.id)
            version = stored.version if stored else 0
            control = Control.from_bytes(stored.data) if stored else Control()
            now = self._clock()
            outcome = execute(control, workshop, cmd, args, now)
            entry = AuditEntry(now, "facilitator", actor, cmd, outcome.room, outcome.detail)
            data = outcome.control.to_bytes()
            if await self._store.put_control(workshop.id, version, data, entry):
                # Here at once (the reply shows it); the event tells everyone else.
                self._adopt(workshop.id, version + 1, outcome.control)
                await self._announce(workshop.id, version + 1, data, entry)
                return outcome.control
        raise BoardError("conflict", "Another change came first; try again.")

    async def _audit_only(
        self, workshop: Workshop, actor: str, action: str, detail: str, room: str | None = None
    ) -> None:
        """Keep an audit entry for an action that changes seats, not the control state."""
        for _ in range(CAS_ATTEMPTS):
            stored = await self._store.get_control(workshop.id)
            version = stored.version if stored else 0
            data = stored.data if stored else Control().to_bytes()
            entry = AuditEntry(self._clock(), "facilitator", actor, action, room, detail)
            if await self._store.put_control(workshop.id, version, data, entry):
                # Here at once, as for a control command: a `state` asked
                # right after the reply shows the new version.
                self._adopt(workshop.id, version + 1, Control.from_bytes(data))
                await self._announce(workshop.id, version + 1, data, entry)
                return
        logger.warning(
            "no audit entry for %s in workshop %s: the control state kept changing",
            action,
            workshop.id,
        )

    async def _announce(
        self, workshop_id: str, version: int, data: bytes, entry: AuditEntry | None
    ) -> None:
        payload: dict[str, Any] = {"version": version, "control": data}
        if entry is not None:
            payload["audit"] = _audit_dict(entry)
        await self._bus.publish_event(WorkshopEvent(workshop_id, CONTROL, payload))

    def _adopt(self, workshop_id: str, version: int, control: Control) -> None:
        cached = self._controls.get(workshop_id)
        if cached is not None and cached[0] >= version:
            return
        self._controls[workshop_id] = (version, control)
        old = cached[1] if cached else Control()
        self._spawn(self._push_state(workshop_id, control), f"push state {workshop_id}")
        for room in self._local_rooms(workshop_id):
            was, now_locked = old.room(room.key.room_id).locked, control.room(room.key.room_id)
            if was and not now_locked.locked:
                room.resync_refused()
        self._end_visits(workshop_id, old, control)
        for room in self._local_rooms(workshop_id):
            earlier, later = old.room(room.key.room_id), control.room(room.key.room_id)
            if earlier.kept != later.kept or earlier.hidden != later.hidden:
                room.project_soon()
        for room_id, vote in control.votes.items():
            before = old.votes.get(room_id)
            if vote.state == "revealed" and (before is None or before != vote):
                self._spawn(self._push_results(workshop_id, room_id, vote), f"results {vote.id}")

    async def _push_state(self, workshop_id: str, control: Control) -> None:
        listeners = self._live_listeners(workshop_id)
        if not listeners:
            return
        workshop = await self._workshops.get(workshop_id)
        if workshop is None:
            return
        frames: dict[tuple[str | None, bool], Frame] = {}
        for peer, scope in listeners.items():
            outside = peer.session.role is Role.OBSERVER
            frame = frames.get((scope, outside))
            if frame is None:
                frame = frames[(scope, outside)] = Frame(
                    encode_push("state", self._state(workshop, control, scope, outside=outside))
                )
            peer.send(frame)

    def _live_listeners(self, workshop_id: str) -> dict[Peer, str | None]:
        listeners = self._listeners.get(workshop_id)
        if listeners is None:
            return {}
        for peer in [p for p in listeners if p.state is not PeerState.OPEN]:
            del listeners[peer]
        return dict(listeners)

    def _push(self, workshop_id: str, event: str, data: dict[str, Any], *, role: Role) -> None:
        frame: Frame | None = None
        for peer in self._live_listeners(workshop_id):
            if peer.session.role is role:
                frame = frame or Frame(encode_push(event, data))
                peer.send(frame)

    # Events from every process, this one's included.
    def _on_event(self, event: WorkshopEvent) -> None:
        data = event.data
        if event.kind == CONTROL:
            control = Control.from_bytes(data["control"])
            self._adopt(event.workshop_id, int(data["version"]), control)
            audit = data.get("audit")
            if isinstance(audit, dict):
                self._push(event.workshop_id, "audit", audit, role=Role.FACILITATOR)
        elif event.kind == PEOPLE:
            self._people_soon(event.workshop_id)
        elif event.kind in (MINE, COUNT):
            self._drafting.on_event(event, self._workshops.cached(event.workshop_id))
        elif event.kind == moderation.BIN:
            self._spawn(self._push_bin(event.workshop_id), f"push bin {event.workshop_id}")
        elif event.kind == VOTE_PROGRESS:
            self._push(event.workshop_id, VOTE_PROGRESS, data, role=Role.FACILITATOR)
        elif event.kind == MOVED:
            self._moved_here(event.workshop_id, str(data["participant"]), str(data["room"]))
            self._people_soon(event.workshop_id)
        elif event.kind == REMOVED:
            self._removed_here(event.workshop_id, str(data["participant"]))
            self._people_soon(event.workshop_id)
        elif event.kind == PARTICIPANT_LEFT:
            # The registry closes the boards; the workshop sockets are here.
            for peer in self._live_listeners(event.workshop_id):
                if peer.session.participant_id == data.get("participant"):
                    peer.close(Close.UNAUTHORIZED, "You left the workshop.")

    def _local_rooms(self, workshop_id: str) -> list[Room]:
        if self._rooms is None:
            return []
        return [room for key, room in self._rooms.rooms.items() if key.workshop_id == workshop_id]

    def _end_visits(self, workshop_id: str, old: Control, control: Control) -> None:
        """Close the views of other rooms that the control state no longer allows."""
        for room in self._local_rooms(workshop_id):
            if room.key.room_id == control.spotlight:
                continue
            for peer in list(room.peers):
                home = peer.session.home
                if not peer.session.spectator or home is None or gallery_open(control, home):
                    continue
                ended = "gallery walk" if gallery_open(old, home) else "spotlight"
                peer.close(Close.FORBIDDEN, f"The {ended} has ended.")

    # Moderation.
    async def _moderate(
        self, workshop: Workshop, actor: str, cmd: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        """note.hide and note.restore: the note to the bin and off the board, or back."""
        room_id = args.get("room")
        info = workshop.room(room_id) if isinstance(room_id, str) else None
        if info is None:
            raise BoardError("not_found", "Say which room: 'room'.")
        note = note_id(args)
        if self._rooms is None:
            raise BoardError("conflict", "This server holds no boards.")
        room = await self._rooms.acquire(RoomKey(workshop.id, info.id))
        try:
            if cmd == "note.hide":
                await self._hide(workshop, actor, room, note, args)
            else:
                await self._restore(workshop, actor, room, note, args)
        finally:
            self._rooms.release(room)
        await self._bus.publish_event(WorkshopEvent(workshop.id, moderation.BIN))
        return {"note": note}

    async def _hide(
        self, workshop: Workshop, actor: str, room: Room, note: str, args: dict[str, Any]
    ) -> None:
        # The bin first, so that the note is never nowhere; then the list of
        # hidden notes (observers and exports drop it at once), then the board.
        fields = moderation.note_fields(room.doc.get_update(), note)
        if fields is None:
            raise BoardError("not_found", "That note is not on the board.")
        entry = BinEntry(room.key.room_id, note, self._clock(), moderation.pack(fields))
        await self._store.bin_put(workshop.id, entry)
        await self._change(workshop, actor, "note.hide", args)
        update = moderation.hide_update(room.doc.get_update(), note, self._rng)
        if update:
            await room.write(update)
        # Compacting folds the deletion into the snapshot, and Yjs keeps no
        # content of a deleted item: the text leaves the stored document.
        # Redis keeps the newest entries of a room's log for a while
        # (log_grace), so a second compaction follows them.
        await room.compact(scrub=True)
        grace = self._store.log_grace
        if grace > 0:
            self._spawn(self._compact_later(room.key, grace + 1.0), f"scrub {room.key}")

    async def _compact_later(self, key: RoomKey, delay: float) -> None:
        """Compact the room once the log's grace has passed, loading it again
        if it was unloaded meanwhile (its unload kept the young entries)."""
        await asyncio.sleep(delay)
        if self._rooms is None:
            return
        try:
            room = await self._rooms.acquire(key)
        except BoardError:
            return  # the workshop was deleted meanwhile: nothing of it is left
        except Exception as exc:  # a store outage: the next compaction scrubs it
            logger.warning("room %s: not compacted after a hide: %s", key, exc)
            return
        try:
            await room.compact(scrub=True)
        finally:
            self._rooms.release(room)

    async def _restore(
        self, workshop: Workshop, actor: str, room: Room, note: str, args: dict[str, Any]
    ) -> None:
        entry = await self._store.bin_take(workshop.id, room.key.room_id, note)
        if entry is None:
            raise BoardError("not_found", "That note is not in the bin.")
        try:
            fields = moderation.unpack(entry.body)
            update = moderation.restore_update(room.doc.get_update(), note, fields, self._rng)
            if update:
                await room.write(update)
        except BaseException:
            await self._store.bin_put(workshop.id, entry)  # nothing is lost
            raise
        await self._change(workshop, actor, "note.restore", args)

    async def _push_bin(self, workshop_id: str) -> None:
        """The bin, to this process's facilitators (after a hide or a restore)."""
        peers = [p for p in self._live_listeners(workshop_id) if p.session.role is Role.FACILITATOR]
        if not peers:
            return
        entries = await self._store.bin_list(workshop_id)
        frame = Frame(encode_push(moderation.BIN, {"notes": [moderation.wire(e) for e in entries]}))
        for peer in peers:
            peer.send(frame)

    # Votes.
    async def _voting(
        self, workshop: Workshop, room_id: str | None, peer: Peer, cmd: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        """vote.cast, vote.mine (the caller's ballot) and vote.results (after reveal)."""
        session = peer.session
        control = await self.prepare(workshop.id)
        if session.role is Role.PARTICIPANT:
            if args.get("room", room_id) != room_id or room_id is None:
                raise BoardError("forbidden", "You can vote only in your own room.")
            target: str = room_id
            voter = session.participant_id
        else:
            asked = args.get("room", room_id)
            if not isinstance(asked, str) or workshop.room(asked) is None:
                raise BoardError("invalid", "Say which room: 'room'.")
            target = asked
            voter = f"facilitator:{session.holder_id}" if session.role is Role.FACILITATOR else None
        vote = control.votes.get(target)
        if cmd == "vote.results":
            if vote is None or vote.state != "revealed":
                raise BoardError("conflict", "The results are not revealed yet.")
            hide = session.role is Role.OBSERVER or vote.anonymous
            names = None if hide else await self._names(workshop.id)
            return results(target, vote, await self._tally(workshop.id, vote), names)
        if session.role is Role.FACILITATOR and (vote is None or not vote.facilitator):
            voter = None
        if voter is None:
            raise BoardError("forbidden", "Only the people in the room vote here.")
        if vote is None:
            raise BoardError("conflict", "There is no vote in this room.")
        key = VoteKey(workshop.id, vote.id)
        if cmd == "vote.mine":
            ballot = await self._store.get_ballot(key, voter)
            return {"room": target, "vote": vote.id, "ballot": ballot, "left": left(vote, ballot)}
        if vote.state != "open":
            raise BoardError("conflict", "This vote is closed.")
        item, amount = parse_cast(args)
        if item not in await self._items(RoomKey(workshop.id, target), vote.items):
            what = "note" if vote.items == "notes" else "group"
            raise BoardError("not_found", f"There is no such {what} on this board.")
        cast = await self._store.cast_vote(key, voter, item, amount, vote.rules())
        if cast.refused is not None:
            raise refusal(cast.refused)
        self._progress_soon(workshop.id, target)
        ballot = cast.ballot
        return {"room": target, "vote": vote.id, "ballot": ballot, "left": left(vote, ballot)}

    async def _items(self, key: RoomKey, kind: str) -> set[str]:
        """The ids of the room's notes (or groups), from its board as loaded here;
        as stored, if no board of the room is open on this process."""
        room = self._rooms.rooms.get(key) if self._rooms is not None else None
        doc = room.doc if room is not None else doc_from_stored(await self._store.load_doc(key))
        return set(doc.get("notes" if kind == "notes" else "clusters", type=Map).keys())

    async def _close_votes(self, workshop_id: str, control: Control) -> None:
        """Freeze the tally of every vote the control state no longer has open
        (idempotent: a vote closed before returns its tally again)."""
        for vote in control.votes.values():
            if vote.state != "open":
                key = VoteKey(workshop_id, vote.id)
                await self._store.close_vote(key, vote.mode, named=not vote.anonymous)

    async def _tally(self, workshop_id: str, vote: VoteSession) -> Tally:
        """A vote past "open": its tally, closing it in the store first if the
        close that the control state records did not reach the store."""
        key = VoteKey(workshop_id, vote.id)
        named = not vote.anonymous
        return await self._store.get_tally(key) or await self._store.close_vote(
            key, vote.mode, named=named
        )

    async def _names(self, workshop_id: str) -> dict[str, str]:
        """Who a named vote's voter ids are: participants by name; a
        facilitator who voted as "Facilitator"."""
        names = {p.id: p.name for p in await self._store.list_participants(workshop_id)}
        return _FacilitatorNames(names)

    async def _push_results(self, workshop_id: str, room_id: str, vote: VoteSession) -> None:
        """A revealed vote's ranked results, to everyone who sees the room; a
        named vote's names to all of them but observers."""
        tally = await self._tally(workshop_id, vote)
        names = await self._names(workshop_id) if tally.named else None
        named = Frame(encode_push("vote.results", results(room_id, vote, tally, names)))
        plain = (
            Frame(encode_push("vote.results", results(room_id, vote, tally))) if names else named
        )
        for peer, scope in self._live_listeners(workshop_id).items():
            if scope is None or scope == room_id:
                peer.send(plain if peer.session.role is Role.OBSERVER else named)

    def _progress_soon(self, workshop_id: str, room_id: str) -> None:
        if (workshop_id, room_id) in self._progress_due:
            return
        self._progress_due.add((workshop_id, room_id))
        self._spawn(self._send_progress(workshop_id, room_id), f"progress {room_id}")

    async def _send_progress(self, workshop_id: str, room_id: str) -> None:
        """How many in the room have voted, and who has not, to the facilitators
        of every process: names only, never what anyone gave."""
        try:
            await asyncio.sleep(PEOPLE_DEBOUNCE)
        finally:
            self._progress_due.discard((workshop_id, room_id))
        workshop = await self._workshops.get(workshop_id)
        vote = (await self.prepare(workshop_id)).votes.get(room_id)
        if workshop is None or vote is None:
            return
        voters = await self._store.vote_voters(VoteKey(workshop_id, vote.id))
        seated = [p for p in await self._workshops.seated(workshop) if p.room_id == room_id]
        waiting = sorted(p.name for p in seated if p.id not in voters)
        data = {
            "room": room_id, "vote": vote.id, "voted": len(voters), "of": len(seated),
            "waiting": waiting,
        }  # fmt: skip
        await self._bus.publish_event(WorkshopEvent(workshop_id, VOTE_PROGRESS, data))

    # Breakouts.
    async def _seated(self, workshop: Workshop, args: dict[str, Any]) -> Any:
        participant_id = args.get("participant")
        if not isinstance(participant_id, str):
            raise BoardError("invalid", "Say who: 'participant'.")
        participant = await self._store.get_participant(workshop.id, participant_id)
        if participant is None or participant.left is not None:
            raise BoardError("not_found", "That participant is not in the workshop.")
        return participant

    async def _move(self, workshop: Workshop, actor: str, args: dict[str, Any]) -> dict[str, Any]:
        participant = await self._seated(workshop, args)
        room_id = args.get("room")
        room = workshop.room(room_id) if isinstance(room_id, str) else None
        if room is None:
            raise BoardError("not_found", "There is no such room.")
        if participant.room_id != room.id:
            await self._workshops.move(participant, room.id)
            await self._bus.publish_event(
                WorkshopEvent(workshop.id, MOVED, {"participant": participant.id, "room": room.id})
            )
            detail = f"{participant.name} to {room.name}"
            await self._audit_only(workshop, actor, "participant.move", detail, room.id)
        return {"participant": participant.id, "room": room.id}

    async def _shuffle(self, workshop: Workshop, actor: str) -> dict[str, Any]:
        seated = await self._workshops.seated(workshop)
        plan = shuffle_plan(seated, [r.id for r in workshop.rooms], self._rng)
        moved = 0
        for participant in seated:
            target = plan[participant.id]
            if target == participant.room_id:
                continue
            await self._workshops.move(participant, target)
            moved += 1
            await self._bus.publish_event(
                WorkshopEvent(workshop.id, MOVED, {"participant": participant.id, "room": target})
            )
        sizes = Counter(plan.values())
        moved_text = "1 person moved" if moved == 1 else f"{moved} people moved"
        await self._audit_only(workshop, actor, "rooms.shuffle", moved_text)
        return {"moved": moved, "sizes": {r.id: sizes.get(r.id, 0) for r in workshop.rooms}}

    async def _remove(self, workshop: Workshop, actor: str, args: dict[str, Any]) -> dict[str, Any]:
        participant = await self._seated(workshop, args)
        left_room = participant.room_id
        await self._store.leave(workshop.id, participant.id, self._clock())
        await self._bus.publish_event(
            WorkshopEvent(workshop.id, REMOVED, {"participant": participant.id})
        )
        await self._audit_only(workshop, actor, "participant.remove", participant.name, left_room)
        return {}

    def _participant_peers(self, workshop_id: str, participant_id: str) -> list[Peer]:
        peers = [
            peer
            for room in self._local_rooms(workshop_id)
            for peer in room.peers
            if peer.session.participant_id == participant_id
        ]
        for peer in self._live_listeners(workshop_id):
            if peer.session.participant_id == participant_id and peer not in peers:
                peers.append(peer)
        return peers

    def _moved_here(self, workshop_id: str, participant_id: str, room_id: str) -> None:
        peers = self._participant_peers(workshop_id, participant_id)
        if not peers:
            return
        workshop = self._workshops.cached(workshop_id)
        room = workshop.room(room_id) if workshop else None
        if room is None:
            return
        token = self._workshops.participant_token(workshop_id, participant_id, room_id)
        frame = Frame(encode_push("moved", {"room": room_id, "name": room.name, "token": token}))
        listeners = self._listeners.get(workshop_id, weakref.WeakKeyDictionary())
        for peer in peers:
            if _room_of(peer) == room_id:
                continue  # already there: told before, or opened with the new token
            if peer.session.commands:
                peer.send(frame)
            if isinstance(peer.owner, Lobby):
                # The workshop socket stays open and now speaks for the new room.
                peer.owner.room_id = room_id
                if peer in listeners:
                    listeners[peer] = room_id
            elif isinstance(peer.owner, Room) and peer.owner.key.room_id != room_id:
                peer.close(Close.FORBIDDEN, "You have moved to another room.")

    async def _reconcile(self, workshop_id: str) -> None:
        """Seats as the store has them. A move or a removal reaches other
        processes as a bus event, and Redis pub/sub may drop one: then this
        process's sockets of that person follow within REFRESH_SECONDS."""
        peers = [
            peer
            for room in self._local_rooms(workshop_id)
            for peer in room.peers
            if peer.session.participant_id is not None and not peer.session.spectator
        ]
        peers += [
            peer
            for peer in self._live_listeners(workshop_id)
            if peer.session.participant_id is not None and isinstance(peer.owner, Lobby)
        ]
        if not peers:
            return
        everyone = await self._store.list_participants(workshop_id)
        seats = {p.id: p.room_id for p in everyone if p.left is None}
        removed: set[str] = set()
        moved: dict[str, str] = {}
        for peer in peers:
            participant_id = peer.session.participant_id
            assert participant_id is not None
            room_id = seats.get(participant_id)
            if room_id is None:
                removed.add(participant_id)
            elif _room_of(peer) != room_id:
                moved[participant_id] = room_id
        for participant_id in removed:
            self._removed_here(workshop_id, participant_id)
        for participant_id, room_id in moved.items():
            self._moved_here(workshop_id, participant_id, room_id)

    def _removed_here(self, workshop_id: str, participant_id: str) -> None:
        frame = Frame(encode_push("removed", {}))
        for peer in self._participant_peers(workshop_id, participant_id):
            if peer.session.commands:
                peer.send(frame)
            peer.close(Close.UNAUTHORIZED, "The facilitator has taken you out of this workshop.")

    # People and presence.
    async def _people(self, workshop: Workshop) -> list[dict[str, Any]]:
        seated = await self._workshops.seated(workshop)
        online = await self._store.online(workshop.id, self._clock())
        return people_list(workshop, seated, online)

    def _people_soon(self, workshop_id: str) -> None:
        if workshop_id in self._people_due:
            return
        listening = {p.session.role for p in self._live_listeners(workshop_id)}
        if listening.isdisjoint({Role.FACILITATOR, Role.PARTICIPANT, Role.VIEWER}):
            return
        self._people_due.add(workshop_id)
        self._spawn(self._push_people(workshop_id), f"push people {workshop_id}")

    async def _push_people(self, workshop_id: str) -> None:
        try:
            await asyncio.sleep(PEOPLE_DEBOUNCE)
        finally:
            self._people_due.discard(workshop_id)
        workshop = await self._workshops.get(workshop_id)
        if workshop is not None:
            people = await self._people(workshop)
            self._push(workshop_id, "people", {"people": people}, role=Role.FACILITATOR)
            self._push_here(workshop_id, people)

    def _push_here(self, workshop_id: str, people: list[dict[str, Any]]) -> None:
        """Who is here, for the tablets' list: a participant gets the names of
        who is online in its room, a viewer in every room; no ids, and nothing
        for observers. Tablets never send names in awareness, whose client id
        also marks their edits (docs/protocol.md)."""
        here = [
            {"name": p["name"], "room": p["room"], "online": True} for p in people if p["online"]
        ]
        frames: dict[str | None, Frame] = {}
        for peer, scope in self._live_listeners(workshop_id).items():
            role = peer.session.role
            if role is Role.VIEWER:
                scope = None
            elif role is not Role.PARTICIPANT or scope is None:
                continue
            frame = frames.get(scope)
            if frame is None:
                shown = [p for p in here if scope is None or p["room"] == scope]
                frame = frames[scope] = Frame(encode_push("people", {"people": shown}))
            peer.send(frame)

    async def people_changed(self, workshop_id: str) -> None:
        """Someone joined or left: every process's facilitators get the new list."""
        self._activity.seen(workshop_id)
        await self._bus.publish_event(WorkshopEvent(workshop_id, PEOPLE))

    def connected(self, workshop_id: str, participant_id: str) -> None:
        """A board of this participant opened here: online, on every process."""
        key = (workshop_id, participant_id)
        self._online[key] += 1
        if self._online[key] == 1:
            until = self._clock() + PRESENCE_TTL
            self._spawn(self._touch(workshop_id, participant_id, until), "presence")

    def disconnected(self, workshop_id: str, participant_id: str) -> None:
        """A board of this participant closed here: offline once none is left."""
        key = (workshop_id, participant_id)
        if key not in self._online:
            return  # its workshop was deleted (forget): nothing to record
        self._online[key] -= 1
        if self._online[key] <= 0:
            del self._online[key]
            self._spawn(self._touch(workshop_id, participant_id, self._clock()), "presence")

    async def _touch(self, workshop_id: str, participant_id: str, until: float) -> None:
        try:
            await self._store.touch_presence(workshop_id, [participant_id], until)
            await self.people_changed(workshop_id)
        except Exception as exc:  # a store or bus outage: presence heals on renewal
            logger.warning("presence of one participant not recorded: %s", exc)

    async def _presence_loop(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_SECONDS)
            by_workshop: dict[str, list[str]] = {}
            for workshop_id, participant_id in self._online:
                by_workshop.setdefault(workshop_id, []).append(participant_id)
            until = self._clock() + PRESENCE_TTL
            for workshop_id, ids in by_workshop.items():
                try:
                    await self._store.touch_presence(workshop_id, ids, until)
                except Exception as exc:  # a store outage: the next round renews it
                    logger.warning("presence not renewed: %s", exc)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            for workshop_id in list(self._controls):
                if not self._live_listeners(workshop_id) and not self._local_rooms(workshop_id):
                    continue
                try:
                    stored = await self._store.get_control(workshop_id)
                except Exception as exc:  # a store outage: the next round tries again
                    logger.warning("control state not refreshed: %s", exc)
                    continue
                if stored is not None:
                    self._adopt(workshop_id, stored.version, Control.from_bytes(stored.data))
                try:
                    await self._reconcile(workshop_id)
                except Exception as exc:
                    logger.warning("seats not reconciled in workshop %s: %s", workshop_id, exc)
