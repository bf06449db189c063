"""A stand-in for the benchmark's score.py (../shared/bench/score.py, which CI has beside the
clone) so the tests of benchmarks/ run without ../shared: the answer-matching rules the
benchmark tools call, as score.py documents them. CI runs the tools with the real score.py.

- normalize_text: NFKC, curly quotes to straight ones, casefold, whitespace runs to one space;
- a phrase matches only where it is not glued to a neighbouring letter or digit ("max" is not
  in "maximum");
- a choice is mentioned unless its every occurrence lies strictly inside a longer occurrence of
  another choice;
- an answer is correct when it mentions the correct choice and no wrong one (a choice with the
  same text as the correct one is not wrong).
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from typing import Any

_STRAIGHT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
    }
)
BOOLEAN_CHOICES = frozenset({"true", "false", "yes", "no"})


def normalize_text(s: object) -> str:
    if s is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(s)).translate(_STRAIGHT).casefold()
    return " ".join(folded.split())


def _glued(a: str, b: str) -> bool:
    return a.isalnum() and b.isalnum()


def _spans(norm_text: str, norm_phrase: str) -> list[tuple[int, int]]:
    """Where `norm_phrase` occurs in `norm_text` at token boundaries (both normalised)."""
    found: list[tuple[int, int]] = []
    if not norm_phrase:
        return found
    start = norm_text.find(norm_phrase)
    while start >= 0:
        end = start + len(norm_phrase)
        left = start > 0 and _glued(norm_text[start - 1], norm_phrase[0])
        right = end < len(norm_text) and _glued(norm_phrase[-1], norm_text[end])
        if not (left or right):
            found.append((start, end))
        start = norm_text.find(norm_phrase, start + 1)
    return found


def contains_phrase(text: str, phrase: str) -> bool:
    return bool(_spans(normalize_text(text), normalize_text(phrase)))


def matched_choices(text: str, choices: list[str]) -> set[int]:
    norm = normalize_text(text)
    spans = {k: _spans(norm, normalize_text(c)) for k, c in enumerate(choices)}

    def inside_another(k: int, a: int, b: int) -> bool:
        return any(
            a2 <= a and b <= b2 and b2 - a2 > b - a
            for k2, others in spans.items()
            if k2 != k
            for a2, b2 in others
        )

    return {k for k, found in spans.items() if any(not inside_another(k, a, b) for a, b in found)}


def answer_is_correct(answer_text: str, choices: list[str], answer_index: int) -> bool:
    if not answer_text:
        return False
    hit = matched_choices(answer_text, choices)
    gold = normalize_text(choices[answer_index])
    return answer_index in hit and all(normalize_text(choices[k]) == gold for k in hit)


def is_boolean_question(choices: list[str]) -> bool:
    return all(normalize_text(c) in BOOLEAN_CHOICES for c in choices)


def read_jsonl(path: str) -> list[Any]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
