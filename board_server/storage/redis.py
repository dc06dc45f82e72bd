"""RedisStore: workshops, seats, control state and room logs in Redis, shared by
every process.

Key names come from ``storage.keys``. Each room's log is a stream whose entries
have the fields ``u`` (the update) and ``n`` (the node that wrote it): the bus
reads the same streams, so that format is a contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import secrets
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

import msgpack
import redis
import redis.asyncio
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from board_server.model import (
    SCALE_TOP,
    AuditEntry,
    BinEntry,
    CastResult,
    Draft,
    Participant,
    RoomInfo,
    RoomKey,
    StoredDoc,
    Tally,
    Versioned,
    VoteKey,
    VoteRules,
    Workshop,
)
from board_server.storage.base import Cursor, OnLogged, StoreError
from board_server.storage.dump import (
    Ballots,
    WorkshopDump,
    boards,
    sorted_bin,
    sorted_drafts,
    sorted_participants,
)
from board_server.storage.keys import DEFAULT_PREFIX, Keys
from board_server.storage.redis_lua import SCRIPTS
from board_server.storage.resp import Command, RespConnection

logger = logging.getLogger("board.storage")

# The writer's wait between tries while Redis fails, doubling up to the maximum.
RETRY_FIRST = 0.05
RETRY_MAX = 2.0
LOCK_MS = 30_000
# Compaction trims only stream entries older than this (stream ids carry
# Redis's clock), so a reader up to a minute behind still finds every entry
# after its cursor; the snapshot's cursor tells loads what to skip.
TRIM_GRACE_MS = 60_000
CLOSE_TIMEOUT = 5.0
_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
_MAX_SEQ = 2**64 - 1
# The writer's wait for Redis to answer a batch.
WRITE_TIMEOUT = 10.0
NAMED_SEPARATOR = "\x1f"
"""Between the voter and the item in a named tally's fields (ids never hold it)."""


class LogWatcher(Protocol):
    """Told of every update this process writes (the bus, which follows the rooms)."""

    def solo_cursor(self, room: RoomKey) -> Cursor | None:
        """The room's cursor, if the watcher wants to learn whether its next
        updates land right after it (and each after the one before); else None."""

    def logged(self, room: RoomKey, cursor: Cursor, gap: bool | None) -> None:
        """The update is in the room's stream at ``cursor``. ``gap`` is None
        if not asked; False if it lands right after the cursor given (or the
        batch's update before it); True if other entries may lie between."""


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class _Queued(NamedTuple):
    room: RoomKey
    data: bytes
    on_logged: OnLogged | None
    dropped: bool = False  # its workshop was deleted: counted as written, never sent


def _amounts(flat: Sequence[Any]) -> dict[str, int]:
    """A ballot from HGETALL's flat reply."""
    return {_text(flat[i]): int(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}


def _where(url: str) -> str:
    """Where the URL points, without its password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def _stream_id(cursor: Cursor) -> tuple[int, int]:
    ms, sep, seq = (cursor or "0-0").partition("-")
    if not (sep and ms.isascii() and ms.isdigit() and seq.isascii() and seq.isdigit()):
        raise StoreError(f"{cursor!r} is not a Redis stream id")
    return int(ms), int(seq)


def _normalize_code(join_code: str) -> str:
    return join_code.strip().upper()


def _text(raw: Any) -> str:
    # The client returns bytes (decode_responses=False); its types allow str too.
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _bin_field(room_id: str, note_id: str) -> str:
    return f"{room_id}\x1f{note_id}"


def _blob(raw: Any) -> bytes:
    # As _text: the client returns bytes, though its types allow str.
    return raw if isinstance(raw, bytes) else str(raw).encode()


def _workshop(raw: bytes | str | None) -> Workshop | None:
    if raw is None:
        return None
    w = json.loads(raw)
    rooms = tuple(RoomInfo(r["id"], r["name"]) for r in w["rooms"])
    return Workshop(w["id"], w["title"], w["join_code"], w["created"], rooms, w["room_capacity"])


def _workshop_json(workshop: Workshop) -> str:
    return json.dumps(
        {
            "id": workshop.id,
            "title": workshop.title,
            "join_code": _normalize_code(workshop.join_code),
            "created": workshop.created,
            "room_capacity": workshop.room_capacity,
            "rooms": [{"id": r.id, "name": r.name} for r in workshop.rooms],
        }
    )


def _participant(fields: Mapping[Any, Any]) -> Participant | None:
    if not fields:
        return None

    def number(name: bytes) -> float | None:
        raw = fields.get(name)
        return None if raw is None else float(raw)

    text = {name: fields[name.encode()].decode() for name in ("id", "workshop_id", "room_id")}
    name = fields[b"name"].decode()
    created = float(fields[b"created"])
    return Participant(**text, name=name, created=created,
                       connected=number(b"connected"), left=number(b"left"))  # fmt: skip


def _pack_audit(entry: AuditEntry) -> bytes:
    fields = {"at": entry.at, "actor": entry.actor, "actor_id": entry.actor_id,
              "action": entry.action, "room": entry.room, "detail": entry.detail}  # fmt: skip
    packed: bytes = msgpack.packb(fields)
    return packed


def _unpack_audit(raw: bytes) -> AuditEntry:
    f = msgpack.unpackb(raw)
    return AuditEntry(f["at"], f["actor"], f["actor_id"], f["action"], f["room"], f["detail"])


def _tally(raw: Mapping[Any, Any]) -> Tally:
    """A closed vote's tally from its hash (see ``get_tally``)."""
    totals: dict[str, int] = {}
    spread: dict[str, list[int]] = {}
    named: dict[str, list[tuple[str, int]]] = {}
    for key, value in raw.items():
        field = _text(key)
        if field.startswith("t:"):
            totals[field[2:]] = int(value)
        elif field.startswith("s:"):
            score, _, item = field[2:].partition(":")
            spread.setdefault(item, [0] * SCALE_TOP)[int(score) - 1] = int(value)
        elif field.startswith("n:"):
            voter, _, item = field[2:].partition(NAMED_SEPARATOR)
            named.setdefault(item, []).append((voter, int(value)))
    spread_tuples = {item: tuple(counts) for item, counts in spread.items()}
    who = {item: tuple(sorted(pairs)) for item, pairs in named.items()}
    return Tally(totals, spread_tuples, int(raw.get(b"v", 0)), who)


def _pairs(flat: Sequence[Any]) -> dict[Any, Any]:
    """A hash from HGETALL's flat reply (as a script returns it)."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _bin_entries(raw: Mapping[Any, Any]) -> list[BinEntry]:
    found = []
    for field, value in raw.items():
        room_id, _, note_id = _text(field).partition("\x1f")
        hidden_at, body = msgpack.unpackb(_blob(value))
        found.append(BinEntry(room_id, note_id, float(hidden_at), bytes(body)))
    return found


def _draft(draft_id: Any, fields: Mapping[Any, Any]) -> Draft:
    return Draft(
        _text(draft_id), _text(fields[b"room"]), _text(fields[b"author"]),
        float(fields[b"created"]), _blob(fields[b"body"]), _text(fields[b"sealed"]) == "1",
    )  # fmt: skip


def _dump(reply: Sequence[Any], queued: Sequence[_Queued]) -> WorkshopDump:
    """The dump from the ``dump_workshop`` script's reply, with the workshop's
    updates still queued here. ValueError if a board does not decode."""
    raw, active, people, control, audit, drafts, bin_hash, rooms, votes = reply
    workshop = _workshop(raw)
    if workshop is None:
        raise ValueError("the script returned no workshop")
    docs = {_text(room): StoredDoc(snap, list(updates)) for room, snap, updates in rooms}
    for q in queued:
        if q.room.room_id in docs:
            docs[q.room.room_id].updates.append(q.data)
    ballots: dict[str, Ballots] = {}
    tallies: dict[str, Tally] = {}
    for vote_id, tally, voters in votes:
        if tally:
            tallies[_text(vote_id)] = _tally(_pairs(tally))
        if cast := {_text(voter): _amounts(flat) for voter, flat in voters if flat}:
            ballots[_text(vote_id)] = cast
    participants = (_participant(_pairs(flat)) for flat in people)
    version, data = control
    return WorkshopDump(
        workshop=workshop,
        participants=sorted_participants(p for p in participants if p is not None),
        boards=boards(docs),
        control=None if version is None else Versioned(int(version), _blob(data)),
        audit=tuple(_unpack_audit(_blob(entry)) for entry in reversed(audit)),
        ballots=ballots,
        tallies=tallies,
        drafts=sorted_drafts(_draft(draft_id, _pairs(flat)) for draft_id, flat in drafts if flat),
        bin=sorted_bin(_bin_entries(_pairs(bin_hash))),
        last_active=None if active is None else float(active),
    )


# Words per command of a load, well under what Lua's unpack takes; even, so
# that no field of a hash is parted from its value.
_LOAD_CHUNK = 512


def _load_writes(keys: Keys, dump: WorkshopDump) -> list[list[str | bytes]]:
    """The commands that write the dump, but for the workshop's own key, its
    join code and its places in the indexes; each key is deleted first."""
    w = dump.workshop.id
    writes: list[list[str | bytes]] = []

    def put(command: str, key: str, words: Sequence[str | bytes]) -> None:
        writes.append(["DEL", key])
        for start in range(0, len(words), _LOAD_CHUNK):
            writes.append([command, key, *words[start : start + _LOAD_CHUNK]])

    for room in dump.workshop.rooms:
        key = RoomKey(w, room.id)
        writes.append(["DEL", keys.snapshot(key), keys.log(key), keys.compaction_lock(key)])
    for room_id, board in dump.boards.items():
        writes.append(["HSET", keys.snapshot(RoomKey(w, room_id)), "snap", board])
    put("SADD", keys.participants(w), [p.id for p in dump.participants])
    for p in dump.participants:
        fields = ["id", p.id, "workshop_id", w, "room_id", p.room_id, "name", p.name,
                  "created", repr(p.created)]  # fmt: skip
        fields += ["connected", repr(p.connected)] if p.connected is not None else []
        fields += ["left", repr(p.left)] if p.left is not None else []
        put("HSET", keys.participant(w, p.id), fields)
        writes.append(["SET", keys.participant_owner(p.id), w])
    control = dump.control
    put("HSET", keys.control(w), [] if control is None else
        ["version", str(control.version), "data", control.data])  # fmt: skip
    put("RPUSH", keys.audit(w), [_pack_audit(entry) for entry in reversed(dump.audit)])
    writes.append(["DEL", keys.presence(w)])
    put("SADD", keys.drafts(w), [d.id for d in dump.drafts])
    for d in dump.drafts:
        sealed = "1" if d.sealed else "0"
        put("HSET", keys.draft(w, d.id), ["room", d.room_id, "author", d.author,
                                          "created", repr(d.created), "sealed", sealed,
                                          "body", d.body])  # fmt: skip
    put("HSET", keys.bin(w), [
        word for e in dump.bin
        for word in (_bin_field(e.room_id, e.note_id), msgpack.packb([e.hidden_at, e.body]))
    ])  # fmt: skip
    for vote_id, ballots in dump.ballots.items():
        vote = VoteKey(w, vote_id)
        put("SADD", keys.voters(vote), list(ballots))
        for voter, ballot in ballots.items():
            amounts = [word for item, amount in ballot.items() for word in (item, str(amount))]
            put("HSET", keys.ballot(vote, voter), amounts)
    for vote_id, tally in dump.tallies.items():
        put("HSET", keys.tally(VoteKey(w, vote_id)), _tally_fields(tally))
    return writes


def _tally_fields(tally: Tally) -> list[str | bytes]:
    """A closed vote's tally as its hash's fields and values (see ``_tally``)."""
    fields: list[str | bytes] = ["v", str(tally.voters)]
    for item, total in tally.totals.items():
        fields += [f"t:{item}", str(total)]
    for item, counts in tally.spread.items():
        for score, n in enumerate(counts, start=1):
            fields += [f"s:{score}:{item}", str(n)] if n else []
    for item, pairs in tally.named.items():
        for voter, amount in pairs:
            fields += [f"n:{voter}{NAMED_SEPARATOR}{item}", str(amount)]
    return fields


def _float_arg(value: float | None) -> str:
    # repr() round-trips a float exactly; "" stands for None.
    return "" if value is None else repr(value)


class RedisStore:
    """The Store in Redis: every process of a deployment shares its data.

    Appends never wait: a writer task sends everything queued in one pipeline,
    and keeps it (up to ``buffer_bytes``) while Redis is unreachable.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        node_id: str,
        buffer_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self.url = url
        self.keys = Keys(prefix)
        self.node_id = node_id
        self.buffer_bytes = buffer_bytes
        self._where = _where(url)
        self._state = _State.NEW
        self._client: redis.asyncio.Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._writer: asyncio.Task[None] | None = None
        self._queue: deque[_Queued] = deque()
        self._queued_bytes = 0
        self._appended = 0
        self._written = 0
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._waiting = 0
        # Held while a pipeline of appends is in flight, and by reads that add the
        # queue to what Redis holds: each queued update is in exactly one of them.
        self._writing = asyncio.Lock()
        self._failure: str | None = None
        self._watcher: LogWatcher | None = None
        self._pipe: RespConnection | None = None

    @property
    def client(self) -> redis.asyncio.Redis:
        """The client (and its connection pool), for the bus to share."""
        if self._client is None:
            raise StoreError(f"the store for Redis at {self._where} has not started")
        return self._client

    async def start(self) -> None:
        """Connect (checking that Redis answers) and start the writer."""
        if self._state is not _State.NEW:
            raise StoreError(f"cannot start a store that is {self._state.value}")
        # One immediate retry on a fresh connection: pooled ones die when Redis restarts.
        client = redis.asyncio.Redis.from_url(
            self.url,
            decode_responses=False,
            retry=Retry(NoBackoff(), 1),
            socket_connect_timeout=5,
            socket_timeout=10,
        )
        try:
            with self._errors():
                await client.ping()
        except BaseException:
            await client.aclose()
            raise
        self._client = client
        self._scripts = {name: client.register_script(lua) for name, lua in SCRIPTS.items()}
        self._state = _State.OPEN
        self._writer = asyncio.create_task(self._write_loop(), name=f"writer {self._where}")
        self._writer.add_done_callback(self._writer_done)

    async def close(self) -> None:
        """Write what is queued (waiting up to 5 s), then disconnect. Idempotent."""
        if self._state is not _State.OPEN:
            self._state = _State.CLOSED
            return
        self._state = _State.CLOSING
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self._written_up_to(self._appended)
        except TimeoutError:
            logger.error(
                "closing the store with %d updates not written to Redis at %s (%s): they are lost",
                len(self._queue), self._where, self._failure or "writes too slow",
            )  # fmt: skip
        self._state = _State.CLOSED
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.wait({self._writer})
            self._writer = None
        async with self._progress:
            self._progress.notify_all()
        if self._pipe is not None:
            self._pipe.close()
        await self.client.aclose()

    def health(self) -> str | None:
        """None while writes to Redis succeed; otherwise why they fail."""
        return self._failure

    # Workshops and participants.
    async def create_workshop(self, workshop: Workshop) -> None:
        """Persist a new workshop. Raises StoreError if the id or join code exists."""
        k, code = self.keys, _normalize_code(workshop.join_code)
        keys = [k.workshop(workshop.id), k.join_code(code), k.workshops]
        args = [_workshop_json(workshop), workshop.id, repr(workshop.created)]
        if not await self._eval("create", keys, args):
            raise StoreError(f"workshop id {workshop.id!r} or join code {code!r} exists")

    async def get_workshop(self, workshop_id: str) -> Workshop | None:
        """The workshop with this id, or None."""
        self._check_open()
        with self._errors():
            return _workshop(await self.client.get(self.keys.workshop(workshop_id)))

    async def find_workshop_by_code(self, join_code: str) -> Workshop | None:
        """The workshop with this join code (case and surrounding space ignored), or None."""
        self._check_open()
        with self._errors():
            workshop_id = await self.client.get(self.keys.join_code(_normalize_code(join_code)))
        return None if workshop_id is None else await self.get_workshop(_text(workshop_id))

    async def list_workshops(self) -> list[Workshop]:
        """Every workshop, oldest first."""
        self._check_open()
        with self._errors():
            ids = await self.client.zrange(self.keys.workshops, 0, -1)
            if not ids:
                return []
            raws = await self.client.mget([self.keys.workshop(_text(i)) for i in ids])
        return [w for w in map(_workshop, raws) if w is not None]

    async def seat_participant(
        self, participant: Participant, *, capacity: int, lapse_before: float
    ) -> bool:
        """Write the participant if its room has a seat for it (one Lua script)."""
        p, k = participant, self.keys
        keys = [k.participant(p.workshop_id, p.id), k.participants(p.workshop_id),
                k.participant_owner(p.id)]  # fmt: skip
        args: list[str | int] = [
            p.workshop_id, p.id, p.room_id, p.name, repr(p.created), _float_arg(p.connected),
            _float_arg(p.left), capacity, repr(lapse_before), self._hash_prefix(p.workshop_id),
        ]  # fmt: skip
        seated = await self._eval("seat", keys, args)
        if seated == -1:
            raise StoreError(f"participant {p.id!r} belongs to another workshop")
        return bool(seated)

    async def seat_in_emptiest(
        self, participant: Participant, room_ids: Sequence[str], *, capacity: int,
        lapse_before: float,
    ) -> Participant | None:  # fmt: skip
        """Write the participant into the emptiest of the rooms with a free seat (one Lua
        script, so that the choice and the write are atomic)."""
        if any("," in room for room in room_ids):
            raise StoreError("room ids may not contain ','")
        p, k = participant, self.keys
        keys = [k.participant(p.workshop_id, p.id), k.participants(p.workshop_id),
                k.participant_owner(p.id)]  # fmt: skip
        args: list[str | int] = [
            p.workshop_id, p.id, ",".join(room_ids), p.name, repr(p.created),
            _float_arg(p.connected), _float_arg(p.left), capacity, repr(lapse_before),
            self._hash_prefix(p.workshop_id),
        ]  # fmt: skip
        outcome = await self._eval("seat_emptiest", keys, args)
        if outcome[0] == -1:
            raise StoreError(f"participant {p.id!r} belongs to another workshop")
        return replace(p, room_id=_text(outcome[1])) if outcome[0] == 1 else None

    async def get_participant(self, workshop_id: str, participant_id: str) -> Participant | None:
        """The participant, or None."""
        self._check_open()
        with self._errors():
            fields = await self.client.hgetall(self.keys.participant(workshop_id, participant_id))
        return _participant(fields)

    async def claim_seat(
        self, workshop_id: str, participant_id: str, *, capacity: int, lapse_before: float,
        now: float,
    ) -> Participant | None:  # fmt: skip
        """Mark the participant connected, keeping or retaking its seat (one Lua script)."""
        keys = [self.keys.participant(workshop_id, participant_id),
                self.keys.participants(workshop_id)]  # fmt: skip
        prefix = self._hash_prefix(workshop_id)
        args: list[str | int] = [participant_id, capacity, repr(lapse_before), repr(now), prefix]
        flat = await self._eval("claim", keys, args)
        return _participant(dict(zip(flat[::2], flat[1::2], strict=True)))

    async def leave(self, workshop_id: str, participant_id: str, now: float) -> bool:
        """Free the participant's seat now."""
        key = self.keys.participant(workshop_id, participant_id)
        return bool(await self._eval("leave", [key], [repr(now)]))

    async def room_headcounts(self, workshop_id: str, *, lapse_before: float) -> dict[str, int]:
        """Seats held per room id; rooms with nobody are missing."""
        keys = [self.keys.participants(workshop_id)]
        flat = await self._eval(
            "headcounts", keys, [repr(lapse_before), self._hash_prefix(workshop_id)]
        )
        return {room.decode(): int(n) for room, n in zip(flat[::2], flat[1::2], strict=True)}

    async def delete_workshop(self, workshop_id: str) -> bool:
        """Drop this process's queued updates of the workshop, delete the
        workshop with its join code and every key it names in one script,
        then any other key named after it (its votes) found by SCAN."""
        self._check_open()
        k = self.keys
        keys = [
            k.workshop(workshop_id), k.workshops, k.activity, k.participants(workshop_id),
            k.drafts(workshop_id), k.control(workshop_id), k.audit(workshop_id),
            k.presence(workshop_id), k.bin(workshop_id),
        ]  # fmt: skip
        rooms = RoomKey(workshop_id, "")
        args = [
            workshop_id, k.join_code(""), self._hash_prefix(workshop_id), k.participant_owner(""),
            k.draft_prefix(workshop_id), k.snapshot(rooms), k.log(rooms), k.compaction_lock(rooms),
        ]  # fmt: skip
        async with self._writing:
            self._drop_queued(workshop_id)
            existed = bool(await self._eval("delete_workshop", keys, args))
        with self._errors():
            found = [
                key
                async for key in self.client.scan_iter(k.workshop_pattern(workshop_id), count=1000)
                if k.workshop_of(_text(key)) == workshop_id
            ]
            for start in range(0, len(found), 500):
                await self.client.delete(*found[start : start + 500])
        return existed

    async def record_activity(self, workshop_id: str, at: float) -> None:
        """Note that the workshop was in use at ``at``, if it exists (one script)."""
        keys = [self.keys.workshop(workshop_id), self.keys.activity]
        await self._eval("record_activity", keys, [workshop_id, repr(at)])

    async def idle_workshops(self, before: float) -> list[str]:
        """Ids of the workshops last in use (or, never, created) before ``before``."""
        ids = await self._eval("idle_workshops", [self.keys.workshops, self.keys.activity],
                               [repr(before)])  # fmt: skip
        return [_text(i) for i in ids]

    async def list_participants(self, workshop_id: str) -> list[Participant]:
        """Every participant of the workshop, those who left included, oldest first
        (by ``created``, then id); read in one script."""
        keys = [self.keys.participants(workshop_id)]
        hashes = await self._eval("participants", keys, [self._hash_prefix(workshop_id)])
        found = (_participant(dict(zip(h[::2], h[1::2], strict=True))) for h in hashes)
        return sorted((p for p in found if p is not None), key=lambda p: (p.created, p.id))

    # Control state.
    async def get_control(self, workshop_id: str) -> Versioned | None:
        """The stored control state, or None if none was ever written."""
        self._check_open()
        with self._errors():
            version, data = await self.client.hmget(
                self.keys.control(workshop_id), ["version", "data"]
            )
        return None if version is None else Versioned(int(version), _blob(data))

    async def put_control(
        self, workshop_id: str, expected: int, data: bytes, audit: AuditEntry | None = None
    ) -> bool:
        """Store data as version ``expected + 1`` with the audit entry if the stored
        version is ``expected`` (one Lua script)."""
        keys = [self.keys.control(workshop_id), self.keys.audit(workshop_id)]
        entry = b"" if audit is None else _pack_audit(audit)
        return bool(await self._eval("put_control", keys, [str(expected), data, entry]))

    async def list_audit(self, workshop_id: str, limit: int) -> list[AuditEntry]:
        """The workshop's newest ``limit`` audit entries, newest first."""
        self._check_open()
        if limit <= 0:
            return []  # LRANGE reads a negative end as counted from the tail
        with self._errors():
            raws = await self.client.lrange(self.keys.audit(workshop_id), 0, limit - 1)
        return [_unpack_audit(_blob(raw)) for raw in raws]

    async def touch_presence(
        self, workshop_id: str, participant_ids: Sequence[str], until: float
    ) -> None:
        """Record these participants as online until ``until`` (the score in the
        workshop's presence set, overwritten whether later or earlier)."""
        self._check_open()
        if not participant_ids:
            return
        with self._errors():
            await self.client.zadd(
                self.keys.presence(workshop_id), dict.fromkeys(participant_ids, until)
            )

    async def online(self, workshop_id: str, now: float) -> set[str]:
        """Ids of the workshop's participants online at ``now`` (scored after it)."""
        self._check_open()
        with self._errors():
            ids = await self.client.zrangebyscore(
                self.keys.presence(workshop_id), f"({now!r}", "+inf"
            )
        return {_text(i) for i in ids}

    # Votes.
    async def cast_vote(
        self, vote: VoteKey, participant_id: str, item: str, amount: int, rules: VoteRules
    ) -> CastResult:
        """Apply one cast if the rules allow it: check and write in one script."""
        keys = [
            self.keys.ballot(vote, participant_id),
            self.keys.voters(vote),
            self.keys.tally(vote),
        ]
        args: list[str | int | bytes] = [
            participant_id, item, amount, rules.mode, rules.budget, rules.cap, SCALE_TOP
        ]  # fmt: skip
        status, *flat = await self._eval("cast", keys, args)
        refused = None if status == b"ok" else _text(status)
        return CastResult(refused, _amounts(flat))

    async def get_ballot(self, vote: VoteKey, participant_id: str) -> dict[str, int]:
        """The person's amounts per item (empty once the vote is closed)."""
        self._check_open()
        with self._errors():
            flat = await self.client.hgetall(self.keys.ballot(vote, participant_id))
        return {_text(k): int(v) for k, v in flat.items()}

    async def vote_voters(self, vote: VoteKey) -> set[str]:
        """Ids of the people whose ballot is not empty (empty once closed)."""
        self._check_open()
        with self._errors():
            ids = await self.client.smembers(self.keys.voters(vote))
        return {_text(i) for i in ids}

    async def close_vote(self, vote: VoteKey, mode: str, *, named: bool = False) -> Tally:
        """Sum the ballots into the tally and delete them, in one script."""
        keys = [self.keys.voters(vote), self.keys.tally(vote)]
        args = [self.keys.ballot_prefix(vote), mode, "1" if named else "0"]
        await self._eval("close_vote", keys, args)
        result = await self.get_tally(vote)
        assert result is not None
        return result

    async def get_tally(self, vote: VoteKey) -> Tally | None:
        """The closed vote's tally; None while it is open."""
        self._check_open()
        with self._errors():
            raw = await self.client.hgetall(self.keys.tally(vote))
        return _tally(raw) if raw else None

    # The moderation bin.
    async def bin_put(self, workshop_id: str, entry: BinEntry) -> None:
        """Keep a hidden note."""
        self._check_open()
        field = _bin_field(entry.room_id, entry.note_id)
        packed = msgpack.packb([entry.hidden_at, entry.body])
        with self._errors():
            await self.client.hset(self.keys.bin(workshop_id), field, packed)

    async def bin_take(self, workshop_id: str, room_id: str, note_id: str) -> BinEntry | None:
        """Remove the note's entry and return it (one script)."""
        keys = [self.keys.bin(workshop_id)]
        raw = await self._eval("bin_take", keys, [_bin_field(room_id, note_id)])
        if raw is None:
            return None
        hidden_at, body = msgpack.unpackb(_blob(raw))
        return BinEntry(room_id, note_id, float(hidden_at), bytes(body))

    async def bin_list(self, workshop_id: str) -> list[BinEntry]:
        """Every entry of the workshop, oldest hide first."""
        self._check_open()
        with self._errors():
            raw = await self.client.hgetall(self.keys.bin(workshop_id))
        return list(sorted_bin(_bin_entries(raw)))

    # Drafts.
    async def add_draft(self, workshop_id: str, draft: Draft, limit: int) -> bool:
        """Keep a new draft unless its author has ``limit`` waiting (one script)."""
        keys = [self.keys.drafts(workshop_id), self.keys.draft(workshop_id, draft.id)]
        args: list[str | int | bytes] = [
            self.keys.draft_prefix(workshop_id), draft.author, limit, draft.id, draft.room_id,
            repr(draft.created), draft.body,
        ]  # fmt: skip
        return bool(await self._eval("add_draft", keys, args))

    async def edit_draft(self, workshop_id: str, draft_id: str, author: str, body: bytes) -> bool:
        """Replace the draft's body, if it is the author's and not sealed (one script)."""
        keys = [self.keys.drafts(workshop_id), self.keys.draft(workshop_id, draft_id)]
        return bool(await self._eval("change_draft", keys, [author, draft_id, body]))

    async def delete_draft(self, workshop_id: str, draft_id: str, author: str) -> bool:
        """Delete the draft, if it is the author's and not sealed (one script)."""
        keys = [self.keys.drafts(workshop_id), self.keys.draft(workshop_id, draft_id)]
        return bool(await self._eval("change_draft", keys, [author, draft_id]))

    async def list_drafts(self, workshop_id: str, author: str) -> list[Draft]:
        """The author's waiting drafts, oldest first."""
        return await self._drafts(workshop_id, "author", author)

    async def count_drafts(self, workshop_id: str) -> dict[str, int]:
        """Waiting drafts per room."""
        counts: dict[str, int] = {}
        for draft in await self._drafts(workshop_id, "room", ""):
            counts[draft.room_id] = counts.get(draft.room_id, 0) + 1
        return counts

    async def seal_drafts(self, workshop_id: str, room_id: str) -> list[Draft]:
        """Seal the room's waiting drafts and return all its sealed ones (one script)."""
        return await self._drafts(workshop_id, "seal", room_id)

    async def drop_drafts(self, workshop_id: str, draft_ids: Sequence[str]) -> None:
        """Delete these drafts (one script)."""
        if draft_ids:
            keys = [self.keys.drafts(workshop_id)]
            await self._eval("drop_drafts", keys, [self.keys.draft_prefix(workshop_id), *draft_ids])

    async def _drafts(self, workshop_id: str, match: str, value: str) -> list[Draft]:
        keys = [self.keys.drafts(workshop_id)]
        flat = await self._eval("drafts", keys, [self.keys.draft_prefix(workshop_id), match, value])
        drafts = [
            Draft(_text(flat[i]), _text(flat[i + 1]), _text(flat[i + 2]), float(flat[i + 3]),
                  _blob(flat[i + 5]), _text(flat[i + 4]) == "1")
            for i in range(0, len(flat) - 5, 6)
        ]  # fmt: skip
        return sorted(drafts, key=lambda d: (d.created, d.id))

    # Whole workshops, for backups.
    async def dump_workshop(self, workshop_id: str) -> WorkshopDump | None:
        """The workshop read in one script, with the updates still queued here.

        The script reads every vote a SCAN found just before; a vote whose
        first ballot lands between the two is left out.
        """
        self._check_open()
        k = self.keys
        keys = [
            k.workshop(workshop_id), k.participants(workshop_id), k.control(workshop_id),
            k.audit(workshop_id), k.drafts(workshop_id), k.bin(workshop_id), k.activity,
        ]  # fmt: skip
        rooms = RoomKey(workshop_id, "")
        args: list[str | int | bytes] = [
            workshop_id, self._hash_prefix(workshop_id), k.draft_prefix(workshop_id),
            k.snapshot(rooms), k.log(rooms),
        ]  # fmt: skip
        for vote_id in await self._vote_ids(workshop_id):
            vote = VoteKey(workshop_id, vote_id)
            args += [vote_id, k.voters(vote), k.tally(vote), k.ballot_prefix(vote)]
        async with self._writing:
            reply = await self._eval("dump_workshop", keys, args)
            queued = [q for q in self._queue if q.room.workshop_id == workshop_id and not q.dropped]
        if reply is None:
            return None
        try:
            return _dump(reply, queued)
        except ValueError as exc:
            raise StoreError(f"Redis at {self._where}: workshop {workshop_id}: {exc}") from exc

    async def load_workshop(self, dump: WorkshopDump) -> None:
        """Write the workshop in one script: it checks that the id, the join code
        and every participant id are free, writes everything else, and adds
        the workshop with its join code and its place in the index last."""
        w, k = dump.workshop, self.keys
        code = _normalize_code(w.join_code)
        keys = [
            k.workshop(w.id), k.join_code(code), k.workshops, k.activity,
            *(k.participant_owner(p.id) for p in dump.participants),
        ]  # fmt: skip
        args: list[str | int | bytes] = [
            w.id, _workshop_json(w), repr(w.created), _float_arg(dump.last_active)
        ]  # fmt: skip
        for command in _load_writes(k, dump):
            args += [len(command), *command]
        status, *rest = await self._eval("load_workshop", keys, args)
        if status == b"id":
            raise StoreError(f"workshop id {w.id!r} exists")
        if status == b"code":
            raise StoreError(f"join code {code!r} exists")
        if status == b"participant":
            taken = dump.participants[int(rest[0]) - 1].id
            raise StoreError(f"participant {taken!r} belongs to another workshop")

    async def _vote_ids(self, workshop_id: str) -> list[str]:
        """The ids of the workshop's votes that have keys (ballots or a tally)."""
        k = self.keys
        # A candidate's id is read from keys.py's layout, vote:{workshop}:{vote}:...,
        # and kept only if one of the vote's own key names matches.
        head = f"{k.prefix}vote:{workshop_id}:"
        found: set[str] = set()
        with self._errors():
            async for raw in self.client.scan_iter(k.workshop_pattern(workshop_id), count=1000):
                key = _text(raw)
                if not key.startswith(head):
                    continue
                vote = VoteKey(workshop_id, key[len(head) :].partition(":")[0])
                if key in (k.voters(vote), k.tally(vote)) or key.startswith(k.ballot_prefix(vote)):
                    found.add(vote.vote_id)
        return sorted(found)

    # The document log.
    def append_update(
        self, room: RoomKey, update: bytes, on_logged: OnLogged | None = None
    ) -> None:
        """Queue an update for the writer; ``on_logged`` runs with its stream id once
        it is in Redis. StoreError, keeping nothing, when closed or the buffer is full."""
        self._check_open()
        if self._queued_bytes + len(update) > self.buffer_bytes:
            raise StoreError(
                f"the buffer for Redis is full ({self._queued_bytes} bytes queued"
                f" for {self._where}: {self._failure or 'writes are slow'})"
            )
        self._queue.append(_Queued(room, update, on_logged))
        self._queued_bytes += len(update)
        self._appended += 1
        self._wake.set()

    def watch_log(self, watcher: LogWatcher) -> None:
        """Tell watcher of each update written, in stream order per room,
        before its ``on_logged``."""
        self._watcher = watcher

    async def load_doc(self, room: RoomKey) -> StoredDoc:
        """The snapshot and the stream after it (read in one script), then the
        room's updates still queued here; the cursor is the last stream id read."""
        self._check_open()
        async with self._writing:
            with self._errors():
                keys = [self.keys.snapshot(room), self.keys.log(room)]
                loaded = await self._eval("load", keys, [])
            queued = [q.data for q in self._queue if q.room == room and not q.dropped]
        snapshot, snapshot_cursor, rest = loaded[0], loaded[1], loaded[2:]
        updates = rest[1::2] + queued
        cursor: bytes = rest[-2] if rest else snapshot_cursor or b""
        return StoredDoc(snapshot, updates, cursor.decode())

    @property
    def log_grace(self) -> float:
        """Seconds a compaction leaves covered entries in the stream (TRIM_GRACE_MS)."""
        return TRIM_GRACE_MS / 1000

    async def compact(
        self, room: RoomKey, snapshot: bytes, upto: Cursor, *, scrub: bool = False
    ) -> bool:
        """Replace the stream up to ``upto`` with this snapshot, under the room's lock.

        Nothing is lost if this process dies at any step: the snapshot and the
        trim are one script, so either both happen or neither; a lock left behind
        expires after 30 s; and the script writes only while the lock still holds
        this call's fencing token, so a compactor that paused past its lock's
        expiry cannot overwrite a newer snapshot. ``scrub`` asks nothing more
        here: Redis frees replaced values; entries younger than ``log_grace``
        stay, for lagging readers, until the next compaction.
        """
        self._check_open()
        ms, seq = _stream_id(upto)
        trim_from = f"{ms}-{seq + 1}" if seq < _MAX_SEQ else f"{ms + 1}-0"
        fence = await self._take_lock(room)
        if fence is None:
            return False
        try:
            keys = [self.keys.compaction_lock(room), self.keys.snapshot(room), self.keys.log(room)]
            args: list[str | int | bytes] = [
                fence, snapshot, str(ms), str(seq), trim_from, TRIM_GRACE_MS
            ]  # fmt: skip
            return bool(await self._eval("compact", keys, args))
        finally:
            await self._eval("release", [self.keys.compaction_lock(room)], [fence])

    async def log_length(self, room: RoomKey) -> int:
        """How many updates follow the snapshot, those queued here included."""
        self._check_open()
        async with self._writing:
            with self._errors():
                keys = [self.keys.snapshot(room), self.keys.log(room)]
                length = int(await self._eval("log_length", keys, []))
            return length + sum(1 for q in self._queue if q.room == room and not q.dropped)

    async def flush(self) -> None:
        """Wait until everything appended so far is in Redis."""
        self._check_open()
        appended = self._appended
        await self._written_up_to(appended)
        if self._written < appended:
            raise StoreError(f"the store for Redis at {self._where} closed before writing")

    # Internals.
    def _check_open(self) -> None:
        if self._state is not _State.OPEN:
            raise StoreError(f"the store for Redis at {self._where} is {self._state.value}")

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (RedisError, OSError) as exc:
            raise StoreError(f"Redis at {self._where}: {exc}") from exc

    def _hash_prefix(self, workshop_id: str) -> str:
        # The scripts build the key of each participant of a workshop from this.
        return self.keys.participant(workshop_id, "")

    async def _eval(self, name: str, keys: Sequence[str], args: Sequence[str | int | bytes]) -> Any:
        self._check_open()
        with self._errors():
            return await self._scripts[name](keys=keys, args=args)

    def _drop_queued(self, workshop_id: str) -> None:
        """Forget the workshop's updates still queued here (it is being deleted);
        hold ``_writing``. They stay in the queue, empty, so that the writer
        counts them as written in their turn, and send nothing."""
        for i, item in enumerate(self._queue):
            if item.room.workshop_id == workshop_id and not item.dropped:
                self._queued_bytes -= len(item.data)
                self._queue[i] = _Queued(item.room, b"", None, dropped=True)

    async def _take_lock(self, room: RoomKey) -> int | None:
        """A fresh fencing token, held in the room's lock; None if another holds it."""
        self._check_open()
        with self._errors():
            fence = await self.client.incr(self.keys.fencing)
            taken = await self.client.set(
                self.keys.compaction_lock(room), fence, nx=True, px=LOCK_MS
            )
        return fence if taken else None

    async def _written_up_to(self, appended: int) -> None:
        self._waiting += 1
        try:
            async with self._progress:
                await self._progress.wait_for(
                    lambda: self._written >= appended or self._state is _State.CLOSED
                )
        finally:
            self._waiting -= 1

    async def _write_loop(self) -> None:
        delay = RETRY_FIRST
        while True:
            await self._wake.wait()
            try:
                written = await self._write_queued()
            except (RedisError, OSError) as exc:
                self._failed(exc)
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX, delay * 2)
                continue
            delay = RETRY_FIRST
            if self._failure is not None:
                logger.info("writes to Redis at %s succeed again", self._where)
                self._failure = None
            watcher = self._watcher
            for item, cursor, gap in written:
                try:
                    if watcher is not None:
                        watcher.logged(item.room, cursor, gap)
                finally:
                    try:
                        if item.on_logged is not None:
                            item.on_logged(cursor)
                    except Exception:
                        logger.exception(
                            "room %s: the callback of a logged update failed", item.room
                        )
            if self._waiting:  # flush() and close() wait; appends never do
                async with self._progress:
                    self._progress.notify_all()

    async def _write_queued(self) -> list[tuple[_Queued, Cursor, bool | None]]:
        """Send everything queued in one write; each item with its stream id
        and whether other entries lie before it (if its watcher asked)."""
        async with self._writing:
            batch = list(self._queue)
            if not batch:
                self._wake.clear()
                return []
            sent = [item for item in batch if not item.dropped]
            ids = await self._append_all(sent) if sent else []
            for item in batch:
                self._queue.popleft()
                self._queued_bytes -= len(item.data)
            self._written += len(batch)
        return [(item, cursor, gap) for item, (cursor, gap) in zip(sent, ids, strict=True)]

    async def _append_all(self, batch: list[_Queued]) -> list[tuple[Cursor, bool | None]]:
        """XADD the batch in one write; (id, gap) per update (see LogWatcher).

        For each room whose watcher gives a cursor, an XRANGE after the XADDs
        lists the entries after that cursor: if they begin with the batch's
        own entries of the room, in order, nothing else lies between. No
        transaction is needed, as ids only grow: an entry written after our
        XADD has a larger id than ours. Not a transaction either way: a
        failure in the middle may leave part of the batch written, and the
        retry then writes those updates twice. Yjs ignores an update it has
        already applied, so a double is harmless.
        """
        watcher = self._watcher
        asked: dict[RoomKey, Cursor | None] = {}
        for item in batch:
            if item.room not in asked:
                asked[item.room] = watcher.solo_cursor(item.room) if watcher else None
        checks = {room: cursor for room, cursor in asked.items() if cursor is not None}
        where: dict[RoomKey, list[int]] = {room: [] for room in checks}
        commands: list[Command] = []
        for index, item in enumerate(batch):
            commands.append(
                ("XADD", self.keys.log(item.room), "*", "u", item.data, "n", self.node_id)
            )
            if item.room in where:
                where[item.room].append(index)
        for room, cursor in checks.items():
            start = f"({cursor}" if cursor else "-"
            commands.append(("XRANGE", self.keys.log(room), start, "+", "COUNT", len(where[room])))
        replies = await self._call(commands)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        ids = [_text(reply) for reply in replies[: len(batch)]]
        gaps: list[bool | None] = [None] * len(batch)
        for indexes, listing in zip(where.values(), replies[len(batch) :], strict=True):
            listed = [_text(entry[0]) for entry in listing]
            gap = False
            for k, index in enumerate(indexes):
                gap = gap or k >= len(listed) or listed[k] != ids[index]
                gaps[index] = gap
        return list(zip(ids, gaps, strict=True))

    async def _call(self, commands: list[Command]) -> list[Any]:
        """The writer's calls, on its own connection (opened again after a failure)."""
        if self._pipe is None or self._pipe.closed:
            self._pipe = await RespConnection.open(self.url, timeout=WRITE_TIMEOUT)
        try:
            return await self._pipe.call(commands, WRITE_TIMEOUT)
        except BaseException:
            self._pipe.close()
            raise

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, _UNREACHABLE):
            reason = f"Redis at {self._where} is unreachable: {exc}"
        else:
            reason = f"Redis at {self._where} refuses writes: {exc}"
        if self._failure is None:
            logger.error(
                "%s; keeping %d updates and retrying (every %s s at most)",
                reason, len(self._queue), RETRY_MAX,
            )  # fmt: skip
        self._failure = reason

    def _writer_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("the writer to Redis at %s died", self._where, exc_info=task.exception())


def shared_secrets(
    url: str, prefix: str, *, secret: str | None, admin_token: str | None
) -> tuple[str, str]:
    """The token secret and admin token every process of the deployment shares.

    Given values win and are not stored; otherwise the first process to ask
    stores fresh ones in Redis, and every later one reads them.
    """
    keys = Keys(prefix)
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5) as client:
            if secret is None:
                secret = _shared(client, keys.secret, secrets.token_urlsafe(32))
            if admin_token is None:
                admin_token = _shared(client, keys.admin_token, secrets.token_urlsafe(24))
    except (RedisError, OSError) as exc:
        raise StoreError(
            f"cannot read the shared secrets from Redis at {_where(url)}: {exc}"
        ) from exc
    return secret, admin_token


def _shared(client: redis.Redis, key: str, fresh: str) -> str:
    client.set(key, fresh, nx=True)
    value = client.get(key)
    if not isinstance(value, bytes):
        raise StoreError(f"{key} vanished from Redis as it was read")
    return value.decode()
