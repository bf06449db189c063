"""Quotation spans and the units attributions are looked for in.

A quotation opens with “ and closes with ”; a straight double quote (or NYT's '' pair) opens and
closes in turn within a paragraph. A quotation left open at a paragraph's end runs to that end
(news style: a quote running over several paragraphs opens each one and closes only the last).
Single quotes are left alone: inside a quotation they quote someone else, and elsewhere they
are apostrophes more often than not.

A unit is a sentence, or several sentences of one paragraph that a quotation holds together
("“We will go. We will win,” he said." is one unit), or that a lower-case start continues
("“Will we go?” she asked." is one unit, not two), or a short sentence after a quoted question
("“Will we go?” Valk asked.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.text.sentences import split_sentences

Span = tuple[int, int]

_MARK = re.compile(r"“|”|\"|''|``")
_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    paragraph: int  # index of the paragraph in the article


def paragraphs(text: str) -> list[Span]:
    return [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text) if m.group(0).strip()]


def quote_spans(text: str, start: int, end: int) -> list[Span]:
    """Quotations of text[start:end] (one paragraph) as spans including their marks."""
    out: list[Span] = []
    opened: int | None = None
    for m in _MARK.finditer(text, start, end):
        mark = m.group(0)
        if mark in ("“", "``"):
            if opened is None:
                opened = m.start()
        elif mark == "”":
            if opened is not None:
                out.append((opened, m.end()))
                opened = None
        elif opened is None:  # straight quote or '': opens when none is open
            opened = m.start()
        else:
            out.append((opened, m.end()))
            opened = None
    if opened is not None and end - opened > 1:
        out.append((opened, end))
    return out


def units(text: str) -> tuple[list[Unit], list[Span]]:
    """The article's units in order, and all its quotation spans."""
    out: list[Unit] = []
    quotes: list[Span] = []
    for i, (a, b) in enumerate(paragraphs(text)):
        spans = quote_spans(text, a, b)
        quotes.extend(spans)
        current: list[int] | None = None
        for s in split_sentences(text, a, b):
            held = (
                any(q0 < s.start < q1 for q0, q1 in spans)
                or text[s.start].islower()
                or (current is not None and _asked(text, current[1], s.end))
            )
            if current is not None and not held:  # "…?” she said." goes on in lower case
                out.append(Unit(current[0], current[1], i))
                current = None
            current = [s.start, s.end] if current is None else [current[0], s.end]
        if current is not None:
            out.append(Unit(current[0], current[1], i))
    return out, quotes


_QUESTION_QUOTE = re.compile(r"[?!][”\"]\s*$")
_SHORT = 10


def _asked(text: str, end: int, next_end: int) -> bool:
    """ "“Didn't we?” Clinton writes to Sullivan.": a sentence ending in a quoted question or
    exclamation, then a short one (its speaker and cue)."""
    asked = _QUESTION_QUOTE.search(text, max(0, end - 3), end)
    return bool(asked) and len(text[end:next_end].split()) <= _SHORT


def inside(span: Span, quotes: list[Span]) -> bool:
    """True when every word character of text span lies inside a quotation (checked on ends)."""
    return any(q0 <= span[0] and span[1] <= q1 for q0, q1 in quotes)


def quote_at(pos: int, quotes: list[Span]) -> Span | None:
    for q in quotes:
        if q[0] <= pos < q[1]:
            return q
    return None
