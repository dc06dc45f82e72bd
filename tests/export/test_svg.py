"""The pictures of a room (export/svg.py): a board written by hand as
``board_of`` returns it, passed through ``for_outside``, drawn, parsed back
with ElementTree, and read for what a person looking at it would see."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

from board_server.export.outcomes import room_outcome
from board_server.export.svg import board_svg, map_svg
from board_server.export.svgtext import PDF, RLE
from board_server.workshop.loops import Loop
from board_server.workshop.visibility import Board, for_outside

NS = "{http://www.w3.org/2000/svg}"
TRICKY = 'Tom\'s "quick" <idea> & more'
ARABIC = "نحتاج إلى حافلات أكثر"
CYRILLIC = "Больше автобусов ночью"
SECRET = "Call Sam on 07700 900123"


def note(text: str, x: float, y: float, created: int, **extra: Any) -> dict[str, Any]:
    """A text note as a tablet writes it (docs/schema.md)."""
    fields = {"text": text, "x": x, "y": y, "color": "#ffe066", "kind": "text", "cluster": ""}
    return {**fields, "created": created, **extra}


def link(source: str, target: str, polarity: str, created: int, **extra: Any) -> dict[str, Any]:
    """A causal arrow as a tablet writes it."""
    fields = {"from": source, "to": target, "polarity": polarity, "delay": False, "label": ""}
    return {**fields, "created": created, **extra}


def board() -> Board:
    """Table 1: a group of two notes, loose notes in three scripts, a picture,
    a sketch, a hidden note, a kept note and a card made from it, a map of
    four factors with two loops and a delay."""
    return {
        "notes": {
            "n1": note("More buses after 10 pm", 40, 130, 1, cluster="c1"),
            "n2": note(ARABIC, 276, 130, 2, cluster="c1"),
            "n3": note(CYRILLIC, 600, 130, 3),
            "n4": note(TRICKY, 840, 130, 4),
            "n5": {**note("Night bus", 40, 400, 5, kind="emoji"), "emoji": "🚌"},
            "n6": {
                **note("The 42", 276, 400, 6, kind="sketch"),
                "strokes": [
                    {"points": [10, 20, 30, 40, 50, 60], "color": "#c92a2a", "width": 5},
                    {"points": [100, 50], "color": "url(#x)", "width": 99},
                    {"points": [1, "a"], "color": "#111111", "width": 2},
                    {"points": [1, 2, math.nan, 4], "color": "#111111", "width": 2},
                    "not a stroke",
                ],
            },
            "hid": note(SECRET, 600, 400, 7),
            "kept": note("Only for us", 840, 400, 8, keep=True),
        },
        "clusters": {"c1": {"title": "Getting home", "created": 1}},
        "actions": {
            "k1": {
                "idea": "More buses after 10 pm",
                "step": "Phone the bus company",
                "who": "Transport officer",
                "when": "Friday noon",
                "cost": "Two hours",
                "note": "n1",
                "x": 1100,
                "y": 130,
                "created": 20,
            },
            "k2": {
                "idea": SECRET,
                "step": "",
                "who": "",
                "when": "",
                "cost": "",
                "note": "hid",
                "x": 1100,
                "y": 540,
                "created": 21,
            },
        },
        "buildons": {
            "b1": {"text": "Try a community minibus", "room": "r2", "from": "Table 2", "created": 9}
        },
        "nodes": {
            "f1": {"label": "Buses", "description": "Late buses", "x": 300, "y": 0, "created": 1},
            "f2": {"label": "Riders", "x": 650, "y": 250, "created": 2},
            "f3": {"label": "Fares & <income>", "x": 300, "y": 500, "created": 3},
            "f4": {"label": "Costs", "x": -50, "y": 250, "created": 4},
        },
        "links": {
            "l1": link("f1", "f2", "+", 1),
            "l2": link("f2", "f3", "+", 2),
            "l3": link("f3", "f1", "+", 3, delay=True, label="next year"),
            "l4": link("f1", "f4", "+", 4),
            "l5": link("f4", "f1", "-", 5),
            "l6": link("f1", "gone", "-", 6),
        },
        "strokes": {},
        "meta": {},
    }


def outside() -> Board:
    """The board as exports may see it: the note "hid" is in the bin."""
    return for_outside(board(), {"hid"})


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def by_id(root: ET.Element, element_id: str) -> ET.Element:
    found = [element for element in root.iter() if element.get("id") == element_id]
    assert len(found) == 1, element_id
    return found[0]


def lines(element: ET.Element) -> list[str]:
    """The lines of text a reader sees in an element, in order: each <tspan>,
    or a whole <text> that has none; without the invisible embedding marks
    around right-to-left lines."""
    seen = []
    for text in element.iter(f"{NS}text"):
        spans = list(text.iter(f"{NS}tspan"))
        seen += ["".join(span.itertext()) for span in spans] or ["".join(text.itertext())]
    return [line.strip(RLE + PDF) for line in seen]


def shown(element: ET.Element) -> str:
    return " ".join(lines(element))


def title(element: ET.Element) -> str:
    found = element.find(f"{NS}title")
    assert found is not None
    return found.text or ""


def test_every_visible_note_shows_its_words_and_names_them_in_its_title() -> None:
    root = parse(board_svg(outside(), title="Table 1"))
    visible = {"n1": "More buses after 10 pm", "n2": ARABIC, "n3": CYRILLIC, "n4": TRICKY}
    for note_id, words in visible.items():
        group = by_id(root, f"note-{note_id}")
        assert shown(group) == words
        assert title(group) == words
    assert title(by_id(root, "note-n5")) == "🚌 Night bus"
    assert title(by_id(root, "note-n6")) == "Drawing: The 42"
    assert title(root) == "Table 1"


def test_special_characters_are_escaped_and_come_back_as_written() -> None:
    svg = board_svg(outside(), title="Tables <1> & 2")
    assert "&lt;idea&gt; &amp; more" in svg
    assert "<idea>" not in svg
    root = parse(svg)
    assert shown(by_id(root, "note-n4")) == TRICKY
    assert title(root) == "Tables <1> & 2"


def test_hidden_and_kept_notes_and_cards_made_from_them_are_not_in_the_picture() -> None:
    svg = board_svg(outside(), title="Table 1")
    assert "07700" not in svg
    assert "Only for us" not in svg
    ids = {element.get("id") for element in parse(svg).iter()}
    assert {"note-n1", "action-k1"} <= ids
    assert not {"note-hid", "note-kept", "action-k2"} & ids


def test_right_to_left_words_end_at_the_right_edge_of_the_note() -> None:
    root = parse(board_svg(outside(), title="Table 1"))
    arabic = by_id(root, "note-n2").find(f"{NS}text")
    latin = by_id(root, "note-n3").find(f"{NS}text")
    assert arabic is not None and latin is not None
    assert arabic.get("text-anchor") == "end"
    spans = list(arabic.iter(f"{NS}tspan"))
    assert {span.get("x") for span in spans} == {str(276 + 220 - 14)}
    texts = [span.text or "" for span in spans]
    assert all(text.startswith(RLE) and text.endswith(PDF) for text in texts)
    assert latin.get("text-anchor") == "start"
    assert {span.get("x") for span in latin.iter(f"{NS}tspan")} == {str(600 + 14)}
    assert RLE not in "".join(latin.itertext())


def test_a_group_is_framed_around_its_notes_with_its_title_above_them() -> None:
    group = by_id(parse(board_svg(outside(), title="Table 1")), "cluster-c1")
    frame = group.find(f"{NS}rect")
    assert frame is not None
    # Notes at (40, 130) and (276, 130): 16 all round, the 56-unit title bar above.
    box = [frame.get(key) for key in ("x", "y", "width", "height")]
    assert box == ["24", "58", str(236 + 220 + 32), str(220 + 32 + 56)]
    assert shown(group) == "Getting home"


def test_picture_and_sketch_notes() -> None:
    root = parse(board_svg(outside(), title="Table 1"))
    emoji = [text for text in by_id(root, "note-n5").iter(f"{NS}text") if text.text == "🚌"]
    assert [text.get("font-size") for text in emoji] == ["84"]
    sketch = by_id(root, "note-n6")
    drawing = sketch.find(f"{NS}svg")
    assert drawing is not None and drawing.get("viewBox") == "0 0 220 110"
    strokes = [
        (line.get("points"), line.get("stroke"), line.get("stroke-width"))
        for line in drawing.iter(f"{NS}polyline")
    ]
    # Malformed strokes are left out; a bad colour and width are replaced; a tap is a dot.
    assert strokes == [("10,20 30,40 50,60", "#c92a2a", "5"), ("100,50 100,50", "#111111", "20")]
    assert shown(sketch) == "The 42"


def test_action_card_shows_the_idea_and_each_field() -> None:
    card = by_id(parse(board_svg(outside(), title="Table 1")), "action-k1")
    assert shown(card) == (
        "Action More buses after 10 pm First step, within 48 hours Phone the bus company "
        "Who takes it Transport officer By when Friday noon What it needs Two hours"
    )


def test_build_on_lane_names_the_visiting_table() -> None:
    buildon = by_id(parse(board_svg(outside(), title="Table 1")), "buildon-b1")
    assert lines(buildon) == ["From Table 2:", "Try a community minibus"]


def test_a_long_note_is_wrapped_and_cut_with_an_ellipsis_inside_its_box() -> None:
    text = " ".join(f"word{i}" for i in range(200))
    root = parse(board_svg({"notes": {"n": note(text, 0, 0, 1)}}, title="Long"))
    group = by_id(root, "note-n")
    seen = lines(group)
    assert len(seen) == 8
    assert seen[-1].endswith("…")
    assert text.startswith(" ".join(seen)[:-1].rstrip())
    assert title(group) == text
    baselines = [float(span.get("y") or 0) for span in group.iter(f"{NS}tspan")]
    assert max(baselines) <= 220 - 14


def test_the_view_fits_everything_with_a_margin() -> None:
    root = parse(board_svg(outside(), title="Table 1"))
    left, top, width, height = (float(v) for v in (root.get("viewBox") or "").split())
    # Leftmost thing: the group's frame at x 24; the lane is right of the card at 1100.
    assert left == 24 - 40
    assert left + width >= 1100 + 300 + 80 + 340 + 40
    assert top < 58 - 40
    assert top + height >= 400 + 220 + 40
    assert root.get("version") == "1.1"
    assert root.get("font-family") == "Noto Sans, DejaVu Sans, sans-serif"


def test_empty_board_and_map_say_so() -> None:
    assert "No notes yet" in lines(parse(board_svg({}, title="Table 2")))
    assert "No factors yet" in lines(parse(map_svg({"notes": {}}, [], title="Table 2")))


def test_map_shows_factors_polarity_delay_and_leaves_out_broken_links() -> None:
    shown_board = outside()
    root = parse(map_svg(shown_board, room_outcome("r1", "T", shown_board).loops, title="Map"))
    for factor_id, label in [("f1", "Buses"), ("f2", "Riders"), ("f3", "Fares & <income>")]:
        assert shown(by_id(root, f"factor-{factor_id}")) == label
    marks = {}
    for link_id in ("l1", "l2", "l3", "l4", "l5"):
        group = by_id(root, f"link-{link_id}")
        polarity = group.find(f"{NS}g[@class='polarity']")
        delay = group.find(f"{NS}g[@class='delay']")
        assert polarity is not None
        marks[link_id] = ("".join(polarity.itertext()), delay is not None and len(delay) == 2)
    assert marks == {
        "l1": ("+", False),
        "l2": ("+", False),
        "l3": ("+", True),
        "l4": ("+", False),
        "l5": ("\u2212", False),
    }
    assert title(by_id(root, "link-l3")) == "Fares & <income> → Buses (+), with a delay: next year"
    assert shown(by_id(root, "link-l3")) == "+ next year"
    assert "link-l6" not in {element.get("id") for element in root.iter()}


def test_legend_numbers_loops_per_kind_and_lists_their_factors() -> None:
    root = parse(map_svg(outside(), room_outcome("r1", "T", outside()).loops, title="Map"))
    assert shown(by_id(root, "loop-B1")) == "B1 Balancing: Buses → Costs → Buses"
    assert shown(by_id(root, "loop-R1")) == (
        "R1 Reinforcing, with a delay: Buses → Riders → Fares & <income> → Buses"
    )
    loops = [
        Loop(("f1", "f2"), ("a", "b"), "R", False),
        Loop(("f2", "f3"), ("c", "d"), "B", False),
        Loop(("f3", "f1"), ("e", "f"), "R", False),
    ]
    again = parse(map_svg(outside(), loops, title="Map"))
    names = [lines(by_id(again, f"loop-{name}"))[0] for name in ("R1", "B1", "R2")]
    assert names == ["R1", "B1", "R2"]
    fares = "Fares & <income>"
    assert shown(by_id(again, "loop-R2")) == f"R2 Reinforcing: {fares} → Buses → {fares}"


def test_ids_of_any_shape_become_distinct_xml_names() -> None:
    notes = {'a"b<c': note("one", 0, 0, 1), "a b": note("two", 300, 0, 2)}
    root = parse(board_svg({"notes": notes}, title="Ids"))
    assert shown(by_id(root, "note-a_22_b_3c_c")) == "one"
    assert shown(by_id(root, "note-a_20_b")) == "two"


def test_malformed_fields_are_defaulted_or_left_out() -> None:
    bad: dict[str, Any] = {
        "notes": {
            "x": {
                "text": "Where am I",
                "x": "120",
                "y": math.nan,
                "color": 123,
                "kind": 5,
                "cluster": ["c"],
                "created": "yesterday",
            },
            "s": {"text": None, "kind": "sketch", "strokes": "abc", "x": math.inf, "y": 1e300},
            "e": {"kind": "emoji", "emoji": 7, "text": "bell\x07 and \ud800 too"},
            "l": "not a note",
        },
        "clusters": {"c": {"title": None}, "d": "no"},
        "actions": {"k": {"idea": 42, "x": True, "y": None}},
        "buildons": {"b": {"text": None}, "c": {"text": "ok", "from": 3}},
        "nodes": {"f": {"label": {"no": 1}, "x": "1"}, "g": {"label": "G", "x": -math.inf}},
        "links": {
            "a": {"from": ["f"], "to": "g"},
            "b": {"from": "g", "to": "g", "delay": "yes", "label": "\x07"},
        },
    }
    board_picture = parse(board_svg(bad, title="Broken"))
    where = by_id(board_picture, "note-x")
    box = where.findall(f"{NS}rect")[1]
    assert (box.get("x"), box.get("y"), box.get("fill")) == ("0", "0", "#ffe066")
    assert shown(where) == "Where am I"
    assert shown(by_id(board_picture, "note-e")) == "bell and too"
    assert title(by_id(board_picture, "note-e")) == "bell and  too"
    assert lines(by_id(board_picture, "buildon-c")) == ["From another table:", "ok"]
    map_picture = parse(map_svg(bad, [Loop(("g", "zz"), ("b", "q"), "X", True)], title="Broken"))
    assert shown(by_id(map_picture, "factor-f")) == "(unnamed factor)"
    assert by_id(map_picture, "link-b").find(f"{NS}g[@class='delay']") is None
    assert title(by_id(map_picture, "link-b")) == "G → G (+)"
    assert "link-a" not in {element.get("id") for element in map_picture.iter()}
    assert shown(by_id(map_picture, "loop-X1")) == "X1 Loop, with a delay: G → (removed factor) → G"
    roots_of_the_wrong_type: dict[str, Any] = {"notes": None, "actions": [], "nodes": "f"}
    assert lines(parse(board_svg(roots_of_the_wrong_type, title="")))[-1] == "No notes yet"
    assert lines(parse(map_svg(roots_of_the_wrong_type, [], title="")))[-1] == "No factors yet"


def test_same_board_same_bytes_whatever_the_order_of_its_entries() -> None:
    def pictures(data: Board) -> tuple[str, str]:
        loops = room_outcome("r1", "T", data).loops
        return board_svg(data, title="T"), map_svg(data, loops, title="T")

    backwards = {root: dict(reversed(list(items.items()))) for root, items in outside().items()}
    assert pictures(outside()) == pictures(outside()) == pictures(backwards)
