"""Sentence splitting with exact character offsets (used by chunking, answers and summaries)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.text.words import ABBREVIATIONS

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets), before whitespace.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n\s*\n|\n")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


# the run of letters and dots just before a period ('U.S', 'Dr', 'J')
_WORD_BEFORE = re.compile(r"[A-Za-z][A-Za-z.]*$")
_LOOK_BACK = 64  # characters; any longer run is no abbreviation or initial


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` closes an abbreviation or an initial ('J.', 'U.S.')."""
    # only a short window before the dot is searched: the whole text up to it would make
    # splitting an article quadratic in its length
    left = max(0, dot - _LOOK_BACK)
    m = _WORD_BEFORE.search(text, left, dot)
    if not m:
        return False
    word = m.group(0).lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    return len(word) == 1 and text[m.start()].isupper()


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Split text[start:end] into sentences; offsets index into `text`, whitespace trimmed."""
    end = len(text) if end is None else end
    out: list[Sentence] = []
    cursor = start
    for m in _END.finditer(text, start, end):
        if m.group(0)[0] == ".":
            nxt = text[m.end() : m.end() + 3].lstrip()[:1]
            if nxt.islower() or (m.group(0) == "." and _is_abbreviation(text, m.start())):
                continue  # "the U.S. military", "Dr. Lee": not a sentence end
        _append(text, cursor, m.end(), out)
        cursor = m.end()
    _append(text, cursor, end, out)
    return out


def _append(text: str, a: int, b: int, out: list[Sentence]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append(Sentence(a, b, text[a:b]))
