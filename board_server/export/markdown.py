"""The workshop report in Markdown: what was asked, what each room made, and
what the rooms share (top ideas, the action plan, themes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from board_server.export.gather import Gathered, RoomReport
from board_server.export.summary import action_plan, how_much, top_ideas
from board_server.export.tables import loop_names, note_words

LOOP_KINDS = {"R": "reinforcing", "B": "balancing"}
MODES = {"dots": "dots", "budget": "budget", "scale": "agreement, 1 to 5"}
ACTION_LABELS = (
    ("First step (within 48 hours)", "step"),
    ("Who", "who"),
    ("By when", "when"),
    ("Needs", "cost"),
)

Picture = Callable[[RoomReport], str | None]
"""A room's picture as a Markdown image (a data URI), or None."""
Sketch = Callable[[dict[str, Any]], str]
"""A sketch note's drawing as a Markdown image."""


def one_line(words: str) -> str:
    """Words typed over several lines, as one line."""
    return " ".join(str(words).split())


def cell(words: object) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return one_line(str(words)).replace("|", "\\|")


def local(seconds: float, zone: tzinfo | None) -> datetime:
    return datetime.fromtimestamp(seconds, zone).astimezone(zone)


def to_markdown(
    data: Gathered,
    *,
    zone: tzinfo | None = None,
    themes: Sequence[Any] = (),
    map_picture: Picture | None = None,
    sketch: Sketch | None = None,
) -> str:
    """The report. ``zone``: the time zone for times (the machine's by
    default); ``themes``: what several rooms arrived at (export/themes.py);
    ``map_picture``: each room's system map as an image; ``sketch``: a
    sketch note's drawing as an image, after its words."""
    workshop = data.workshop
    started = local(workshop.created, zone)
    made = local(data.generated, zone)
    lines = [
        f"# {one_line(workshop.title)}",
        "",
        f"Workshop report · {started:%-d %B %Y} · made {made:%-d %B %Y, %H:%M %Z}",
        "",
    ]
    lines += _glance(data)
    lines += _agenda(data, zone)
    lines += _across(data, themes)
    for room in data.rooms:
        lines += _room(room, data.named, map_picture, sketch)
    return "\n".join(lines).rstrip("\n") + "\n"


def _glance(data: Gathered) -> list[str]:
    lines = ["## At a glance", "", "| Room | People | Notes | Groups | Factors | Loops | Actions |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for room in data.rooms:
        o = room.outcome
        lines.append(
            f"| {cell(o.room_name)} | {room.people} | {len(o.notes)} | {len(o.clusters)} "
            f"| {len(o.factors)} | {len(o.loops)} | {len(o.actions)} |"
        )
    return [*lines, ""]


def _agenda(data: Gathered, zone: tzinfo | None) -> list[str]:
    lines = ["## The agenda as it ran", ""]
    if not data.agenda:
        return [*lines, "No phases were started.", ""]
    lines += ["| Time | Where | Phase |", "|---|---|---|"]
    for step in data.agenda:
        where = cell(step.room) if step.room is not None else "Every room"
        lines.append(f"| {local(step.at, zone):%H:%M} | {where} | {cell(step.title)} |")
    return [*lines, ""]


def _across(data: Gathered, themes: Sequence[Any]) -> list[str]:
    lines = ["## Across the rooms", "", "### Top ideas", ""]
    ideas = top_ideas(data)
    if ideas:
        lines += [
            "Each room's first three in its last vote, by the share of that vote they got "
            "(on the agreement scale, by the average score).",
            "",
        ]
        lines += [f"{n}. {one_line(idea.label)} ({idea.room}: {how_much(idea)})"
                  for n, idea in enumerate(ideas, start=1)]  # fmt: skip
    else:
        lines.append("No vote was closed.")
    lines += ["", "### Action plan", ""]
    plan = action_plan(data)
    if plan:
        lines += ["| # | Idea | First step (within 48 hours) | Who | By when | Needs | Room |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for n, (room_name, card) in enumerate(plan, start=1):
            lines.append(
                f"| {n} | {cell(card['idea']) or '(no idea written yet)'} | {cell(card['step'])} "
                f"| {cell(card['who'])} | {cell(card['when'])} | {cell(card['cost'])} "
                f"| {cell(room_name)} |"
            )
    else:
        lines.append("No action cards were made.")
    lines += ["", "### Themes several rooms arrived at", ""]
    if themes:
        for theme in themes:
            rooms = ", ".join(theme.room_names)
            lines.append(f"- **{one_line(theme.label)}** ({rooms})")
            lines += [f"  - {one_line(item.text)} ({item.room_name})" for item in theme.items]
            lines.append(f"  - *How it was found:* {theme.method}")
    else:
        lines.append(
            "None found: no two rooms wrote notes, groups or factors close enough in meaning."
        )
    return [*lines, ""]


def _room(
    room: RoomReport, named: bool, map_picture: Picture | None, sketch: Sketch | None
) -> list[str]:
    outcome = room.outcome
    people = "person" if room.people == 1 else "people"
    lines = [f"## {one_line(outcome.room_name)}", ""]
    if room.prompt:
        lines += [f"**Question:** {one_line(room.prompt)}", ""]
    lines += [f"{room.people} {people} took part.", ""]

    def words(note: dict[str, Any]) -> str:
        text = one_line(note_words(note)) or f"({note['kind']} note)"
        author = room.authors.get(note["id"]) if named else None
        if author:
            text = f"{text} (by {author})"
        if sketch is not None and note["kind"] == "sketch":
            text = f"{text} {sketch(note)}"
        return text

    titles = {cluster["id"]: cluster["title"] for cluster in outcome.clusters}
    groups: dict[str, list[dict[str, Any]]] = {cid: [] for cid in titles}
    loose: list[dict[str, Any]] = []
    for note in outcome.notes:
        groups.get(note["cluster"], loose).append(note)
    lines += ["### Groups and notes", ""]
    if not outcome.notes and not groups:
        lines += ["No notes.", ""]
    for cluster_id, notes in groups.items():
        lines.append(f"#### {one_line(titles[cluster_id]) or 'Untitled group'}")
        lines += [f"- {words(note)}" for note in notes] or ["- (empty group)"]
        lines.append("")
    if loose:
        lines.append("#### Notes not in a group" if groups else "#### Notes")
        lines += [f"- {words(note)}" for note in loose] + [""]
    for number, vote in enumerate(outcome.votes, start=1):
        lines += _vote(number, vote)
    lines += _map(room, map_picture)
    if outcome.actions:
        lines += ["### Actions", ""]
        for number, card in enumerate(outcome.actions, start=1):
            lines.append(f"{number}. **{one_line(card['idea']) or '(no idea written yet)'}**")
            for label, key in ACTION_LABELS:
                lines.append(f"   - {label}: {one_line(card[key]) or '(not written yet)'}")
        lines.append("")
    return lines


def _vote(number: int, vote: dict[str, Any]) -> list[str]:
    """A closed vote as a ranked list; on the scale with each score's count."""
    people = "person" if vote["voters"] == 1 else "people"
    shown = "" if vote.get("revealed", True) else "; not revealed in the room"
    lines = [f"### Vote {number} ({MODES[vote['mode']]}, {vote['voters']} {people}{shown})", ""]
    unit = vote["unit"]
    for entry in vote["ranked"]:
        label = one_line(entry["label"])
        if vote["mode"] == "scale":
            counts = ", ".join(f"{score}: {n}" for score, n in enumerate(entry["spread"], 1) if n)
            lines.append(f"{entry['rank']}. {label}: average {entry['mean']} ({counts})")
        else:
            lines.append(f"{entry['rank']}. {label}: {unit}{entry['total']}")
    if not vote["ranked"]:
        lines.append("Nothing that can be shown outside the room got a vote.")
    return [*lines, ""]


def _map(room: RoomReport, map_picture: Picture | None) -> list[str]:
    outcome = room.outcome
    if not outcome.factors:
        return []
    lines = ["### System map", ""]
    picture = map_picture(room) if map_picture is not None else None
    if picture:
        lines += [picture, ""]
    labels = {f["id"]: one_line(f["label"]) or "(unnamed factor)" for f in outcome.factors}
    if outcome.loops:
        lines += ["#### Feedback loops", ""]
        for name, loop in zip(loop_names(outcome), outcome.loops, strict=True):
            path = " → ".join(labels[f] for f in (*loop.factors, loop.factors[0]))
            delay = ", with a delay" if loop.delayed else ""
            lines.append(f"- **{name}** ({LOOP_KINDS[loop.kind]}{delay}): {path}")
        lines.append("")
    lines += ["#### Links", ""]
    for link in outcome.links:
        mark = " (delayed)" if link["delay"] else ""
        label = f": {one_line(link['label'])}" if link["label"] else ""
        lines.append(
            f"- {labels[link['from']]} → {labels[link['to']]} ({link['polarity']}){mark}{label}"
        )
    described = [f for f in outcome.factors if f["description"].strip()]
    if described:
        lines += ["", "#### Factors", ""]
        lines += [f"- **{labels[f['id']]}**: {one_line(f['description'])}" for f in described]
    return [*lines, ""]
