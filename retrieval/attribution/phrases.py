"""Source noun phrases: the words before a cue ("Defence Minister Emil Sarrow said") or after
one ("…,” said Sarrow, the minister), found by scanning words with their character offsets."""

from __future__ import annotations

import re
from typing import NamedTuple

from retrieval.attribution.lexicon import BETWEEN, CUES, NP_STOP
from retrieval.attribution.quotes import Span, quote_at

WORD = re.compile(r"[\w’'&.-]+(?:,\d{3})*")
_LEAD_PREPOSITIONS = frozenset(
    ["in", "on", "at", "for", "during", "after", "before", "with", "from", "by", "of", "to"]
)
_APPOSITIVE_START = frozenset(
    ["a", "an", "the", "who", "whose", "its", "his", "her", "their", "another", "one"]
)
MAX_SOURCE_WORDS = 9


class Word(NamedTuple):
    start: int
    end: int
    text: str

    @property
    def low(self) -> str:
        return self.text.lower().strip(".")


def words_of(text: str, start: int, end: int) -> list[Word]:
    out = []
    for m in WORD.finditer(text, start, end):
        a, b = m.start(), m.end()
        while b > a and text[b - 1] in ".-’'" and not _keeps_dot(text, a, b):
            b -= 1
        if b > a:
            out.append(Word(a, b, text[a:b]))
    return out


def _keeps_dot(text: str, a: int, b: int) -> bool:
    """ "Gen." and "U.S." keep their period; a sentence's last word does not."""
    w = text[a:b]
    return w.endswith(".") and ((len(w) <= 4 and w[0].isupper()) or "." in w[:-1])


def joined(text: str, left: Word, right: Word) -> bool:
    """True when only spaces stand between two words (no comma, quote or bracket)."""
    return not text[left.end : right.start].strip()


def skip_between(words: list[Word], i: int) -> int:
    """Index of the last word before words[i] that is not an auxiliary or adverb."""
    j = i - 1
    while j >= 0 and i - j <= 3 and (words[j].low in BETWEEN or _adverb(words[j])):
        j -= 1
    return j


def _adverb(w: Word) -> bool:
    """ "repeatedly", not "Kelly" or "Jolly"."""
    return w.low.endswith("ly") and w.text[0].islower()


def np_before(text: str, words: list[Word], j: int, quotes: list[Span]) -> Span | None:
    """The source noun phrase ending with words[j] (scanning back), or None. A relative pronoun
    right before the cue is the source as PolNeAR marks it ("Sanders, who said …")."""
    if j < 0:
        return None
    if words[j].low in ("who", "which"):
        return (words[j].start, words[j].end)
    k = j
    while k >= 0 and j - k < MAX_SOURCE_WORDS:
        w = words[k]
        if w.low in NP_STOP or w.low in CUES or quote_at(w.start, quotes):
            break
        if k < j and not joined(text, w, words[k + 1]):
            break
        k -= 1
    first = k + 1
    while first <= j and words[first].low in _LEAD_PREPOSITIONS:
        first += 1
    if first > j:
        return _before_appositive(text, words, j, quotes)
    relative = k >= 0 and words[k].low in NP_STOP and text[words[j].end :].startswith(",")
    if relative:  # "A board official, who asked not to be named, said"
        named = _before_appositive(text, words, j, quotes)
        if named is not None:
            return named
    if any(w.text[0].islower() and w.low.endswith("ing") for w in words[first : j + 1]):
        return None  # "raising fears that": a clause, not a source
    head = words[first]
    if _after_name(text, words, first):
        closed = text[words[j].end : words[j].end + 2].startswith(",")
        named = np_before(text, words, first - 1, quotes) if closed else None
        if named is not None:
            return named  # "Gen. Anders Valk, chairman of the Joint Chiefs, said"
    return (head.start, words[j].end)


def _before_appositive(text: str, words: list[Word], j: int, quotes: list[Span]) -> Span | None:
    """ "Gen. Anders Valk, chairman of the Joint Chiefs, said": the name before the appositive
    (or before ", who …,")."""
    if j < 0 or not text[words[j].end : words[j].end + 2].startswith(","):
        return None
    k = j
    while k > 0 and joined(text, words[k - 1], words[k]) and j - k < 14:
        k -= 1
    if k == 0 or j - k >= 14:
        return None
    first = words[k]
    if not (first.low in _APPOSITIVE_START or first.text[0].islower()):
        return None
    if not text[words[k - 1].end : first.start].strip().startswith(","):
        return None
    return np_before(text, words, k - 1, quotes) if words[k - 1].low not in NP_STOP else None


def np_after(text: str, words: list[Word], i: int, quotes: list[Span]) -> Span | None:
    """The source noun phrase starting with words[i] ("…,” said Sarrow."), or None."""
    if i >= len(words) or quote_at(words[i].start, quotes):
        return None
    k = i
    while k < len(words) and k - i < MAX_SOURCE_WORDS:
        if words[k].low in NP_STOP or (k > i and not joined(text, words[k - 1], words[k])):
            break
        k += 1
    if k == i:
        return None
    return (words[i].start, words[k - 1].end)


def _after_name(text: str, words: list[Word], first: int) -> bool:
    """True when words[first] opens an appositive after a name: "Valk, chairman of …"."""
    head = words[first]
    return (
        (head.text[0].islower() or head.low in _APPOSITIVE_START)
        and first > 0
        and text[words[first - 1].end : head.start].strip() == ","
        and words[first - 1].text[0].isupper()
    )
