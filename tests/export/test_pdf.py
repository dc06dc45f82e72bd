"""The PDF report, read back with poppler's pdftotext: the easy-read summary
on page 1, then what the Markdown report says, with texts in several scripts
and characters that Typst would take for markup shown as they were written."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from board_server.export.gather import AgendaStep, Gathered, RoomReport
from board_server.export.outcomes import RoomOutcome, add_votes, room_outcome
from board_server.export.pdf import next_step, sketch_svg, to_pdf
from board_server.export.run import EXPORT_FORMATS, MEDIA_TYPES, files_of
from board_server.model import RoomInfo, Workshop
from board_server.workshop.visibility import Board, board_of, for_outside

ARTIFACTS = Path(__file__).parents[1] / "artifacts" / "report"
WORKSHOP = Workshop(
    "w1",
    "Getting about at night",
    "CODE12",
    1_780_000_000.0,
    (RoomInfo("r1", "Table 1"), RoomInfo("r2", "Table 2")),
)
CYRILLIC = "Ночной автобус до вокзала"
ARABIC = "حافلة ليلية حتى المستشفى"
SPECIAL = '#set page(width: 1cm) $x$ [link] *bold* @ref <tag> "quotes" \\ end'
HIDDEN = "Secret: the code of my front door"
MINUS = "\u2212"


def note(text: str, created: int, **fields: Any) -> Map[Any]:
    """A note as a tablet writes it, placed on the board by its number."""
    spot = {"x": 40 + created % 10 % 3 * 240, "y": 40 + created % 10 // 3 * 300, "color": "#ffe066"}
    return Map({"text": Text(text), "kind": "text", "cluster": "", "created": created, **spot,
                **fields})  # fmt: skip


def factor(label: str, description: str, created: int) -> Map[Any]:
    """A factor of the system map, placed on a triangle by its number."""
    x, y = {20: (60, 300), 21: (360, 40), 22: (660, 300)}[created]
    return Map({"label": Text(label), "description": description, "x": x, "y": y,
                "created": created})  # fmt: skip


def card(idea: str, step: str, who: str, when: str, cost: str, created: int) -> Map[Any]:
    words = {"idea": idea, "step": step, "who": who, "when": when, "cost": cost}
    texts = {key: Text(value) for key, value in words.items()}
    return Map({**texts, "note": "", "created": created, "x": 800, "y": 40})


def table_one() -> tuple[RoomOutcome, Board]:
    """Two groups, notes in four scripts and kinds, a hidden note, a map of
    three factors with one loop through a delay, a closed vote and a card."""
    doc: Doc[Any] = Doc()
    notes, clusters, nodes, links, actions = (
        doc.get(root, type=Map) for root in ("notes", "clusters", "nodes", "links", "actions")
    )
    with doc.transaction():
        clusters["g1"] = Map({"title": Text("Buses"), "created": 1})
        clusters["g2"] = Map({"title": Text("Walking home"), "created": 2})
        notes["n1"] = note("More buses at night", 10, cluster="g1")
        notes["n2"] = note(CYRILLIC, 11, cluster="g1")
        notes["n3"] = note("Night bus", 12, kind="emoji", emoji="🚌", cluster="g1")
        notes["n4"] = note(ARABIC, 13, cluster="g2")
        notes["n5"] = note(SPECIAL, 14, cluster="g2")
        stroke = {"points": [20, 90, 60, 20, 110, 80, 160, 15, 200, 60], "color": "#c0392b",
                  "width": 6}  # fmt: skip
        notes["n6"] = note("A lit path", 15, kind="sketch", strokes=[stroke], cluster="g2")
        notes["n7"] = note(HIDDEN, 16, cluster="g2")
        nodes["f1"] = factor("People out after dark", "How many people are out after 6 pm.", 20)
        nodes["f2"] = factor("Eyes on the street", "", 21)
        nodes["f3"] = factor("Fear of crime", "How unsafe people feel on the way home.", 22)
        links["l1"] = Map({"from": "f1", "to": "f2", "polarity": "+", "delay": False,
                           "label": "", "created": 30})  # fmt: skip
        links["l2"] = Map({"from": "f2", "to": "f3", "polarity": "-", "delay": False,
                           "label": "", "created": 31})  # fmt: skip
        links["l3"] = Map({"from": "f3", "to": "f1", "polarity": "-", "delay": True,
                           "label": "slowly", "created": 32})  # fmt: skip
        actions["c1"] = card("More buses at night", "Phone the bus company about a 10 pm bus",
                             "Transport officer", "Friday noon", "Two hours", 40)  # fmt: skip
    # The facilitator hid n7: the observers' filter withholds it.
    board = for_outside(board_of(doc), frozenset({"n7"}))
    outcome = room_outcome("r1", "Table 1", board)
    add_votes(outcome, [scale_vote()])
    return outcome, board


def scale_vote() -> dict[str, Any]:
    """A closed agreement vote, as workshop/voting.results and gather give it."""
    ranked = [
        {"item": "n1", "total": 23, "spread": [0, 0, 0, 2, 3], "mean": 4.6, "rank": 1},
        {"item": "n4", "total": 17, "spread": [0, 1, 2, 1, 1], "mean": 3.4, "rank": 2},
        {"item": "n2", "total": 11, "spread": [2, 1, 1, 1, 0], "mean": 2.2, "rank": 3},
    ]
    return {"room": "r1", "vote": "v1", "mode": "scale", "items": "notes", "unit": "",
            "voters": 5, "ranked": ranked, "revealed": True, "left_out": 0}  # fmt: skip


def table_two() -> tuple[RoomOutcome, Board]:
    """Notes voted on with dots, and a card without a date."""
    doc: Doc[Any] = Doc()
    notes, actions = doc.get("notes", type=Map), doc.get("actions", type=Map)
    with doc.transaction():
        notes["m1"] = note("Better street lights", 10)
        notes["m2"] = note("Free taxi vouchers", 11)
        actions["d1"] = card("Better street lights", "Map the dark corners", "",
                             "", "A clipboard", 20)  # fmt: skip
    board = board_of(doc)
    outcome = room_outcome("r2", "Table 2", board)
    ranked = [{"item": "m1", "total": 7, "rank": 1}, {"item": "m2", "total": 3, "rank": 2}]
    add_votes(outcome, [{"room": "r2", "vote": "v2", "mode": "dots", "items": "notes",
                         "unit": "", "voters": 4, "ranked": ranked, "revealed": True,
                         "left_out": 0}])  # fmt: skip
    return outcome, board


def workshop() -> Gathered:
    rooms = [
        RoomReport(*table_one(), "How do you get home after 6 pm?", 5),
        RoomReport(*table_two(), "What would make the walk home feel safe?", 4),
    ]
    agenda = [AgendaStep(1_780_000_060.0, None, "Ideas"),
              AgendaStep(1_780_003_600.0, "Table 1", "Vote")]  # fmt: skip
    return Gathered(WORKSHOP, 1_780_007_200.0, agenda, rooms, False)


def pdftotext(pdf: Path, *pages: int) -> list[str]:
    """The PDF's non-empty lines as ``pdftotext -layout`` lays them out, with
    each gap of two or more spaces (between columns) as " | "; ``pages``:
    the first and the last page."""
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    out = subprocess.run(["pdftotext", "-layout", *span, str(pdf), "-"], check=True,
                         capture_output=True, timeout=60)  # fmt: skip
    text = out.stdout.decode().replace("\f", "\n")
    return [re.sub(r"\s{2,}", " | ", line.strip()) for line in text.splitlines() if line.strip()]


def after(lines: list[str], heading: str, count: int) -> list[str]:
    """The ``count`` lines after the first line that is ``heading``."""
    start = lines.index(heading) + 1
    return lines[start : start + count]


def rtl(words: str) -> str:
    """Right-to-left words as pdftotext gives them: in logical order, between
    the bidi embedding marks RLE and PDF."""
    return f"\u202b{words}\u202c"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workshop's PDF; its first three pages also as PNG pictures in
    tests/artifacts/report/, for people to look at."""
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(to_pdf(workshop(), zone=UTC))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(path),
                    str(ARTIFACTS / "page")], check=True, timeout=60)  # fmt: skip
    return path


def test_pdf_is_an_export_format_of_one_file() -> None:
    assert "pdf" in EXPORT_FORMATS
    assert MEDIA_TYPES["pdf"] == "application/pdf"
    files = files_of(workshop(), "pdf")
    assert list(files) == ["report.pdf"]
    assert files["report.pdf"].startswith(b"%PDF-")


def test_page_one_is_the_easy_read_summary_with_an_icon_for_each_part(report: Path) -> None:
    icons = ["❓", "💡", "✅", "🙏"]
    page = pdftotext(report, 1, 1)
    assert [line for line in page if line in icons] == icons
    assert [line for line in page if line not in icons] == [
        "Summary for everyone who took part",
        "Getting about at night",
        "28 May 2026",
        "What we asked",
        "How do you get home after 6 pm?",
        "What would make the walk home feel safe?",
        "The ideas you liked most",
        "More buses at night",
        "Better street lights",
        rtl(ARABIC),
        CYRILLIC,
        "Free taxi vouchers",
        "What happens next",
        "Transport officer will phone the bus company",
        "about a 10 pm bus by Friday noon.",
        "We will map the dark corners.",
        "Thank you",
        "Thank you for your time and your ideas.",
        "Getting about at night | Page 1 of 7",
    ]


def test_the_report_counts_each_room_and_ranks_the_top_ideas_by_share(report: Path) -> None:
    lines = pdftotext(report)
    assert after(lines, "Workshop report · 28 May 2026 · made 28 May 2026, 22:26 UTC", 5) == [
        "At a glance",
        "Room | People | Notes | Groups | Factors | Loops | Actions",
        "Table 1 | 5 | 6 | 2 | 3 | 1 | 1",
        "Table 2 | 4 | 2 | 0 | 0 | 0 | 1",
        "All rooms | 9 | 8 | 2 | 3 | 1 | 2",
    ]
    assert after(lines, "Top ideas", 17)[2:] == [
        "1", "More buses at night", "Table 1: average agreement 4.6 of 5",
        "2", "Better street lights", "Table 2: 7 dots, 70% of the room's dots",
        "3", rtl(ARABIC), "Table 1: average agreement 3.4 of 5",
        "4", CYRILLIC, "Table 1: average agreement 2.2 of 5",
        "5", "Free taxi vouchers", "Table 2: 3 dots, 30% of the room's dots",
    ]  # fmt: skip


def test_each_note_is_shown_as_written_and_a_hidden_one_nowhere(report: Path) -> None:
    lines = pdftotext(report)
    assert after(lines, "Groups and notes", 10) == [
        "🚌",  # the emoji note's picture, which pdftotext places a line early
        "Buses 3 notes",
        "More buses at night",
        CYRILLIC,
        "Night bus",
        "Walking home 3 notes",
        rtl(ARABIC),
        SPECIAL,
        "A lit path",
        "Vote 1: agreement, 1 to 5, 5 people",
    ]
    assert not [line for line in lines if "Secret" in line]


def test_a_right_to_left_note_reads_from_the_right_edge_of_its_box(report: Path) -> None:
    out = subprocess.run(["pdftotext", "-bbox", "-f", "4", "-l", "4", str(report), "-"],
                         check=True, capture_output=True, timeout=60)  # fmt: skip
    words = [
        (float(x_min), float(x_max), word)
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            out.stdout.decode(),
        )
    ]
    # A4 is 595.28 pt wide, the margins 2.2 cm (62.36 pt), a note's inset 10 pt.
    left, right = 62.36 + 10, 595.28 - 62.36 - 10
    arabic = [word for word in words if re.search("[\u0600-\u06ff]", word[2])][:4]  # the note
    # pdftotext -bbox spells each right-to-left word as drawn, from the left.
    rightmost = max(arabic)
    assert rightmost[2][::-1] == ARABIC.split()[0]
    assert round(rightmost[1], 1) == round(right, 1)
    cyrillic = [word for word in words if word[2] == CYRILLIC.split()[0]]
    assert round(cyrillic[0][0], 1) == round(left, 1)


def test_a_vote_is_ranked_with_the_spread_of_its_scores(report: Path) -> None:
    lines = pdftotext(report)
    assert after(lines, "Vote 1: agreement, 1 to 5, 5 people", 6) == [
        "average 4.6",
        "1 | More buses at night | 4: 2, 5: 3",
        "average 3.4",
        f"2 | {rtl(ARABIC)} | 2: 1, 3: 2, 4: 1, 5: 1",
        "average 2.2",
        f"3 | {CYRILLIC} | 1: 2, 2: 1, 3: 1, 4: 1",
    ]
    assert after(lines, "Vote 1: dots, 4 people", 2) == [
        "1 | Better street lights | 7 dots",
        "2 | Free taxi vouchers | 3 dots",
    ]


def test_the_map_names_its_loop_with_the_factors_and_their_descriptions(report: Path) -> None:
    lines = pdftotext(report)
    loop = "People out after dark → Eyes on the street → Fear of crime → People out after dark"
    assert after(lines, "R1 | reinforcing, with a delay", 1) == [loop]
    assert after(lines, "Links", 4) == [
        "From | To | Effect | Delay | Label",
        "People out after dark | Eyes on the street | +",
        f"Eyes on the street | Fear of crime | {MINUS}",
        f"Fear of crime | People out after dark | {MINUS} | delayed | slowly",
    ]
    assert after(lines, "Factors", 4) == [
        "People out after dark",
        "How many people are out after 6 pm.",
        "Fear of crime",
        "How unsafe people feel on the way home.",
    ]


def test_each_action_card_says_its_step_who_and_when(report: Path) -> None:
    lines = pdftotext(report)
    first = lines.index("Actions")
    assert lines[first + 1 : first + 6] == [
        "More buses at night",
        "First step (within 48 hours) | Phone the bus company about a 10 pm bus",
        "Who | Transport officer",
        "By when | Friday noon",
        "Needs | Two hours",
    ]
    assert lines[lines.index("Actions", first + 1) + 1 :][:5] == [
        "Better street lights",
        "First step (within 48 hours) | Map the dark corners",
        "Who | (not written yet)",
        "By when | (not written yet)",
        "Needs | A clipboard",
    ]


def test_the_pdf_uses_only_the_fonts_that_ship_with_the_server(report: Path) -> None:
    out = subprocess.run(["pdffonts", str(report)], capture_output=True, timeout=60)
    rows = out.stdout.decode().splitlines()[2:]
    names = sorted({row.split()[0].partition("+")[2] or row.split()[0] for row in rows})
    assert names == [
        "NotoSans-Bold", "NotoSans-Regular", "NotoSansArabic-Bold", "NotoSansArabic-Regular",
        "NotoSansMath-Regular", "[none]",
    ]  # fmt: skip
    assert sum("Type 3" in row for row in rows) == 1  # the colour emoji


def test_a_next_step_reads_as_a_sentence_and_skips_what_is_missing() -> None:
    words = {"idea": "Lights", "step": "Phone the council.", "who": "Parks team",
             "when": "by Next Tuesday", "cost": ""}  # fmt: skip
    assert next_step(words) == "Parks team will phone the council by next Tuesday."
    assert next_step({**words, "who": "", "when": ""}) == "We will phone the council."
    assert next_step({**words, "step": "", "when": "Friday"}) == (
        "Parks team will work on “Lights” by Friday."
    )
    assert next_step({**words, "step": "", "idea": ""}) == ""


def test_a_sketch_draws_its_strokes_and_leaves_out_malformed_ones() -> None:
    svg = sketch_svg([
        {"points": [0, 0, 220, 110], "color": "#ff0000", "width": 50},
        {"points": [5, 5], "color": "red", "width": 2},
        {"points": [1, "x"], "color": "#00ff00", "width": 2},
        "not a stroke",
    ])  # fmt: skip
    assert re.findall(r"<path [^>]*/>", svg) == [
        '<path d="M 0.0 0.0 L 220.0 110.0" fill="none" stroke="#ff0000" stroke-width="20" '
        'stroke-linecap="round" stroke-linejoin="round"/>',
        '<path d="M 5.0 5.0 L 5.0 5.0" fill="none" stroke="#212529" stroke-width="2" '
        'stroke-linecap="round" stroke-linejoin="round"/>',
    ]
