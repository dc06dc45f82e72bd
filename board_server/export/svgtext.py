"""Text for the SVG pictures (``export/svg.py``): escaping, element ids,
numbers, and words wrapped into a box without font metrics.

The server has no fonts to measure with, so widths are estimated: ASCII
from DejaVu Sans's own widths (the widest font of the stack), the rest from
each character's class, on the generous side. Text may wrap a little early,
but never overflows its box.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

INK = "#212529"
FONT = "Noto Sans, DejaVu Sans, sans-serif"
ELLIPSIS = "…"
RLE, PDF = "\u202b", "\u202c"
"""Unicode's right-to-left embedding and its end, around right-to-left lines."""
MAX_CHARS = 4000
"""Characters of a text considered for wrapping (the <title> keeps them all)."""

# Characters XML 1.0 cannot hold at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# DejaVu Sans's advance widths of " " to "~", in thousandths of an em.
_ASCII = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
BOLDER = 1.15
"""How much wider bold is, at most, for most characters."""
_WIDE = frozenset("ЖШЩЮжшщю")
_LETTERS = {"Ll": 0.7, "Lu": 0.82, "Lt": 0.82, "Lo": 0.8, "Lm": 0.8}
"""Other letters by case (Cyrillic, Greek...) or none (Hebrew...), in ems."""
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def printable(text: str) -> str:
    """The text without the characters XML cannot hold (controls, lone surrogates)."""
    return _NOT_XML.sub("", text)


def esc(text: str) -> str:
    """Text as XML character data or attribute value (``printable`` first)."""
    text = printable(text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def num(value: float) -> str:
    """A coordinate with at most two decimals, never in exponent form."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def element_id(prefix: str, key: str) -> str:
    """An XML name for an item of the board: ``prefix-key``, where every
    character but ASCII letters, digits and "-" becomes ``_hex_``, so that
    distinct keys give distinct ids."""
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == "-") else f"_{ord(ch):x}_" for ch in key
    )
    return f"{prefix}-{safe}"


def is_rtl(text: str) -> bool:
    """True when the first strong character is right-to-left (Arabic, Hebrew…)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return False


def graphemes(text: str) -> list[str]:
    """The text cut into what a reader sees as one character: marks, joiners,
    variation selectors and skin tones stay with the character before."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        attach = bool(out) and (
            unicodedata.category(ch) in ("Mn", "Me", "Mc")
            or ch in _JOINERS
            or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F
            or out[-1].endswith("\u200d")
            or (_regional(ch) and len(out[-1]) == 1 and _regional(out[-1]))  # a flag
        )
        if attach:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _advance(grapheme: str) -> float:
    """Estimated width of one grapheme, in ems (regular weight)."""
    ch = grapheme[0]
    code = ord(ch)
    if 32 <= code < 127:
        return _ASCII[code - 32] / 1000
    if unicodedata.east_asian_width(ch) in ("W", "F") or code >= 0x1F000:
        return 1.25  # emoji and CJK; colour emoji are wider than an em
    category = unicodedata.category(ch)
    if category in ("Mn", "Me", "Cf"):
        return 0.0
    base = ord(unicodedata.normalize("NFD", ch)[0])
    if 32 <= base < 127 and base != code:
        return _ASCII[base - 32] / 1000  # é as e
    if ch in _WIDE:
        return 1.1
    if 0x0600 <= code <= 0x06FF:
        return 0.75  # Arabic, joined: narrower than its letters alone
    return _LETTERS.get(category, 1.0)


def measure(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width of a line of text at a font size."""
    return sum(_advance(g) for g in graphemes(text)) * size * (BOLDER if bold else 1.0)


def _fit(text: str, width: float, size: float, bold: bool) -> tuple[str, str]:
    """The longest head of ``text`` that fits (at least one grapheme), and the rest."""
    parts = graphemes(text)
    used = 0.0
    for index, part in enumerate(parts):
        used += _advance(part) * size * (BOLDER if bold else 1.0)
        if used > width and index > 0:
            return "".join(parts[:index]), "".join(parts[index:])
    return text, ""


def wrap(text: str, width: float, size: float, max_lines: int, *, bold: bool = False) -> list[str]:
    """The text in lines that fit ``width``: words kept whole where they fit,
    at most ``max_lines`` lines, the last one cut with an ellipsis when the
    text goes on. Blank lines are left out."""
    text = printable(text)
    cut = len(text) > MAX_CHARS
    lines: list[str] = []
    for paragraph in text[:MAX_CHARS].splitlines():
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if measure(candidate, size, bold=bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while measure(word, size, bold=bold) > width and len(lines) <= max_lines:
                head, word = _fit(word, width, size, bold)
                lines.append(head)
            line = word
            if len(lines) > max_lines:
                break
        if line:
            lines.append(line)
        if len(lines) > max_lines:
            break
    if len(lines) <= max_lines and not cut:
        return lines
    kept = lines[:max_lines]
    last = graphemes(kept[-1]) if kept else []
    while last and measure("".join(last) + ELLIPSIS, size, bold=bold) > width:
        last.pop()
    kept[-1:] = ["".join(last).rstrip() + ELLIPSIS]
    return kept


@dataclass(frozen=True)
class Style:
    """How a block of text looks: size and line height in board units."""

    size: float
    line_height: float
    bold: bool = False
    fill: str = INK
    centred: bool = False
    extra: str = ""
    """More attributes, written as they are."""


def text_lines(
    lines: list[str],
    style: Style,
    left: float,
    baseline: float,
    width: float,
    *,
    rtl: bool = False,
    fill: str | None = None,
) -> str:
    """A <text> of one <tspan> per line in a box from ``left``, ``width``
    wide, the first line on ``baseline``. Right-to-left lines end at the
    box's right edge, each embedded right to left (RLE … PDF).

    Not ``direction="rtl"``: what "start" means under it differs between
    renderers (browsers flip it, resvg, so Typst's PDF, does not), while a
    left-to-right "end" is the right edge everywhere."""
    if not lines:
        return ""
    if style.centred:
        x, anchor = left + width / 2, "middle"
    elif rtl:
        x, anchor = left + width, "end"
    else:
        x, anchor = left, "start"
    before, after = (RLE, PDF) if rtl else ("", "")
    attrs = f'font-size="{num(style.size)}" fill="{fill or style.fill}" text-anchor="{anchor}"'
    if style.bold:
        attrs += ' font-weight="bold"'
    if style.extra:
        attrs += f" {style.extra}"
    spans = "".join(
        f'<tspan x="{num(x)}" y="{num(baseline + index * style.line_height)}">'
        f"{before}{esc(line)}{after}</tspan>"
        for index, line in enumerate(lines)
    )
    return f"<text {attrs}>{spans}</text>"


def block(
    text: str,
    style: Style,
    left: float,
    baseline: float,
    width: float,
    max_lines: int = 1,
    *,
    fill: str | None = None,
) -> str:
    """``text`` wrapped into at most ``max_lines`` lines (``wrap``), drawn
    by ``text_lines``, right to left when the text reads so."""
    lines = wrap(text, width, style.size, max_lines, bold=style.bold)
    return text_lines(lines, style, left, baseline, width, rtl=is_rtl(text), fill=fill)
