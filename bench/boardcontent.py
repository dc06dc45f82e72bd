"""What the browser benchmark puts on the board: notes, factors and links.

Everything is generated from a fixed seed, so every run and every machine
sees the same board. The shapes follow docs/schema.md. ``WRITE_JS`` writes
them into a page's live document (``window.board``) in a few transactions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

NOTE_STEP = 236  # a 220 px note and a 16 px gap, as the board's own layout
NOTE_COLUMNS = 25
FACTOR_STEP = (200, 190)
FACTOR_COLUMNS = 10
COLORS = ("#ffe066", "#ffb3c1", "#b2f2bb", "#a5d8ff", "#ffd8a8", "#d0bfff")
WORDS = (
    *("bus", "stop", "too", "far", "at", "night", "buses", "late", "lonely", "evenings"),
    *("long", "waits", "no", "one", "to", "ask", "forms", "are", "hard", "phone", "credit"),
    *("runs", "out", "clinic", "closes", "early", "rent", "went", "up", "cold", "flat"),
    *("kids", "need", "help", "with", "homework"),
)
LINK_MODELS = ("local", "uniform")
# In the local model, the share of links to any factor rather than a neighbour.
FAR_SHARE = 0.1

Item = dict[str, Any]


@dataclass(frozen=True)
class BoardContent:
    """A board's notes, factors and links, as plain values for the page."""

    notes: list[Item]
    factors: list[Item]
    links: list[Item]
    link_model: str
    seed: int


def make_content(notes: int, factors: int, links: int, link_model: str, seed: int) -> BoardContent:
    """The same board for the same arguments; the map does not depend on ``notes``."""
    rng = random.Random(f"notes {seed}")
    note_items = [
        {
            "id": f"n{i:03d}",
            "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))),
            "x": 16 + (i % NOTE_COLUMNS) * NOTE_STEP,
            "y": 16 + (i // NOTE_COLUMNS) * NOTE_STEP,
            "color": rng.choice(COLORS),
            "created": 1_700_000_000_000 + i,
        }
        for i in range(notes)
    ]
    factor_items = [
        {
            "id": f"f{i:03d}",
            "label": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))),
            "x": 24 + (i % FACTOR_COLUMNS) * FACTOR_STEP[0],
            "y": 24 + (i // FACTOR_COLUMNS) * FACTOR_STEP[1],
            "created": 1_700_000_000_000 + i,
        }
        for i in range(factors)
    ]
    rng = random.Random(f"map {seed}")
    pairs = make_links(factors, links, link_model, rng)
    link_items = [
        {
            "id": f"l{i:03d}",
            "from": f"f{a:03d}",
            "to": f"f{b:03d}",
            "polarity": "-" if rng.random() < 0.3 else "+",
            "delay": rng.random() < 0.1,
            "created": 1_700_000_000_000 + i,
        }
        for i, (a, b) in enumerate(pairs)
    ]
    return BoardContent(note_items, factor_items, link_items, link_model, seed)


def make_links(factors: int, links: int, model: str, rng: random.Random) -> list[tuple[int, int]]:
    """Distinct directed pairs of factor indexes, no factor linked to itself.

    ``local``: like a workshop's map, most arrows join neighbours on the
    factor grid (the 8 cells around), a few go anywhere. ``uniform``: any pair.
    """
    if model not in LINK_MODELS:
        raise ValueError(f"unknown link model {model!r}")
    if links > factors * (factors - 1):
        raise ValueError(f"{links} links do not fit between {factors} factors")
    cell = {i: (i % FACTOR_COLUMNS, i // FACTOR_COLUMNS) for i in range(factors)}
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[int, int]] = []
    while len(pairs) < links:
        a = rng.randrange(factors)
        if model == "uniform" or rng.random() < FAR_SHARE:
            b = rng.randrange(factors)
        else:
            ax, ay = cell[a]
            near = [j for j, (x, y) in cell.items() if max(abs(x - ax), abs(y - ay)) == 1]
            if not near:
                continue
            b = rng.choice(near)
        if a != b and (a, b) not in seen:
            seen.add((a, b))
            pairs.append((a, b))
    return pairs


# Arguments: {notes, factors, links, batch}. Returns the absolute time just
# before the first transaction and each transaction's ms (observers included).
WRITE_JS = """
({ notes, factors, links, batch }) => {
  const { doc, Y } = window.board;
  const ms = [];
  const inBatches = (items, write) => {
    for (let i = 0; i < items.length; i += batch) {
      const t = performance.now();
      doc.transact(() => items.slice(i, i + batch).forEach(write));
      ms.push(performance.now() - t);
    }
  };
  const sent = performance.timeOrigin + performance.now();
  inBatches(notes, (n) => {
    const note = new Y.Map();
    note.set("text", new Y.Text(n.text));
    for (const key of ["x", "y", "color", "created"]) note.set(key, n[key]);
    note.set("kind", "text");
    note.set("cluster", "");
    doc.getMap("notes").set(n.id, note);
  });
  inBatches(factors, (f) => {
    const factor = new Y.Map();
    factor.set("label", new Y.Text(f.label));
    factor.set("description", "");
    for (const key of ["x", "y", "created"]) factor.set(key, f[key]);
    doc.getMap("nodes").set(f.id, factor);
  });
  inBatches(links, (l) => {
    const link = new Y.Map();
    for (const key of ["from", "to", "polarity", "delay", "created"]) link.set(key, l[key]);
    link.set("label", "");
    doc.getMap("links").set(l.id, link);
  });
  return { sent, ms };
}
"""
