"""Action cards in the exports: a board document built with pycrdt, read into
outcomes and rendered as Markdown, JSON and CSV, compared with exact output."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pycrdt import Doc, Map, Text

from board_server.export.formats import to_csv, to_json, to_markdown
from board_server.export.outcomes import RoomOutcome, room_outcome
from board_server.model import RoomInfo, Workshop
from board_server.workshop.visibility import board_of

WORKSHOP = Workshop("w1", "Getting about at night", "CODE12", 0.0, (RoomInfo("r1", "Table 1"),))


def card(idea: str, step: str, who: str, when: str, cost: str, **extra: Any) -> Map[Any]:
    """An action card as a tablet writes it (docs/schema.md)."""
    fields = {"idea": idea, "step": step, "who": who, "when": when, "cost": cost}
    return Map({**{key: Text(words) for key, words in fields.items()}, "x": 16, "y": 16, **extra})


def room_with_cards() -> RoomOutcome:
    """Table 1: one note, and three cards written out of order."""
    doc: Doc[Any] = Doc()
    notes = doc.get("notes", type=Map)
    actions = doc.get("actions", type=Map)
    with doc.transaction():
        notes["n1"] = Map({"text": Text("More buses at night"), "kind": "text", "created": 1})
        actions["c2"] = card(
            "A bench at every stop", "", "Parks team", "", "", note="", created=2000
        )
        actions["b9"] = card(
            "More buses at night",
            "Phone the bus company about a 10 pm bus",
            "Transport officer",
            "Friday noon",
            "Two hours, no money",
            note="n1",
            created=1000,
        )
        # Made in the same millisecond as b9: the id decides.
        actions["a1"] = card(
            "Safer walk home\nwith lights",
            "Walk the route with the lighting engineer",
            "Community safety lead",
            "Next Tuesday",
            "Half a day",
            note="",
            created=1000,
        )
        # Not a card: ignored.
        actions["junk"] = "not a map"
    return room_outcome("r1", "Table 1", board_of(doc))


EXPECTED_MARKDOWN = """\
# Getting about at night

## Table 1

### Notes not in a cluster
- More buses at night

### Actions

1. **Safer walk home with lights**
   - First step (within 48 hours): Walk the route with the lighting engineer
   - Who: Community safety lead
   - By when: Next Tuesday
   - Needs: Half a day
2. **More buses at night**
   - First step (within 48 hours): Phone the bus company about a 10 pm bus
   - Who: Transport officer
   - By when: Friday noon
   - Needs: Two hours, no money
3. **A bench at every stop**
   - First step (within 48 hours): (not written yet)
   - Who: Parks team
   - By when: (not written yet)
   - Needs: (not written yet)
"""


def test_the_markdown_lists_each_action_card_as_a_short_block_in_created_order() -> None:
    assert to_markdown(WORKSHOP, [room_with_cards()]) == EXPECTED_MARKDOWN


def test_the_json_has_every_card_with_its_fields_as_plain_strings() -> None:
    rendered = json.loads(to_json(WORKSHOP, [room_with_cards()]))
    assert rendered["rooms"][0]["actions"] == [
        {
            "id": "a1",
            "idea": "Safer walk home\nwith lights",
            "step": "Walk the route with the lighting engineer",
            "who": "Community safety lead",
            "when": "Next Tuesday",
            "cost": "Half a day",
            "note": "",
        },
        {
            "id": "b9",
            "idea": "More buses at night",
            "step": "Phone the bus company about a 10 pm bus",
            "who": "Transport officer",
            "when": "Friday noon",
            "cost": "Two hours, no money",
            "note": "n1",
        },
        {
            "id": "c2",
            "idea": "A bench at every stop",
            "step": "",
            "who": "Parks team",
            "when": "",
            "cost": "",
            "note": "",
        },
    ]


def test_the_csv_has_a_row_per_card_with_its_fields_in_their_own_columns() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(WORKSHOP, [room_with_cards()]))))
    assert rows == [
        ["room", "kind", "id", "text", "cluster", "from", "to", "polarity", "delay",
         "first step", "who", "by when", "needs"],
        ["Table 1", "note", "n1", "More buses at night", ""],
        ["Table 1", "action", "a1", "Safer walk home\nwith lights", "", "", "", "", "",
         "Walk the route with the lighting engineer", "Community safety lead", "Next Tuesday",
         "Half a day"],
        ["Table 1", "action", "b9", "More buses at night", "", "", "", "", "",
         "Phone the bus company about a 10 pm bus", "Transport officer", "Friday noon",
         "Two hours, no money"],
        ["Table 1", "action", "c2", "A bench at every stop", "", "", "", "", "",
         "", "Parks team", "", ""],
    ]  # fmt: skip


def test_a_room_without_cards_has_no_actions_section() -> None:
    doc: Doc[Any] = Doc()
    outcome = room_outcome("r1", "Table 1", board_of(doc))
    assert outcome.actions == []
    assert to_markdown(WORKSHOP, [outcome]) == "# Getting about at night\n\n## Table 1\n"
    assert json.loads(to_json(WORKSHOP, [outcome]))["rooms"][0]["actions"] == []
