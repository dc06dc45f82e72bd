"""A workshop's control state and the facilitator's commands on it, as pure functions.

``Control`` holds the agenda, each room's phase, prompt, lock and timer,
the banner and the spotlight. ``execute`` applies one command to it and
returns the new state, or raises ``BoardError`` and changes nothing; no
I/O, so unit tests drive it without sockets. ``CommandHub`` stores the
result (compare-and-set, with an audit entry) and pushes it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import msgpack

from board_server.errors import BoardError
from board_server.model import SCALE_TOP, VOTE_MODES, VoteRules, Workshop
from board_server.workshop.timer import MAX_SECONDS, STOPPED, Timer

ACTIONS = ("notes", "groups", "map", "vote", "gallery", "plan")
ICONS = ("wave", "bulb", "groups", "map", "vote", "walk", "clipboard", "mirror", "coffee", "star")
MAX_PHASES = 20
MAX_PROMPT = 300
MAX_BANNER = 200
_PHASE_ID = re.compile(r"[a-z0-9-]{1,24}")
_VOTE_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class Phase:
    """One step of the agenda and the tablet actions it opens."""

    id: str
    title: str
    icon: str = "star"
    minutes: int | None = None
    open: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "id": self.id, "title": self.title, "icon": self.icon,
            "minutes": self.minutes, "open": list(self.open),
        }  # fmt: skip


DEFAULT_AGENDA = (
    Phase("welcome", "Welcome", "wave"),
    Phase("ideate", "Ideas", "bulb", None, ("notes",)),
    Phase("cluster", "Group the ideas", "groups", None, ("notes", "groups")),
    Phase("map", "Causes and effects", "map", None, ("map",)),
    Phase("vote", "Vote", "vote", None, ("vote",)),
    Phase("gallery", "Gallery walk", "walk", None, ("gallery",)),
    Phase("plan", "Plan actions", "clipboard", None, ("notes", "plan")),
    Phase("reflect", "Look back", "mirror", None, ("notes",)),
)


@dataclass(frozen=True)
class RoomControl:
    """What the facilitator has set for one room."""

    phase: str | None = None
    prompt: str = ""
    locked: bool = False
    timer: Timer = STOPPED
    private: bool = False
    """Private mode: the room's participants write drafts that only they see."""
    kept: tuple[str, ...] = ()
    """Ids of notes that stay in the room: never sent to observers or exported."""
    hidden: tuple[str, ...] = ()
    """Ids of notes the facilitator hid (their content is in the bin)."""


VOTE_STATES = ("open", "closed", "revealed")
VOTE_ITEMS = ("notes", "groups")
MAX_VOTE_BUDGET = 1_000_000
MAX_UNIT = 12
MAX_PAST_VOTES = 50


@dataclass(frozen=True)
class VoteSession:
    """A vote in one room: its rules, and where it stands. The ballots and the
    tally are in the store (``VoteStore``), under ``id``."""

    id: str
    mode: str
    budget: int
    cap: int
    unit: str = ""
    items: str = "notes"
    anonymous: bool = True
    facilitator: bool = False
    state: str = "open"

    def rules(self) -> VoteRules:
        """What one cast may do."""
        return VoteRules(self.mode, self.budget, self.cap)

    def as_dict(self) -> dict[str, Any]:
        """The wire and stored form."""
        return {
            "id": self.id, "mode": self.mode, "budget": self.budget, "cap": self.cap,
            "unit": self.unit, "items": self.items, "anonymous": self.anonymous,
            "facilitator": self.facilitator, "state": self.state,
        }  # fmt: skip

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> VoteSession:
        return VoteSession(
            raw["id"], raw["mode"], raw["budget"], raw["cap"], raw["unit"], raw["items"],
            raw["anonymous"], raw["facilitator"], raw["state"],
        )  # fmt: skip


@dataclass(frozen=True)
class Control:
    """A workshop's control state. ``rooms`` has an entry for every room."""

    agenda: tuple[Phase, ...] = DEFAULT_AGENDA
    rooms: dict[str, RoomControl] = field(default_factory=dict)
    banner: str = ""
    spotlight: str | None = None
    anonymous: bool = True
    votes: dict[str, VoteSession] = field(default_factory=dict)
    """Each room's latest vote (only rooms that had one)."""
    past_votes: dict[str, tuple[VoteSession, ...]] = field(default_factory=dict)
    """Each room's earlier votes, oldest first, for the exports."""

    def room(self, room_id: str) -> RoomControl:
        """The room's settings (defaults for a room never set)."""
        return self.rooms.get(room_id) or RoomControl()

    def phase(self, phase_id: str | None) -> Phase | None:
        """The agenda's phase with this id, or None."""
        return next((p for p in self.agenda if p.id == phase_id), None)

    def to_bytes(self) -> bytes:
        """The stored form (msgpack)."""
        data: bytes = msgpack.packb(
            {
                "agenda": [p.as_dict() for p in self.agenda],
                "rooms": {
                    rid: {"phase": r.phase, "prompt": r.prompt, "locked": r.locked,
                          "timer": r.timer.as_dict(), "private": r.private,
                          "kept": list(r.kept), "hidden": list(r.hidden)}
                    for rid, r in self.rooms.items()
                },
                "banner": self.banner,
                "spotlight": self.spotlight,
                "anonymous": self.anonymous,
                "votes": {rid: v.as_dict() for rid, v in self.votes.items()},
                "past_votes": {
                    rid: [v.as_dict() for v in past] for rid, past in self.past_votes.items()
                },
            }
        )  # fmt: skip
        return data

    @staticmethod
    def from_bytes(data: bytes) -> Control:
        """Read the stored form."""
        raw = msgpack.unpackb(data)
        agenda = tuple(
            Phase(p["id"], p["title"], p["icon"], p["minutes"], tuple(p["open"]))
            for p in raw["agenda"]
        )
        rooms = {
            rid: RoomControl(
                r["phase"],
                r["prompt"],
                r["locked"],
                Timer.from_dict(r["timer"]),
                r.get("private", False),
                tuple(r.get("kept", ())),
                tuple(r.get("hidden", ())),
            )
            for rid, r in raw["rooms"].items()
        }
        votes = {rid: VoteSession.from_dict(v) for rid, v in raw.get("votes", {}).items()}
        past = {
            rid: tuple(VoteSession.from_dict(v) for v in earlier)
            for rid, earlier in raw.get("past_votes", {}).items()
        }
        return Control(
            agenda, rooms, raw["banner"], raw["spotlight"], raw["anonymous"], votes, past
        )


@dataclass(frozen=True)
class Outcome:
    """What a command did: the new state, and the audit line for it."""

    control: Control
    room: str | None
    detail: str


def _text(args: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = args.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BoardError("invalid", f"'{key}' must be text.")
    value = value.strip()
    if len(value) > limit:
        raise BoardError("invalid", f"'{key}' is longer than {limit} characters.")
    return value


def _seconds(args: dict[str, Any], low: int, high: int) -> int:
    value = args.get("seconds")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise BoardError("invalid", "'seconds' must be a number.")
    seconds = round(value)
    if not low <= seconds <= high or seconds == 0:
        raise BoardError("invalid", f"'seconds' must be between {low} and {high}, not 0.")
    return seconds


def _room(workshop: Workshop, args: dict[str, Any], *, required: bool) -> str | None:
    room_id = args.get("room")
    if room_id is None:
        if required:
            raise BoardError("invalid", "Say which room: 'room'.")
        return None
    if not isinstance(room_id, str):
        raise BoardError("invalid", "'room' must be a room id.")
    if workshop.room(room_id) is None:
        raise BoardError("not_found", f"There is no room '{room_id[:40]}'.")
    return room_id


def _targets(workshop: Workshop, room_id: str | None) -> list[str]:
    return [room_id] if room_id is not None else [r.id for r in workshop.rooms]


def _where(workshop: Workshop, room_id: str | None) -> str:
    info = workshop.room(room_id) if room_id else None
    return info.name if info else "all rooms"


def _with_rooms(control: Control, changed: dict[str, RoomControl]) -> Control:
    return replace(control, rooms={**control.rooms, **changed})


def parse_agenda(value: Any) -> tuple[Phase, ...]:
    """Validate an agenda as the wire sends it (``agenda.set``'s ``phases``)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PHASES:
        raise BoardError("invalid", f"'phases' must be a list of 1 to {MAX_PHASES} phases.")
    phases: list[Phase] = []
    for item in value:
        if not isinstance(item, dict):
            raise BoardError("invalid", "Each phase must be a map.")
        phase_id = item.get("id")
        if not isinstance(phase_id, str) or not _PHASE_ID.fullmatch(phase_id):
            raise BoardError("invalid", "A phase id is 1 to 24 of a-z, 0-9 and '-'.")
        if any(p.id == phase_id for p in phases):
            raise BoardError("invalid", f"Two phases have the id '{phase_id}'.")
        title = _text(item, "title", 40)
        if not title:
            raise BoardError("invalid", "Each phase needs a title.")
        icon = item.get("icon", "star")
        if icon not in ICONS:
            raise BoardError("invalid", f"'icon' must be one of {', '.join(ICONS)}.")
        minutes = item.get("minutes")
        if minutes is not None and (
            not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 720
        ):
            raise BoardError("invalid", "'minutes' must be 1 to 720, or null.")
        opened = item.get("open", [])
        if not isinstance(opened, list) or any(a not in ACTIONS for a in opened):
            raise BoardError("invalid", f"'open' lists actions from {', '.join(ACTIONS)}.")
        ordered = tuple(a for a in ACTIONS if a in opened)
        phases.append(Phase(phase_id, title, icon, minutes, ordered))
    return tuple(phases)


def _clock(minutes: float) -> str:
    seconds = round(abs(minutes))
    return f"{'-' if minutes < 0 else ''}{seconds // 60}:{seconds % 60:02d}"


def execute(
    control: Control, workshop: Workshop, cmd: str, args: dict[str, Any], now: float
) -> Outcome:
    """Apply one facilitator command to the control state. Raises BoardError
    (``invalid``, ``not_found``, ``conflict``) and changes nothing on refusal."""
    if cmd == "agenda.set":
        agenda = parse_agenda(args.get("phases"))
        ids = {p.id for p in agenda}
        rooms = {
            rid: replace(r, phase=None) if r.phase not in ids else r
            for rid, r in control.rooms.items()
        }
        titles = ", ".join(p.title for p in agenda)
        return Outcome(replace(control, agenda=agenda, rooms=rooms), None, f"agenda: {titles}")
    if cmd == "phase.set":
        phase_id = args.get("phase")
        phase = control.phase(phase_id) if phase_id is not None else None
        if phase_id is not None and phase is None:
            raise BoardError("not_found", "That phase is not on the agenda.")
        room_id = _room(workshop, args, required=False)
        changed = {
            rid: replace(control.room(rid), phase=phase_id) for rid in _targets(workshop, room_id)
        }
        name = phase.title if phase else "no phase"
        return Outcome(_with_rooms(control, changed), room_id, f"phase: {name}")
    if cmd.startswith("timer."):
        return _timer(control, workshop, cmd, args, now)
    if cmd.startswith("vote."):
        return _vote(control, workshop, cmd, args)
    if cmd in ("private.set", "private.reveal"):
        room_id = _room(workshop, args, required=False)
        on = args.get("on") if cmd == "private.set" else False
        if not isinstance(on, bool):
            raise BoardError("invalid", "'on' must be true or false.")
        changed = {
            rid: replace(control.room(rid), private=on) for rid in _targets(workshop, room_id)
        }
        where = _where(workshop, room_id)
        if cmd == "private.reveal":
            detail = f"private notes revealed ({where})"
        else:
            detail = f"private mode {'on' if on else 'off'} ({where})"
        return Outcome(_with_rooms(control, changed), room_id, detail)
    if cmd in MODERATION:
        return _moderate(control, workshop, cmd, args)
    if cmd == "room.lock":
        room_id = _room(workshop, args, required=True)
        assert room_id is not None
        locked = args.get("locked")
        if not isinstance(locked, bool):
            raise BoardError("invalid", "'locked' must be true or false.")
        changed = {room_id: replace(control.room(room_id), locked=locked)}
        return Outcome(_with_rooms(control, changed), room_id, "locked" if locked else "unlocked")
    if cmd == "room.prompt":
        room_id = _room(workshop, args, required=True)
        assert room_id is not None
        text = _text(args, "text", MAX_PROMPT)
        changed = {room_id: replace(control.room(room_id), prompt=text)}
        return Outcome(_with_rooms(control, changed), room_id, f"prompt: {text}")
    if cmd == "banner.set":
        text = _text(args, "text", MAX_BANNER)
        return Outcome(replace(control, banner=text), None, f"banner: {text}")
    if cmd == "spotlight.set":
        room_id = _room(workshop, args, required=False)
        detail = f"spotlight: {_where(workshop, room_id)}" if room_id else "spotlight ended"
        return Outcome(replace(control, spotlight=room_id), room_id, detail)
    raise BoardError("invalid", f"Unknown command '{cmd[:40]}'.")


MODERATION = frozenset({"note.keep_in_room", "note.hide", "note.restore", "notes.keep"})
"""Commands on a room's kept and hidden notes. ``note.hide`` and
``note.restore`` here change only the lists (the hub moves the note to and
from the bin); ``notes.keep`` is the server's own, at a reveal."""
MAX_MODERATED = 5000
"""Kept, or hidden, notes per room."""
_NOTE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def note_id(args: dict[str, Any]) -> str:
    """The ``note`` argument: a note id as the schema makes them."""
    value = args.get("note")
    if not isinstance(value, str) or not _NOTE_ID.fullmatch(value):
        raise BoardError("invalid", "Say which note: 'note'.")
    return value


def _moderate(control: Control, workshop: Workshop, cmd: str, args: dict[str, Any]) -> Outcome:
    room_id = _room(workshop, args, required=True)
    assert room_id is not None
    settings = control.room(room_id)
    if cmd == "notes.keep":
        ids = [i for i in args.get("notes", ()) if isinstance(i, str)]
        kept = settings.kept + tuple(i for i in ids if i not in settings.kept)
        changed = replace(settings, kept=kept[-MAX_MODERATED:])
        detail = f"{len(ids)} revealed notes stay in the room"
    elif cmd == "note.keep_in_room":
        note = note_id(args)
        on = args.get("on")
        if not isinstance(on, bool):
            raise BoardError("invalid", "'on' must be true or false.")
        rest = tuple(i for i in settings.kept if i != note)
        changed = replace(settings, kept=(*rest, note)[-MAX_MODERATED:] if on else rest)
        detail = "a note stays in the room" if on else "a note may leave the room"
    else:
        note = note_id(args)
        rest = tuple(i for i in settings.hidden if i != note)
        hide = cmd == "note.hide"
        changed = replace(settings, hidden=(*rest, note)[-MAX_MODERATED:] if hide else rest)
        detail = "a note hidden" if hide else "a note restored"
    return Outcome(_with_rooms(control, {room_id: changed}), room_id, detail)


def _timer(
    control: Control, workshop: Workshop, cmd: str, args: dict[str, Any], now: float
) -> Outcome:
    room_id = _room(workshop, args, required=False)
    targets = _targets(workshop, room_id)
    where = _where(workshop, room_id)
    if cmd == "timer.start":
        seconds = _seconds(args, 1, MAX_SECONDS)
        timer = Timer.start(seconds, now)
        changed = {rid: replace(control.room(rid), timer=timer) for rid in targets}
        return Outcome(_with_rooms(control, changed), room_id, f"timer {_clock(seconds)} ({where})")
    seconds = _seconds(args, -MAX_SECONDS, MAX_SECONDS) if cmd == "timer.add" else 0
    changed = {}
    refusal: BoardError | None = None
    for rid in targets:
        timer = control.room(rid).timer
        try:
            if cmd == "timer.pause":
                timer = timer.pause(now)
            elif cmd == "timer.resume":
                timer = timer.resume(now)
            elif cmd == "timer.add":
                timer = timer.add(seconds, now)
            elif cmd == "timer.stop":
                timer = timer.stop()
            else:
                raise BoardError("invalid", f"Unknown command '{cmd[:40]}'.")
        except BoardError as exc:
            if exc.code != "conflict":
                raise
            refusal = exc
            continue
        changed[rid] = replace(control.room(rid), timer=timer)
    if not changed:
        assert refusal is not None
        raise refusal
    verb = cmd.removeprefix("timer.")
    detail = f"timer {verb} {_clock(seconds)} ({where})" if seconds else f"timer {verb} ({where})"
    return Outcome(_with_rooms(control, changed), room_id, detail)


def _count(args: dict[str, Any], key: str, default: int, high: int) -> int:
    value = args.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        raise BoardError("invalid", f"'{key}' must be a whole number from 1 to {high}.")
    return value


def parse_vote(args: dict[str, Any], vote_id: str) -> VoteSession:
    """A new vote from ``vote.open``'s arguments (defaults as docs/protocol.md says)."""
    mode = args.get("mode")
    if mode not in VOTE_MODES:
        raise BoardError("invalid", f"'mode' must be one of {', '.join(VOTE_MODES)}.")
    items = args.get("items", "notes")
    if items not in VOTE_ITEMS:
        raise BoardError("invalid", "'items' must be notes or groups.")
    flags = {key: args.get(key, default) for key, default in
             (("anonymous", True), ("facilitator", False))}  # fmt: skip
    if any(not isinstance(flag, bool) for flag in flags.values()):
        raise BoardError("invalid", "'anonymous' and 'facilitator' must be true or false.")
    unit = _text(args, "unit", MAX_UNIT, required=False)
    if mode == "scale":
        budget, cap = 0, SCALE_TOP
    elif mode == "dots":
        budget = _count(args, "budget", 3, 100)
        cap = _count(args, "cap", budget, budget)
    else:
        budget = _count(args, "budget", 100, MAX_VOTE_BUDGET)
        cap = _count(args, "cap", budget, budget)
    return VoteSession(
        vote_id, mode, budget, cap, unit, items, flags["anonymous"], flags["facilitator"]
    )


def _vote(control: Control, workshop: Workshop, cmd: str, args: dict[str, Any]) -> Outcome:
    room_id = _room(workshop, args, required=False)
    targets = _targets(workshop, room_id)
    where = _where(workshop, room_id)
    if cmd == "vote.open":
        busy = [rid for rid in targets if rid in control.votes
                and control.votes[rid].state == "open"]  # fmt: skip
        if busy:
            name = _where(workshop, busy[0])
            raise BoardError("conflict", f"A vote is already open in {name}: close it first.")
        vote_id = args.get("id")
        if not isinstance(vote_id, str) or not _VOTE_ID.fullmatch(vote_id):
            raise BoardError("invalid", "The vote needs an id.")
        base = parse_vote(args, vote_id)
        votes = {rid: replace(base, id=f"{vote_id}-{rid}") for rid in targets}
        past = {
            rid: (*control.past_votes.get(rid, ()), control.votes[rid])[-MAX_PAST_VOTES:]
            for rid in targets
            if rid in control.votes
        }
        detail = f"vote opened: {base.mode} ({where})"
        opened = replace(
            control,
            votes={**control.votes, **votes},
            past_votes={**control.past_votes, **past},
        )
        return Outcome(opened, room_id, detail)
    goal = {"vote.close": "closed", "vote.reveal": "revealed"}.get(cmd)
    if goal is None:
        raise BoardError("invalid", f"Unknown command '{cmd[:40]}'.")
    order = VOTE_STATES.index(goal)
    changed = {
        rid: replace(vote, state=goal)
        for rid in targets
        if (vote := control.votes.get(rid)) is not None and VOTE_STATES.index(vote.state) < order
    }
    if not changed:
        raise BoardError("conflict", f"There is no vote to {cmd.removeprefix('vote.')} ({where}).")
    votes = {**control.votes, **changed}
    return Outcome(replace(control, votes=votes), room_id, f"vote {goal} ({where})")


def gallery_open(control: Control, room_id: str) -> bool:
    """Whether the room's phase is a gallery walk: its tablets may visit the others."""
    phase = control.phase(control.room(room_id).phase)
    return phase is not None and "gallery" in phase.open


def view(control: Control, workshop: Workshop, *, room: str | None, version: int) -> dict[str, Any]:
    """STATE as docs/protocol.md defines it; ``room`` set limits ``rooms`` to that one."""
    rooms = {}
    for info in workshop.rooms:
        if room is not None and info.id != room:
            continue
        settings = control.room(info.id)
        vote = control.votes.get(info.id)
        rooms[info.id] = {
            "name": info.name, "phase": settings.phase, "prompt": settings.prompt,
            "locked": settings.locked, "timer": settings.timer.as_dict(),
            "private": settings.private, "vote": vote.as_dict() if vote else None,
            "kept": list(settings.kept),
        }  # fmt: skip
    spotlight = workshop.room(control.spotlight) if control.spotlight else None
    # Its question too: a participant's state holds only its own room.
    spotlit = (
        {"room": spotlight.id, "name": spotlight.name,
         "prompt": control.room(spotlight.id).prompt}
        if spotlight else None
    )  # fmt: skip
    return {
        "version": version,
        "workshop": {
            "id": workshop.id, "title": workshop.title, "join_code": workshop.join_code,
            "anonymous": control.anonymous, "room_capacity": workshop.room_capacity,
        },
        "agenda": [p.as_dict() for p in control.agenda],
        "rooms": rooms,
        "banner": control.banner,
        "spotlight": spotlit,
        # The rooms a participant's tablet may visit now (its gallery walk).
        "gallery": [
            {"room": info.id, "name": info.name}
            for info in workshop.rooms
            if room is not None and info.id != room and gallery_open(control, room)
        ],
    }  # fmt: skip
