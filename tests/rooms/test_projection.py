"""The observers' projection, alone: after any run of edits (text typed and
cut with non-Latin letters and emoji, fields set, notes and cards made and
deleted, notes withheld and let out again), refreshing it from the entries
that changed gives exactly what the whole-board filter gives."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from conftest import eventually
from pycrdt import Doc, Map, Text

from board_server.model import BOARD_ROOTS
from board_server.rooms.projection import Projection, Wanted, _text_diff
from board_server.workshop.visibility import Board, board_of, entries_for_outside, for_outside

WORDS = ["bus", "ramp", "ниже", "حافلة", "🚌", "late", "é", "𝄞", ""]


class Watched:
    """A room's document, what it withholds, and its projection."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()
        self.withheld: set[str] = set()
        self.projection = Projection("test", self.doc, self.view, lambda peer, body: None)

    def view(self, wanted: Wanted | None) -> Board:
        if wanted is None:
            return for_outside(board_of(self.doc), self.withheld)
        return entries_for_outside(self.doc, wanted, self.withheld)

    def shown(self) -> Board:
        return {root: self.projection.doc.get(root, type=Map).to_py() or {} for root in BOARD_ROOTS}

    def expected(self) -> Board:
        return for_outside(board_of(self.doc), self.withheld)


def edit(rng: random.Random, room: Watched) -> None:
    notes = room.doc.get("notes", type=Map)
    cards = room.doc.get("actions", type=Map)
    ids = list(notes.keys())
    choice = rng.randrange(9)
    if choice == 0 or not ids:
        fields: dict[str, Any] = {"text": Text(rng.choice(WORDS)), "x": rng.randrange(500),
                                  "kind": "text", "created": rng.randrange(10)}  # fmt: skip
        if rng.random() < 0.3:
            fields["author"] = "Someone Named"
        if rng.random() < 0.15:
            fields["keep"] = True
        notes[f"n{rng.randrange(40)}"] = Map(fields)
    elif choice in (1, 2):
        text = notes[rng.choice(ids)]["text"]
        current = str(text)
        at = rng.randrange(len(current) + 1)
        text.insert(len(current[:at].encode()), rng.choice(WORDS))
    elif choice == 3:
        text = notes[rng.choice(ids)]["text"]
        current = str(text)
        if current:
            start = rng.randrange(len(current))
            end = rng.randrange(start, len(current)) + 1
            del text[len(current[:start].encode()) : len(current[:end].encode())]
    elif choice == 4:
        notes[rng.choice(ids)]["x"] = rng.randrange(500)
    elif choice == 5:
        del notes[rng.choice(ids)]
    elif choice == 6:
        cards[f"c{rng.randrange(10)}"] = Map(
            {"idea": Text(rng.choice(WORDS)), "note": rng.choice(ids), "created": 1}
        )
    elif choice == 7:
        room.doc.get("nodes", type=Map)[f"f{rng.randrange(5)}"] = Map(
            {"label": Text(rng.choice(WORDS)), "x": rng.randrange(9)}
        )
    else:
        # The facilitator withholds a note, or lets one out: every entry is read again.
        note = rng.choice(ids)
        room.withheld ^= {note}
        room.projection.changed(everything=True)


@pytest.mark.parametrize("seed", range(12))
async def test_refreshing_from_what_changed_matches_the_whole_board(seed: int) -> None:
    rng = random.Random(seed)
    room = Watched()
    try:
        for _ in range(40):
            for _ in range(rng.randrange(1, 6)):
                edit(rng, room)
            room.projection.refresh()
            assert room.shown() == room.expected()
        # What an observer receives builds the same board.
        fresh: Doc[Any] = Doc()
        fresh.apply_update(room.projection.doc.get_update())
        assert {r: fresh.get(r, type=Map).to_py() or {} for r in BOARD_ROOTS} == room.expected()
    finally:
        room.projection.cancel()


def test_a_text_changed_anywhere_becomes_exactly_the_new_words() -> None:
    # Every pair of short strings over letters that repeat (so prefixes and
    # suffixes overlap), multi-byte letters and emoji included, and one long
    # note typed at its end and in its middle.
    rng = random.Random(3)
    letters = ["a", "b", "ж", "🚌", "é"]
    pairs = [
        ("".join(rng.choices(letters, k=rng.randrange(7))),
         "".join(rng.choices(letters, k=rng.randrange(7))))
        for _ in range(600)
    ]  # fmt: skip
    long = "".join(f"m{i:05d} " for i in range(400))
    pairs += [(long, long + "🚌 next"), (long, long[:1000] + "ниже" + long[1000:]), (long, "")]
    for old, new in pairs:
        doc: Doc[Any] = Doc()
        text = doc.get("t", type=Text)
        text += old
        with doc.transaction():
            _text_diff(text, old, new)
        assert str(text) == new, (old, new)


async def test_edits_made_while_a_refresh_runs_reach_the_observers_next() -> None:
    # A refresh works a few entries per step of the pacer; the room goes on
    # changing between steps, and a refresh that falls due while one runs
    # makes the running one go round again.
    rng = random.Random(99)
    room = Watched()
    try:
        for _ in range(60):
            edit(rng, room)
        room.projection.changed(everything=True)
        room.projection._refresh_due()
        await asyncio.sleep(0)  # the pacer starts
        await asyncio.sleep(0)  # one chunk written
        assert room.projection._refreshing is not None
        for _ in range(20):
            edit(rng, room)
        room.projection._refresh_due()  # due again while it runs
        await eventually(lambda: room.projection._refreshing is None)
        assert room.shown() == room.expected()
    finally:
        room.projection.cancel()
