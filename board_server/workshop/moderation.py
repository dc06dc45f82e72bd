"""Hiding a note and restoring it: the bin's content, and the Yjs updates
the server writes. Pure, apart from building those updates.

A hidden note leaves the board: the server deletes its entry from the
room's ``notes`` (from a document of its own, under a fresh client id, as
for revealed drafts) after keeping the note's fields in the bin
(``BinEntry.body``, msgpack). Once the room compacts, the deleted text is
gone from its stored document (Yjs keeps no content of a deleted item),
and the bin holds the only copy, for the facilitator alone. A restore
writes the note back under the same id, with its fields as they were.
"""

from __future__ import annotations

import random
from typing import Any

import msgpack
from pycrdt import Map, Text

from board_server.model import BOARD_TEXTS, BinEntry
from board_server.workshop.drafts import server_doc

BIN = "bin"
"""Event and push: the moderation bin changed (facilitators only)."""
_NOTE_TEXTS = BOARD_TEXTS["notes"]


def note_fields(state: bytes, note_id: str) -> dict[str, Any] | None:
    """The note's fields as plain data, from a board whose whole state is
    ``state``; None if the board has no such note."""
    doc = server_doc(state, random.Random(0))
    note = doc.get("notes", type=Map).get(note_id)
    if not isinstance(note, Map):
        return None
    fields = note.to_py()
    return dict(fields or {})


def pack(fields: dict[str, Any]) -> bytes:
    data: bytes = msgpack.packb(fields)
    return data


def unpack(body: bytes) -> dict[str, Any]:
    fields: dict[str, Any] = msgpack.unpackb(body)
    return fields


def hide_update(state: bytes, note_id: str, rng: random.Random) -> bytes:
    """The update that takes the note off a board whose whole state is ``state``."""
    doc = server_doc(state, rng)
    notes = doc.get("notes", type=Map)
    before = doc.get_state()
    if note_id in notes:
        with doc.transaction(origin="hide"):
            del notes[note_id]
    return doc.get_update(before)


def restore_update(state: bytes, note_id: str, fields: dict[str, Any], rng: random.Random) -> bytes:
    """The update that puts the note back (empty if the board has it already)."""
    doc = server_doc(state, rng)
    notes = doc.get("notes", type=Map)
    if note_id in notes:
        return b""
    before = doc.get_state()
    with doc.transaction(origin="restore"):
        notes[note_id] = Map(
            {
                key: Text(value) if key in _NOTE_TEXTS and isinstance(value, str) else value
                for key, value in fields.items()
            }
        )
    return doc.get_update(before)


def wire(entry: BinEntry) -> dict[str, Any]:
    """A BIN entry as docs/protocol.md defines it (facilitators only)."""
    fields = unpack(entry.body)
    shown: dict[str, Any] = {
        "room": entry.room_id,
        "note": entry.note_id,
        "hidden_at": entry.hidden_at,
        "kind": str(fields.get("kind") or "text"),
        "text": str(fields.get("text") or ""),
    }
    for key in ("emoji", "strokes", "author"):
        if key in fields:
            shown[key] = fields[key]
    return shown
