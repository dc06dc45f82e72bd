"""Words of a sticky note: split, lowercased, stop words out, lightly stemmed.

Shared by both similarity methods: word overlap counts these words, and the word
embedding averages only these, since "the", "no" and "after" would otherwise
pull every short note towards every other.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+")

STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves us im ive id dont cant wont doesnt didnt isnt arent wasnt
    havent hasnt couldnt shouldnt wouldnt thats theres whats get got gets getting
    go goes going still even really also please want need like lot lots much many every
    never always nobody anyone everyone someone something anything nothing way ever
    """.split()  # noqa: SIM905 - a list literal of 190 words reads worse
)
"""Words that say nothing about a theme, as people write them on notes
(apostrophes dropped, so "can't" and "cant" are the same)."""


def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ing, -ed, -ly and a final e, so that
    "buses", "bus"; "running", "run"; "houses", "house" meet."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The words of a text that say what it is about, lowercased, apostrophes dropped."""
    plain = text.casefold().replace("'", "").replace("\u2019", "")
    return [word for word in _WORD.findall(plain) if word not in STOP_WORDS]
