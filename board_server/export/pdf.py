"""The workshop report as PDF: an easy-read summary for the participants,
then the full report (the Markdown report's content), typeset by Typst.

Python puts every word into ``report.json`` and every picture into an SVG
file beside the template (``report.typ``), which only reads them: what
people wrote reaches Typst as JSON strings, never as markup, so ``#``, ``$``
or ``[`` in a note stay what they are. The fonts ship in
``board_server/fonts`` and the machine's own are never looked at, so a
report looks the same from every server.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import typst

from board_server.export.gather import Gathered, RoomReport
from board_server.export.markdown import LOOP_KINDS, MODES, local, one_line
from board_server.export.pictures import sketch_svg
from board_server.export.summary import action_plan, how_much, top_ideas
from board_server.export.svg import board_svg, map_svg
from board_server.export.svgpage import count
from board_server.export.tables import loop_names

TEMPLATE = Path(__file__).with_name("report.typ")
FONTS = Path(__file__).parent.parent / "fonts"
"""Numbers (each x and each y) of one sketch drawn at most."""
TALL = 1.05
"""A picture higher than this times its width is fitted to a height, not the width."""

_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"')
_SOON = ("next", "this", "the", "end", "within", "in", "early", "late", "mid", "tomorrow",
         "today", "before", "after")  # fmt: skip
"""First words of a "by when" that read in lower case after "by"."""
ACTION_WORDS = ("who", "step", "when", "idea")
MINUS = "\u2212"


def to_pdf(data: Gathered, *, themes: Sequence[Any] = (), zone: tzinfo | None = None) -> bytes:
    """The report as PDF. ``themes``: what several rooms arrived at
    (export/themes.py); ``zone``: the time zone for times (the machine's)."""
    pictures: dict[str, str] = {}
    report = report_data(data, themes=themes, zone=zone, pictures=pictures)
    with tempfile.TemporaryDirectory(prefix="board-report-") as folder:
        root = Path(folder)
        (root / "report.typ").write_bytes(TEMPLATE.read_bytes())
        (root / "report.json").write_text(json.dumps(report, ensure_ascii=False), "utf-8")
        for name, svg in pictures.items():
            (root / name).write_text(svg, "utf-8")
        pdf = typst.compile(
            str(root / "report.typ"),
            root=str(root),
            font_paths=[str(FONTS)],
            ignore_system_fonts=True,
            timestamp=datetime.fromtimestamp(int(data.generated), UTC),
        )
    assert isinstance(pdf, bytes)
    return pdf


def report_data(
    data: Gathered, *, themes: Sequence[Any], zone: tzinfo | None, pictures: dict[str, str]
) -> dict[str, Any]:
    """Everything the template shows, as JSON-ready values; the pictures it
    names are added to ``pictures`` (file name → SVG)."""
    workshop = data.workshop
    started, made = local(workshop.created, zone), local(data.generated, zone)
    report = {
        "title": one_line(workshop.title) or "Workshop",
        "date": f"{started:%-d %B %Y}",
        "made": f"Workshop report · {started:%-d %B %Y} · made {made:%-d %B %Y, %H:%M %Z}",
        "easy": easy_read(data),
        "glance": _glance(data),
        "agenda": [
            [
                f"{local(step.at, zone):%H:%M}",
                one_line(step.room or "") or "Every room",
                one_line(step.title),
            ]
            for step in data.agenda
        ],
        "ideas": [
            {"label": one_line(idea.label), "where": f"{idea.room}: {how_much(idea)}"}
            for idea in top_ideas(data)
        ],
        "plan": [
            [
                str(n),
                one_line(card["idea"]) or "(no idea written yet)",
                one_line(card["step"]),
                one_line(card["who"]),
                one_line(card["when"]),
                one_line(card["cost"]),
                room,
            ]
            for n, (room, card) in enumerate(action_plan(data), start=1)
        ],
        "themes": [_theme(theme) for theme in themes],
        "rooms": [_room(n, room, data.named, pictures) for n, room in enumerate(data.rooms, 1)],
    }
    printable: dict[str, Any] = _printable(report)
    return printable


def easy_read(data: Gathered) -> dict[str, list[str]]:
    """The participants' summary: the questions, the ideas they liked most and
    who does what next, each a short line in plain words."""
    asked = [one_line(room.prompt) for room in data.rooms if one_line(room.prompt)]
    liked = [one_line(idea.label) for idea in top_ideas(data) if one_line(idea.label)]
    steps = [next_step(card) for _, card in action_plan(data)]
    topic = one_line(data.workshop.title)
    return {
        "asked": list(dict.fromkeys(asked)) or [f"We asked for your ideas: {topic}"],
        "liked": list(dict.fromkeys(liked)) or ["We did not vote on the ideas this time."],
        "next": [step for step in steps if step] or ["No next steps were written down yet."],
    }


def next_step(card: dict[str, Any]) -> str:
    """An action card as "<who> will <first step> by <when>.", or "" when it
    says neither a step nor an idea."""
    who, step, when, idea = (one_line(card[key]).rstrip(".") for key in ACTION_WORDS)
    if not step and not idea:
        return ""
    doing = _lower_first(step) if step else f"work on “{idea}”"
    sentence = f"{who or 'We'} will {doing}"
    when = re.sub(r"^by\s+", "", when, flags=re.IGNORECASE)
    if when:
        first, _, rest = when.partition(" ")
        if first.lower() in _SOON:
            when = f"{first.lower()} {rest}".strip()
        sentence += f" by {when}"
    return sentence + "."


def _lower_first(words: str) -> str:
    """A step as it reads after "will": "Phone the council" becomes "phone the
    council"; "NHS", "I" and "O'Neil" stay as they are."""
    first = words.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].isalpha() and first[1:].islower():
        return words[0].lower() + words[1:]
    return words


def _glance(data: Gathered) -> list[list[str]]:
    rows = []
    for room in data.rooms:
        o = room.outcome
        counts = (room.people, len(o.notes), len(o.clusters), len(o.factors), len(o.loops),
                  len(o.actions))  # fmt: skip
        rows.append([one_line(o.room_name), *map(str, counts)])
    if len(rows) > 1:
        sums = [sum(int(row[i]) for row in rows) for i in range(1, 7)]
        rows.append(["All rooms", *map(str, sums)])
    return rows


def _theme(theme: Any) -> dict[str, Any]:
    rooms = list(dict.fromkeys(item.room_name for item in theme.items))
    return {
        "label": one_line(theme.label),
        "rooms": ", ".join(rooms),
        "items": [f"{one_line(item.text)} ({item.room_name})" for item in theme.items],
        "method": str(theme.method),
    }


def _room(number: int, room: RoomReport, named: bool, pictures: dict[str, str]) -> dict[str, Any]:
    o = room.outcome
    name = one_line(o.room_name)
    titles = {cluster["id"]: cluster["title"] for cluster in o.clusters}
    grouped: dict[str, list[dict[str, Any]]] = {cluster_id: [] for cluster_id in titles}
    loose: list[dict[str, Any]] = []
    for note in o.notes:
        grouped.get(note["cluster"], loose).append(note)
    groups = [(one_line(titles[key]) or "Untitled group", notes) for key, notes in grouped.items()]
    if loose:
        groups.append(("Notes not in a group" if grouped else "Notes", loose))
    sketches = 0

    def shown(note: dict[str, Any]) -> dict[str, Any]:
        nonlocal sketches
        picture = None
        if note["kind"] == "sketch" and note.get("strokes"):
            sketches += 1
            picture = f"room{number}-sketch{sketches}.svg"
            pictures[picture] = sketch_svg(note["strokes"])
        return {
            "kind": note["kind"],
            "text": one_line(note["text"]) or ("" if picture else f"({note['kind']} note)"),
            "emoji": note["emoji"] if note["kind"] == "emoji" else "",
            "picture": picture,
            "by": (room.authors.get(note["id"], "") if named else ""),
        }

    board = None
    if o.notes or o.clusters or o.actions:
        board = _picture(pictures, f"room{number}-board.svg",
                         board_svg(room.board, title=name),
                         f"The board of {name}")  # fmt: skip
    people = "person" if room.people == 1 else "people"
    return {
        "name": name,
        "question": one_line(room.prompt),
        "people": f"{room.people} {people} took part.",
        "groups": [
            {
                "title": title,
                "count": count(len(notes), "note", "notes"),
                "notes": [shown(note) for note in notes],
            }
            for title, notes in groups
        ],
        "votes": [_vote(n, vote) for n, vote in enumerate(o.votes, start=1)],
        "map": _map(number, room, pictures),
        "board": board,
        "actions": [_card(card) for card in o.actions],
    }


def _vote(number: int, vote: dict[str, Any]) -> dict[str, Any]:
    people = "person" if vote["voters"] == 1 else "people"
    shown = "; not revealed in the room" if not vote.get("revealed", True) else ""
    scale = vote["mode"] == "scale"
    top = max((entry["total"] for entry in vote["ranked"]), default=0) or 1
    ranked = []
    for entry in vote["ranked"]:
        row: dict[str, Any] = {"rank": str(entry["rank"]), "label": one_line(entry["label"])}
        if scale:
            spread = [int(n) for n in entry["spread"][:5]] + [0] * (5 - len(entry["spread"][:5]))
            row["result"] = "no scores" if entry["mean"] is None else f"average {entry['mean']}"
            row["detail"] = ", ".join(f"{score}: {n}" for score, n in enumerate(spread, 1) if n)
            row["spread"] = spread
        else:
            total = entry["total"]
            amount = _number(total)
            dots = "dot" if total == 1 else "dots"
            budget = vote["mode"] == "budget"
            row["result"] = f"{vote['unit']}{amount}" if budget else f"{amount} {dots}"
            row["detail"] = ""
            row["share"] = max(0.0, min(1.0, total / top))
        ranked.append(row)
    return {
        "heading": f"Vote {number}: {MODES[vote['mode']]}, {vote['voters']} {people}{shown}",
        "scale": scale,
        "ranked": ranked,
        "empty": "Nothing that can be shown outside the room got a vote.",
    }


def _map(number: int, room: RoomReport, pictures: dict[str, str]) -> dict[str, Any] | None:
    o = room.outcome
    if not o.factors:
        return None
    name = one_line(o.room_name)
    labels = {f["id"]: one_line(f["label"]) or "(unnamed factor)" for f in o.factors}
    loops = []
    for loop_name, loop in zip(loop_names(o), o.loops, strict=True):
        delay = ", with a delay" if loop.delayed else ""
        path = " → ".join(labels[f] for f in (*loop.factors, loop.factors[0]))
        loops.append({"name": loop_name, "kind": f"{LOOP_KINDS[loop.kind]}{delay}", "path": path})
    links = [
        [labels[link["from"]], labels[link["to"]], "+" if link["polarity"] == "+" else MINUS,
         "delayed" if link["delay"] else "", one_line(link["label"])]
        for link in o.links
    ]  # fmt: skip
    svg = map_svg(room.board, o.loops, title=name)
    return {
        "picture": _picture(pictures, f"room{number}-map.svg", svg, f"The system map of {name}"),
        "loops": loops,
        "links": links,
        "factors": [
            {"label": labels[f["id"]], "description": one_line(f["description"])}
            for f in o.factors
            if f["description"].strip()
        ],
    }


def _card(card: dict[str, Any]) -> dict[str, Any]:
    fields = (("First step (within 48 hours)", "step"), ("Who", "who"), ("By when", "when"),
              ("Needs", "cost"))  # fmt: skip
    return {
        "idea": one_line(card["idea"]) or "(no idea written yet)",
        "fields": [
            {
                "label": label,
                "value": one_line(card[key]) or "(not written yet)",
                "missing": not one_line(card[key]),
            }
            for label, key in fields
        ],
    }


def _picture(pictures: dict[str, str], name: str, svg: str, alt: str) -> dict[str, Any]:
    """Keep an SVG under ``name``; the template fits a tall one to a height."""
    pictures[name] = svg
    size = _SIZE.search(svg)
    tall = size is not None and float(size[2]) > TALL * float(size[1])
    return {"file": name, "tall": tall, "alt": alt}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _printable(value: Any) -> Any:
    """Strings without control characters or lone surrogates (JSON that
    Typst cannot read); lists and dicts all the way down."""
    if isinstance(value, str):
        return _UNPRINTABLE.sub("", value)
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    return value
