"""The exports' renderers on a board document built with pycrdt: Markdown,
JSON and the CSV files, compared with exact output."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from typing import Any

from pycrdt import Doc, Map, Text

from board_server.export.gather import AgendaStep, Gathered, RoomReport
from board_server.export.jsondoc import to_json
from board_server.export.markdown import to_markdown
from board_server.export.outcomes import RoomOutcome, room_outcome
from board_server.export.tables import actions_csv, links_csv, notes_csv, safe_cell
from board_server.model import RoomInfo, Workshop
from board_server.workshop.visibility import board_of

WORKSHOP = Workshop(
    "w1", "Getting about at night", "CODE12", 1_780_000_000.0, (RoomInfo("r1", "Table 1"),)
)


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
        notes["n1"] = Map(
            {"text": Text("More buses at night"), "kind": "text", "created": 1_780_000_100_000}
        )
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


def gathered(*outcomes: RoomOutcome, named: bool = False) -> Gathered:
    rooms = [RoomReport(o, {}, "How do you get home after 6?", 4) for o in outcomes]
    agenda = [
        AgendaStep(1_780_000_060.0, None, "Ideas"),
        AgendaStep(1_780_003_600.0, "Table 1", "Plan"),
    ]
    return Gathered(WORKSHOP, 1_780_007_200.0, agenda, rooms, named)


EXPECTED_ROOM = """\
## Table 1

**Question:** How do you get home after 6?

4 people took part.

### Groups and notes

#### Notes
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

EXPECTED_PLAN = "".join(
    line + "\n"
    for line in (
        "### Action plan",
        "",
        "| # | Idea | First step (within 48 hours) | Who | By when | Needs | Room |",
        "|---|---|---|---|---|---|---|",
        "| 1 | Safer walk home with lights | Walk the route with the lighting engineer "
        "| Community safety lead | Next Tuesday | Half a day | Table 1 |",
        "| 2 | More buses at night | Phone the bus company about a 10 pm bus "
        "| Transport officer | Friday noon | Two hours, no money | Table 1 |",
        "| 3 | A bench at every stop |  | Parks team |  |  | Table 1 |",
    )
)


def test_the_report_has_the_agenda_the_plan_and_each_room_with_its_cards_in_order() -> None:
    markdown = to_markdown(gathered(room_with_cards()), zone=UTC)
    assert markdown.startswith(
        "# Getting about at night\n\nWorkshop report · 28 May 2026 · made 28 May 2026, 22:26 UTC\n"
    )
    assert "| 20:27 | Every room | Ideas |\n| 21:26 | Table 1 | Plan |\n" in markdown
    assert "| Table 1 | 4 | 1 | 0 | 0 | 0 | 3 |" in markdown
    assert EXPECTED_PLAN in markdown
    assert markdown.endswith(EXPECTED_ROOM)


def test_the_json_has_every_card_with_its_fields_as_plain_strings() -> None:
    rendered = json.loads(to_json(gathered(room_with_cards())))
    assert rendered["rooms"][0]["actions"] == [
        {
            "id": "a1",
            "idea": "Safer walk home\nwith lights",
            "step": "Walk the route with the lighting engineer",
            "who": "Community safety lead",
            "when": "Next Tuesday",
            "cost": "Half a day",
            "note": "",
            "created": "1970-01-01T00:00:01+00:00",
        },
        {
            "id": "b9",
            "idea": "More buses at night",
            "step": "Phone the bus company about a 10 pm bus",
            "who": "Transport officer",
            "when": "Friday noon",
            "cost": "Two hours, no money",
            "note": "n1",
            "created": "1970-01-01T00:00:01+00:00",
        },
        {
            "id": "c2",
            "idea": "A bench at every stop",
            "step": "",
            "who": "Parks team",
            "when": "",
            "cost": "",
            "note": "",
            "created": "1970-01-01T00:00:02+00:00",
        },
    ]


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len({len(row) for row in rows}) == 1, "every row has the same columns"
    return rows


def test_each_csv_has_a_header_and_the_same_columns_on_every_row() -> None:
    data = gathered(room_with_cards())
    assert read_csv(notes_csv(data)) == [
        ["room", "group", "text", "kind", "votes", "agreement average", "agreement 1-5",
         "created", "note id"],
        ["Table 1", "", "More buses at night", "text", "", "", "", "2026-05-28T20:28:20+00:00",
         "n1"],
    ]  # fmt: skip
    assert read_csv(actions_csv(data)) == [
        ["room", "idea", "first step", "who", "by when", "needs", "from note", "created",
         "card id"],
        ["Table 1", "Safer walk home\nwith lights", "Walk the route with the lighting engineer",
         "Community safety lead", "Next Tuesday", "Half a day", "", "1970-01-01T00:00:01+00:00",
         "a1"],
        ["Table 1", "More buses at night", "Phone the bus company about a 10 pm bus",
         "Transport officer", "Friday noon", "Two hours, no money", "More buses at night",
         "1970-01-01T00:00:01+00:00", "b9"],
        ["Table 1", "A bench at every stop", "", "Parks team", "", "", "",
         "1970-01-01T00:00:02+00:00", "c2"],
    ]  # fmt: skip
    assert read_csv(links_csv(data)) == [
        ["room", "from", "to", "polarity", "delay", "label", "loops", "link id"]
    ]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_words() -> None:
    for formula in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(formula) == "'" + formula
    for plain in ("bus → home", "🚌", "ниже", "a=b", ""):
        assert safe_cell(plain) == plain
    doc: Doc[Any] = Doc()
    with doc.transaction():
        doc.get("notes", type=Map)["n1"] = Map(
            {"text": Text('=HYPERLINK("http://evil/")'), "kind": "text", "created": 1}
        )
    rows = read_csv(notes_csv(gathered(room_outcome("r1", "Table 1", board_of(doc)))))
    assert rows[1][2] == '\'=HYPERLINK("http://evil/")'


def test_a_room_without_cards_says_so_and_has_no_actions_section() -> None:
    doc: Doc[Any] = Doc()
    outcome = room_outcome("r1", "Table 1", board_of(doc))
    assert outcome.actions == []
    markdown = to_markdown(gathered(outcome), zone=UTC)
    assert "No action cards were made." in markdown
    assert markdown.endswith("### Groups and notes\n\nNo notes.\n")
    assert json.loads(to_json(gathered(outcome)))["rooms"][0]["actions"] == []
