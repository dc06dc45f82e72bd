"""Themes across rooms: what several breakout rooms arrived at on their own.

Notes, group titles and factor labels of all rooms are compared by text similarity
computed here on the server, and joined by average-linkage agglomerative clustering
that stops at a similarity threshold, so the number of themes is not fixed in
advance. Two items of one room are never joined on their own: a cluster grows
only across rooms, though a theme may then hold several items of one room.

Why WordLlama first, and word overlap only as the fallback. Both were measured on
tests/export/themes_labelled.json (101 items of four rooms, ten themes, each theme
worded differently from room to room), by precision and recall over pairs of items
from different rooms. WordLlama (l2_supercat, 256 dims, averaged over the content
words) at 0.25: precision 0.85, recall 0.13, 9 of the 10 themes found. TF-IDF over
stemmed words and character 3- and 4-grams at 0.35: precision 0.67, recall 0.02,
5 themes; at no threshold did it pass a recall of 0.02 with precision 0.8, since
people write "lonely since wife died" in one room and "social isolation" in another
and no shared word links them. On a second set written after both were tuned (52
items), WordLlama reached precision 0.69 and recall 0.28. Recall is low for both:
a theme is found, but often in two or three parts. The model is 16 MB inside the
MIT-licensed ``wordllama`` wheel, loads in about 0.3 s with downloads off, and adds
about 70 MB to the process; whenever it cannot load, word overlap serves, and each
theme's ``method`` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from board_server.export.embedding import word_embedding
from board_server.export.overlap import WordOverlap

Kind = Literal["note", "group", "factor"]
KINDS: tuple[Kind, ...] = ("note", "group", "factor")
LABEL_LENGTH = 60
MIN_TEXT = 3


@dataclass(frozen=True, slots=True)
class ThemeItem:
    """One thing a room wrote: a note's text, a group's title or a factor's label."""

    room_id: str
    room_name: str
    kind: Kind
    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Theme:
    """Items of at least two rooms that say much the same, named by its most central item."""

    label: str
    items: tuple[ThemeItem, ...]
    rooms: tuple[str, ...]
    """Room ids, in the order of ``items`` (by room name)."""
    method: str
    """How it was found, in one plain sentence for the report."""

    @property
    def room_names(self) -> tuple[str, ...]:
        """The rooms' names, in the order of ``rooms``."""
        names = {item.room_id: item.room_name for item in self.items}
        return tuple(names[room] for room in self.rooms)


class Similarity(Protocol):
    """Pairwise similarity of short texts, and the threshold at which two count as one."""

    @property
    def threshold(self) -> float: ...

    @property
    def method(self) -> str: ...

    def matrix(self, texts: Sequence[str]) -> npt.NDArray[np.float64]: ...


def default_similarity() -> Similarity:
    """The word embedding if its model loads, else word overlap saying so."""
    return word_embedding() or WordOverlap(fallback=True)


def plain_text(text: str) -> str:
    """The text on one line, or "" when it is too short or has no letter or digit
    (an emoji alone, "??", "ok")."""
    line = " ".join(text.split())
    if len(line) < MIN_TEXT or not any(char.isalnum() for char in line):
        return ""
    return line


def find_themes(
    items: Sequence[ThemeItem],
    *,
    min_rooms: int = 2,
    similarity: Similarity | None = None,
) -> list[Theme]:
    """Themes that at least ``min_rooms`` rooms arrived at, most rooms first, then
    most items, then by label; the same items give the same themes in any order."""
    if min_rooms < 2:
        raise ValueError(f"a theme spans at least 2 rooms, not min_rooms={min_rooms}")
    kept: dict[tuple[str, str, str], ThemeItem] = {}
    for item in items:
        text = plain_text(item.text)
        key = (item.room_id, item.kind, item.item_id)
        if text and (key not in kept or text < kept[key].text):
            kept[key] = _with_text(item, text)
    ordered = [kept[key] for key in sorted(kept)]
    rooms = {item.room_id for item in ordered}
    if len(rooms) < min_rooms:
        return []
    measure = default_similarity() if similarity is None else similarity
    raw = measure.matrix([item.text for item in ordered])
    matrix = (raw + raw.T) / 2  # exactly symmetric, so that equal pairs tie exactly
    room_index = {room: index for index, room in enumerate(sorted(rooms))}
    clusters = agglomerate(
        matrix, [room_index[item.room_id] for item in ordered], measure.threshold
    )
    themes = [
        _theme(ordered, matrix, members, measure.method)
        for members in clusters
        if len({ordered[i].room_id for i in members}) >= min_rooms
    ]
    return sorted(themes, key=_theme_order)


def agglomerate(
    similarity: npt.NDArray[np.float64], rooms: Sequence[int], threshold: float
) -> list[list[int]]:
    """Average-linkage clusters of items whose mean similarity is at least
    ``threshold``; clusters of one and the same room never merge with each other."""
    count = len(rooms)
    if count < 2:
        return [[i] for i in range(count)]
    linked = np.array(similarity, dtype=np.float64, copy=True)
    np.fill_diagonal(linked, -np.inf)
    sizes = [1] * count
    members = [[i] for i in range(count)]
    room = np.array(rooms, dtype=np.int64)
    allowed = np.where(room[:, None] == room[None, :], -np.inf, linked)
    while True:
        a, b = divmod(int(np.argmax(allowed)), count)
        if not allowed[a, b] >= threshold:
            break
        # Lance-Williams update for average linkage: a becomes a and b.
        row = (sizes[a] * linked[a] + sizes[b] * linked[b]) / (sizes[a] + sizes[b])
        linked[a], linked[:, a] = row, row
        linked[a, a] = -np.inf
        linked[b], linked[:, b] = -np.inf, -np.inf
        sizes[a] += sizes[b]
        members[a] += members[b]
        members[b] = []
        # a now spans two rooms, so it may merge with any cluster.
        allowed[a], allowed[:, a] = linked[a], linked[a]
        allowed[b], allowed[:, b] = -np.inf, -np.inf
    return [sorted(group) for group in members if group]


def _with_text(item: ThemeItem, text: str) -> ThemeItem:
    return ThemeItem(item.room_id, item.room_name, item.kind, item.item_id, text)


def _item_order(item: ThemeItem) -> tuple[str, str, int, str, str]:
    return (item.room_name, item.room_id, KINDS.index(item.kind), item.text, item.item_id)


def _theme(
    items: Sequence[ThemeItem],
    similarity: npt.NDArray[np.float64],
    members: list[int],
    method: str,
) -> Theme:
    block = similarity[np.ix_(members, members)]
    np.fill_diagonal(block, 0.0)
    centrality = block.sum(axis=1) / (len(members) - 1)
    # The most central item names the theme; ties go to the first in item order.
    central, _ = min(
        zip(members, centrality, strict=True),
        key=lambda pair: (-pair[1], _item_order(items[pair[0]])),
    )
    grouped = tuple(sorted((items[i] for i in members), key=_item_order))
    rooms = tuple(dict.fromkeys(item.room_id for item in grouped))
    return Theme(_cut(items[central].text), grouped, rooms, method)


def _cut(text: str) -> str:
    if len(text) <= LABEL_LENGTH:
        return text
    cut = text[: LABEL_LENGTH - 1]
    space = cut.rfind(" ")
    if space >= LABEL_LENGTH // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "\u2026"


def _theme_order(theme: Theme) -> tuple[int, int, str, str, tuple[str, str, int, str, str]]:
    return (
        -len(theme.rooms),
        -len(theme.items),
        theme.label.casefold(),
        theme.label,
        _item_order(theme.items[0]),
    )
