"""What may leave the room: the one filter that the observers' projection
and the exports both use.

A board is read as plain data, root by root (``board_of``). ``for_outside``
leaves out:
- notes the facilitator hid (they are in the bin, and off the board, but a
  board read before the hide reached this process may still hold them);
- notes marked "stays in the room", by id (the control state) or by their
  own ``keep`` field (written with a revealed draft, so the note and its
  mark arrive together on every process);
- action cards made from any of those, whose ``idea`` is a copy of the note;
- every note's ``author``.

Private drafts and vote tallies are not in a board document; the command
channel withholds them from observers (``hub``).
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from board_server.model import BOARD_ROOTS

Board = dict[str, dict[str, Any]]


def board_of(doc: Doc[Any]) -> Board:
    """The schema's roots of a document as plain data (Y.Text as str)."""
    board: Board = {}
    for root in BOARD_ROOTS:
        entries = doc.get(root, type=Map).to_py() or {}
        board[root] = dict(entries)
    return board


def for_outside(board: Board, withheld: frozenset[str] | set[str]) -> Board:
    """The board as observers and exports may see it (the module's rules).
    ``withheld``: ids of the room's hidden and "stays in the room" notes."""
    notes: dict[str, Any] = {}
    gone = set(withheld)
    for note_id, note in board.get("notes", {}).items():
        if note_id in gone or (isinstance(note, dict) and note.get("keep") is True):
            gone.add(note_id)
        elif isinstance(note, dict):
            notes[note_id] = {key: value for key, value in note.items() if key != "author"}
        else:
            notes[note_id] = note  # not a note of the schema: passed on as it is
    actions = {
        card_id: card
        for card_id, card in board.get("actions", {}).items()
        if not (isinstance(card, dict) and card.get("note") in gone)
    }
    shown = {root: dict(board.get(root, {})) for root in BOARD_ROOTS}
    shown["notes"] = notes
    shown["actions"] = actions
    return shown
