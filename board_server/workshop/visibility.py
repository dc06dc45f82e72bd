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

from pycrdt import Array, Doc, Map, Text

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


def entries_for_outside(
    doc: Doc[Any], wanted: dict[str, set[str]], withheld: frozenset[str] | set[str]
) -> Board:
    """Only the ``wanted`` entries of a document (per root, their keys), by
    ``for_outside``'s rules; an entry missing from the answer is gone, or
    not for outside eyes. Adds to ``wanted`` the action cards made from a
    wanted note, since whether they may be seen follows the note."""
    board: Board = {}
    notes = doc.get("notes", type=Map)
    changed_notes = wanted.get("notes")
    if changed_notes:
        for card_id, card in doc.get("actions", type=Map).items():
            if isinstance(card, Map) and card.get("note") in changed_notes:
                wanted.setdefault("actions", set()).add(card_id)

    def kept(note_id: Any) -> bool:
        if not isinstance(note_id, str):
            return False
        if note_id in withheld:
            return True
        note = notes.get(note_id)
        return isinstance(note, Map) and note.get("keep") is True

    for root, keys in wanted.items():
        if root not in BOARD_ROOTS:
            continue
        source = doc.get(root, type=Map)
        shown: dict[str, Any] = {}
        for key in keys:
            value = source.get(key)
            if value is None:
                continue
            plain = value.to_py() if isinstance(value, (Map, Text, Array)) else value
            if root == "notes":
                if key in withheld or (isinstance(plain, dict) and plain.get("keep") is True):
                    continue
                if isinstance(plain, dict):
                    plain = {k: v for k, v in plain.items() if k != "author"}
            elif root == "actions" and isinstance(plain, dict) and kept(plain.get("note")):
                continue
            shown[key] = plain
        board[root] = shown
    return board
