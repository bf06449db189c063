"""Speakers: each attribution's source resolved within its article to the fullest name the
article gives.

- A name ("Sarrow", "Defence Minister Emil Sarrow", "Gen. Valk") is its person's full name: the
  title words are dropped and a lone surname becomes the full name ending with it that the
  article last used before it (or first uses after it); two people sharing a surname in one
  article ("Bill Clinton", "Hillary Clinton") are told apart by which was named last.
- "he"/"she" is the previous person speaker (news names a speaker, then says "he said").
- "the general", "the minister" is the person last named with that title ("Gen. Anders Valk").
- Anything else — organisations, anonymous and collective sources ("a government source",
  "The Post", "officials from both countries") — is kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.attribution.extract import Found, find
from retrieval.attribution.lexicon import ORG_WORDS, PERSON_PRONOUNS, TITLE_NOUNS, forms
from retrieval.attribution.quotes import Span
from retrieval.text.words import HONORIFICS, RANK_ABBREVIATIONS

_RUN = re.compile(r"[A-Z][\w’'.-]*(?:[ ][A-Z][\w’'.-]*)*")
_ABBREVIATED = {
    "gen": "general",
    "sen": "senator",
    "gov": "governor",
    "rep": "representative",
    "pres": "president",
    "adm": "admiral",
    "col": "colonel",
    "capt": "captain",
    "lt": "lieutenant",
    "sgt": "sergeant",
    "maj": "major",
}
_TITLE_WORDS = (
    HONORIFICS
    | RANK_ABBREVIATIONS
    | TITLE_NOUNS
    | forms(
        """defence defense foreign interior finance prime vice deputy former acting state white
        house press secretary minister rep sen gen gov mr mrs ms dr adm marshal"""
    )
)
_NOT_NAME_START = forms("the a an this that these those")


@dataclass(frozen=True)
class Attribution:
    source: Span | None
    cue: Span
    content: tuple[Span, ...]
    direct: bool
    speaker: str  # resolved: a person's full name, or the source as written ("" = none)
    person: bool  # the speaker is a named person


@dataclass(frozen=True)
class _Name:
    at: int
    words: tuple[str, ...]  # the name without its title
    titles: frozenset[str]  # title words before it, spelled out ("gen." -> "general")


def extract(text: str) -> list[Attribution]:
    """Every attribution of `text` with its speaker resolved (what ingest stores)."""
    names = _names(text)
    out: list[Attribution] = []
    for f in find(text):
        speaker, person = _resolve(text, f, names, out)
        out.append(Attribution(f.source, f.cue, f.content, f.direct, speaker, person))
    return out


def _clean(word: str) -> str:
    return word.lower().strip(".").removesuffix("’s").removesuffix("'s")


def split_title(words: list[str]) -> tuple[list[str], list[str]]:
    """("Gen.", "Anders", "Valk") -> (["general"], ["Anders", "Valk"]); the name is what follows
    the last title word ("Kestrian Defence Minister Emil Sarrow" -> "Emil Sarrow")."""
    i = 0
    for k, w in enumerate(words[:-1]):
        if _clean(w) in _TITLE_WORDS:
            i = k + 1
    titles = [_ABBREVIATED.get(_clean(w), _clean(w)) for w in words[:i]]
    return titles, words[i:]


def _is_person(words: list[str]) -> bool:
    return (
        0 < len(words) <= 4
        and words[-1] not in ORG_WORDS
        and not any(w.isupper() and len(w) > 2 for w in words)
        and _clean(words[0]) not in _NOT_NAME_START
    )


def _runs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, list[str]]]:
    """Capitalised runs with their offsets, cut after a word ending a sentence ("Monday.")."""
    out: list[tuple[int, list[str]]] = []
    for m in _RUN.finditer(text, start, len(text) if end is None else end):
        at, words = m.start(), []
        for w in m.group(0).split(" "):
            words.append(w.removesuffix("’s").removesuffix("'s"))
            if w.endswith(".") and len(w) > 4 and w.count(".") == 1:
                out.append((at, [x.rstrip(".") for x in words]))
                at, words = at + len(" ".join(words)) + 1, []
        if words:
            out.append((at, words))
    return out


def _names(text: str) -> list[_Name]:
    out = []
    for at, words in _runs(text):
        titles, rest = split_title(words)
        # "Defence Minister ..." preceded by a lower-case title: "chief presidential strategist"
        before = text[max(0, at - 40) : at].lower().split()
        titles += [_ABBREVIATED.get(w, w) for w in before[-2:] if w in TITLE_NOUNS]
        if 2 <= len(rest) <= 4 and _is_person(rest):
            out.append(_Name(at, tuple(rest), frozenset(titles)))
    return out


def _full_name(surname: str, at: int, names: list[_Name]) -> str | None:
    """The full name ending with `surname` named last before `at` (else first after it)."""
    matching = [n for n in names if n.words[-1] == surname]
    before = [n for n in matching if n.at < at]
    pick = before[-1] if before else (matching[0] if matching else None)
    return " ".join(pick.words) if pick else None


def _antecedent(text: str, at: int, names: list[_Name], written: str) -> tuple[str, bool]:
    """The speaker a relative pronoun at `at` stands for: the name run ending just before it
    ("Mr. Sanders, who"), as the fullest name the article gives; else the pronoun as written."""
    runs = _runs(text, max(0, at - 60), at)
    if runs and not text[runs[-1][0] + len(" ".join(runs[-1][1])) : at].strip(" ,"):
        _titles, rest = split_title(runs[-1][1])
        if _is_person(rest):
            full = _full_name(rest[-1], at, names) if len(rest) == 1 else " ".join(rest)
            if full:
                return full, True
    return written, False


def _resolve(text: str, f: Found, names: list[_Name], earlier: list[Attribution]) -> tuple[str, bool]:
    if f.source is None:
        return "", False
    written = text[f.source[0] : f.source[1]]
    words = written.split()
    low = [_clean(w) for w in words]
    if low[0] in ("who", "which") and len(words) == 1:  # "Mr. Sanders, who said …": the name before
        return _antecedent(text, f.source[0], names, written)
    if low[0] in PERSON_PRONOUNS and len(words) == 1:
        prior = next((a for a in reversed(earlier) if a.person), None)
        return (prior.speaker, True) if prior else (written, False)
    if len(words) <= 3 and low[0] == "the" and low[-1] in TITLE_NOUNS:
        titled = [n for n in names if n.at < f.source[0] and low[-1] in n.titles]
        return (" ".join(titled[-1].words), True) if titled else (written, False)
    runs = _runs(written)
    if not runs or runs[-1][0] + len(" ".join(runs[-1][1])) < len(written.rstrip(" ,.")):
        return written, False
    titles, rest = split_title(runs[-1][1])
    lead = written[: runs[-1][0]].strip()
    if not _is_person(rest) or (len(rest) == 1 and lead and not titles):
        return written, False
    if len(rest) == 1:
        full = _full_name(rest[0], f.source[0], names)
        return (full, True) if full else (written, False)
    return " ".join(rest), True
