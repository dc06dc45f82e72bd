"""The backup file: one workshop in one portable file (docs/schema.md,
"Backup file"), written by ``board-server backup`` and read by ``restore``.

Two msgpack maps in a row: a header that names the format, its version and
the body's size and digest, then the body, which holds a
``Store.dump_workshop`` field for field. The secrets are not in it. Reading
checks everything, so a bad file is refused with a reason before any store
is touched.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any, TypeGuard

import msgpack
from pycrdt import Doc

from board_server.model import (
    AuditEntry,
    BinEntry,
    Draft,
    Participant,
    RoomInfo,
    Tally,
    Versioned,
    Workshop,
)
from board_server.storage.dump import Ballots, WorkshopDump

FORMAT = "board-server workshop backup"
VERSION = 1
_HEADER_MAX = 1024  # bytes: the header is far shorter
_FATAL = (KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit)


class BackupError(Exception):
    """A file that is not a backup this server can restore; the message says why."""


@dataclass(frozen=True)
class Backup:
    """A backup file's content: when it was made, and the workshop."""

    made: float
    dump: WorkshopDump


def to_bytes(backup: Backup) -> bytes:
    """The file's bytes: the header, then the body."""
    body: bytes = msgpack.packb(_body(backup.dump))
    header = {
        "format": FORMAT,
        "version": VERSION,
        "made": backup.made,
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    head: bytes = msgpack.packb(header)
    return head + body


def from_bytes(data: bytes) -> Backup:
    """Read and check a backup file. Raises BackupError saying what is wrong."""
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=True)
    unpacker.feed(data[:_HEADER_MAX])
    try:
        header = unpacker.unpack()
    except (msgpack.OutOfData, ValueError, TypeError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("this is not a board-server backup")
    version = header.get("version")
    if version != VERSION or isinstance(version, bool):
        raise BackupError(f"this backup is in format version {version!r}; "
                          f"this server reads version {VERSION}")  # fmt: skip
    made, size, digest = header.get("made"), header.get("size"), header.get("sha256")
    if not (_is_number(made) and isinstance(size, int) and isinstance(digest, str)):
        raise BackupError("the backup's header is damaged")
    body = data[unpacker.tell() :]
    if len(body) < size:
        raise BackupError(f"the backup is cut short: {len(body)} of its {size} bytes are there")
    if len(body) > size or hashlib.sha256(body).hexdigest() != digest:
        raise BackupError("the backup is damaged: its content does not match its digest")
    try:
        return Backup(float(made), _dump(msgpack.unpackb(body, raw=False, strict_map_key=True)))
    except KeyError as exc:
        reason = f"{exc.args[0]!r} is missing"
    except (ValueError, TypeError, IndexError) as exc:
        reason = str(exc)
    raise BackupError(f"the backup's content is not what version {VERSION} holds: {reason}")


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


# The body: the dump's fields, in the shapes docs/schema.md gives.
def _body(dump: WorkshopDump) -> dict[str, Any]:
    w = dump.workshop
    return {
        "workshop": {
            "id": w.id, "title": w.title, "join_code": w.join_code, "created": float(w.created),
            "room_capacity": w.room_capacity,
            "rooms": [{"id": r.id, "name": r.name} for r in w.rooms],
        },
        "participants": [
            {"id": p.id, "room": p.room_id, "name": p.name, "created": float(p.created),
             "connected": _float(p.connected), "left": _float(p.left)}
            for p in dump.participants
        ],
        "boards": dict(sorted(dump.boards.items())),
        "control": None if dump.control is None else
            {"version": dump.control.version, "data": dump.control.data},
        "audit": [
            {"at": float(e.at), "actor": e.actor, "actor_id": e.actor_id, "action": e.action,
             "room": e.room, "detail": e.detail}
            for e in dump.audit
        ],
        "ballots": {
            vote: {voter: dict(sorted(b.items())) for voter, b in sorted(ballots.items())}
            for vote, ballots in sorted(dump.ballots.items())
        },
        "tallies": {vote: _tally_body(t) for vote, t in sorted(dump.tallies.items())},
        "drafts": [
            {"id": d.id, "room": d.room_id, "author": d.author, "created": float(d.created),
             "sealed": d.sealed, "body": d.body}
            for d in dump.drafts
        ],
        "bin": [
            {"room": e.room_id, "note": e.note_id, "hidden_at": float(e.hidden_at),
             "body": e.body}
            for e in dump.bin
        ],
        "last_active": _float(dump.last_active),
    }  # fmt: skip


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _tally_body(tally: Tally) -> dict[str, Any]:
    return {
        "totals": dict(sorted(tally.totals.items())),
        "spread": {item: list(counts) for item, counts in sorted(tally.spread.items())},
        "voters": tally.voters,
        "named": {item: [list(pair) for pair in pairs]
                  for item, pairs in sorted(tally.named.items())},
    }  # fmt: skip


def _dump(raw: Any) -> WorkshopDump:
    """The dump from the body; ValueError, TypeError, KeyError or IndexError if it
    is not one."""
    raw = _map(raw)
    w = _map(raw["workshop"])
    rooms = tuple(RoomInfo(_str(r["id"]), _str(r["name"])) for r in _list(w["rooms"]))
    workshop = Workshop(_str(w["id"]), _str(w["title"]), _str(w["join_code"]),
                        _num(w["created"]), rooms, _int(w["room_capacity"]))  # fmt: skip
    participants = tuple(
        Participant(_str(p["id"]), workshop.id, _str(p["room"]), _str(p["name"]),
                    _num(p["created"]), _opt_num(p["connected"]), _opt_num(p["left"]))
        for p in map(_map, _list(raw["participants"]))
    )  # fmt: skip
    control = None if raw["control"] is None else _control(_map(raw["control"]))
    audit = tuple(
        AuditEntry(_num(e["at"]), _str(e["actor"]), _str(e["actor_id"]), _str(e["action"]),
                   None if e["room"] is None else _str(e["room"]), _str(e["detail"]))
        for e in map(_map, _list(raw["audit"]))
    )  # fmt: skip
    drafts = tuple(
        Draft(_str(d["id"]), _str(d["room"]), _str(d["author"]), _num(d["created"]),
              _bytes(d["body"]), _bool(d["sealed"]))
        for d in map(_map, _list(raw["drafts"]))
    )  # fmt: skip
    bin_ = tuple(
        BinEntry(_str(e["room"]), _str(e["note"]), _num(e["hidden_at"]), _bytes(e["body"]))
        for e in map(_map, _list(raw["bin"]))
    )
    ballots: dict[str, Ballots] = {
        vote: {voter: {item: _int(n) for item, n in _map(b).items()}
               for voter, b in _map(cast).items()}
        for vote, cast in _map(raw["ballots"]).items()
    }  # fmt: skip
    tallies = {vote: _tally(_map(t)) for vote, t in _map(raw["tallies"]).items()}
    boards = {room: _bytes(update) for room, update in _map(raw["boards"]).items()}
    _check_boards(boards, {room.id for room in rooms})
    _unique("room", [room.id for room in rooms])
    _unique("participant", [p.id for p in participants])
    _unique("draft", [d.id for d in drafts])
    _unique("hidden note", [f"{e.room_id}/{e.note_id}" for e in bin_])
    last_active = _opt_num(raw["last_active"])
    return WorkshopDump(workshop, participants, boards, control, audit, ballots, tallies,
                        drafts, bin_, last_active)  # fmt: skip


def _control(raw: dict[str, Any]) -> Versioned:
    version = _int(raw["version"])
    if version < 1:
        raise ValueError(f"a control state's version is at least 1, not {version}")
    return Versioned(version, _bytes(raw["data"]))


def _tally(raw: dict[str, Any]) -> Tally:
    return Tally(
        {item: _int(n) for item, n in _map(raw["totals"]).items()},
        {item: tuple(_int(n) for n in _list(c)) for item, c in _map(raw["spread"]).items()},
        _int(raw["voters"]),
        {item: tuple((_str(p[0]), _int(p[1])) for p in map(_list, _list(pairs)))
         for item, pairs in _map(raw["named"]).items()},
    )  # fmt: skip


def _check_boards(boards: dict[str, bytes], rooms: set[str]) -> None:
    """Each board is a Yjs update of one of the workshop's rooms."""
    for room, update in boards.items():
        if room not in rooms:
            raise ValueError(f"a board of room {room!r}, which the workshop does not have")
        try:
            Doc().apply_update(update)
        except BaseException as exc:
            # yrs can raise a PanicException, which is not an Exception.
            if isinstance(exc, _FATAL):
                raise
            raise ValueError(f"the board of room {room!r} is not a Yjs update") from None


def _unique(what: str, ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"{what} {twice[0]!r} is there twice")


def _map(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"a map was expected, not {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"a list was expected, not {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a string was expected, not {type(value).__name__}")
    return value


def _bytes(value: Any) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"bytes were expected, not {type(value).__name__}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"true or false was expected, not {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"a whole number was expected, not {type(value).__name__}")
    return value


def _num(value: Any) -> float:
    if not _is_number(value):
        raise TypeError(f"a number was expected, not {type(value).__name__}")
    return float(value)


def _opt_num(value: Any) -> float | None:
    return None if value is None else _num(value)
