"""A tablet that writes notes as docs/schema.md has them, one marker at a time.

The observers scenario measures delivery by content: on our server an
observer receives a projection that the server writes under its own Yjs
client id, not the tablets' update bytes. So each marker goes into the text
of a note (a Y.Text), and any update that carries those characters holds
them as plain UTF-8. A writer types ``MARKERS_PER_NOTE`` markers into one
note, a word at a time, then starts the next note. Text is only appended, so
every marker stays in the document and reaches an observer, however the
server coalesces; the projection carries the ``notes`` root.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any, cast

from pycrdt import Map, Text

# At 10 updates a second, a new note every second: about 300 characters each.
MARKERS_PER_NOTE = 10
# The size of the browser benchmark's board (bench/boardcontent.py): 25 x 20 notes.
BOARD_WIDTH = 5900.0
BOARD_HEIGHT = 4700.0
COLORS = ("#fff59d", "#ffcc80", "#a5d6a7", "#90caf9", "#f48fb1", "#ce93d8")


class NoteWriter:
    """Types markers into this tablet's notes in its pycrdt Doc (one update per call)."""

    def __init__(self, notes: Map[Any], writer_id: int) -> None:
        self._notes = notes
        self._rng = random.Random(writer_id)
        self._text: Text | None = None
        self._length = 0
        self._words = 0

    def write(self, marker: str) -> None:
        """Append the marker to the current note, or start a note with it."""
        text = self._text
        if text is None or self._words >= MARKERS_PER_NOTE:
            self._start(marker)
            return
        word = " " + marker
        text.insert(self._length, word)
        self._length += len(word)
        self._words += 1

    def _start(self, marker: str) -> None:
        rng = self._rng
        note: Map[Any] = Map(
            {
                "text": Text(marker),
                "x": float(round(rng.uniform(0, BOARD_WIDTH))),
                "y": float(round(rng.uniform(0, BOARD_HEIGHT))),
                "color": rng.choice(COLORS),
                "kind": "text",
                "cluster": "",
                "created": float(time.time_ns() // 1_000_000),
                "placed": True,
            }
        )
        # Random 24-hex-digit ids, as client/src/ids.js makes them.
        self._notes[f"{rng.getrandbits(96):024x}"] = note
        self._text = cast(Text, note["text"])
        self._length = len(marker)
        self._words = 1


def note_texts(notes: Map[Any]) -> Iterator[str]:
    """Every note's text: a plain string value, or a note map's ``text``."""
    for value in notes.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, Map):
            text = value.get("text")
            if text is not None:
                yield str(text)
