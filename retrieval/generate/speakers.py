"""The speaker check: a generated sentence of the form "X said …" ("X told reporters that …",
"X warned …", "according to X, …": read by the attribution extractor that ingest runs,
`retrieval/attribution/extract.py`) may only cite a passage where X is the one who says it.

Passages carry the attributions inside them (`Passage.statements`, from the attribution index,
speakers resolved in the whole article; None when they were not looked up, and then only the
lexical check of support.py applies). In a cited passage, the statements whose content shares
most of the sentence's content words are the ones it reports (for a passage that is one
statement, `kind == "statement"`, that statement when nothing shares more). When some are found
and none is X's, the passage is refused for that sentence: citations.py removes the marker and
re-cites the sentence only to a passage that passes both checks, else drops it.

X and a statement's speaker are the same when their names are, titles aside (split_title, the
attribution index's own rule): "Anders Valk", "Valk", "Gen. Valk" and "General Anders Valk" all
name Anders Valk, but "Mira Valk" does not; organisations and anonymous sources match when one's
words contain the other's. "He"/"she" is the speaker of the reply's sentence before.

`views` also tells the lexical check who speaks in each passage sentence holding a statement:
the speaker's name is added to that sentence's cues, so "“…,” he said." supports "Valk said …"
when the index resolved "he" to Anders Valk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from retrieval.attribution.extract import find
from retrieval.attribution.lexicon import PERSON_PRONOUNS
from retrieval.attribution.speakers import split_title
from retrieval.generate.claimcues import read
from retrieval.generate.support import View
from retrieval.results import Passage, Statement

MIN_SHARED = 2  # content words a statement must share with the claim to be the one it reports
_ARTICLES = frozenset(["the", "a", "an"])


@dataclass(frozen=True)
class Claim:
    """One "X said …" of a generated sentence."""

    who: str  # as written, or the previous sentence's speaker for "he"/"she"
    terms: frozenset[str]  # content words of what X is said to have said


def _name(text: str) -> list[str]:
    words = [w.removesuffix("’s").removesuffix("'s") for w in text.replace(",", " ").split()]
    _titles, rest = split_title(words) if words else ([], [])
    return [w.lower().strip(".") for w in rest if w.lower() not in _ARTICLES]


def same_speaker(claimed: str, speaker: str) -> bool:
    """Do the two names name the same speaker (see the module docstring)?"""
    a, b = _name(claimed), _name(speaker)
    if not a or not b:
        return False
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[-1] == b[-1]
    return set(a) <= set(b) or set(b) <= set(a)


def claims(sentence: str, previous: str | None = None) -> list[Claim]:
    """The sentence's "X said …" with who says it and the content words of what is said."""
    out = []
    for f in find(sentence):
        if f.source is None:
            continue
        who = sentence[f.source[0] : f.source[1]]
        if who.lower() in PERSON_PRONOUNS:
            if previous is None:
                continue
            who = previous
        content = " ".join(sentence[a:b] for a, b in f.content)
        out.append(Claim(who, frozenset(read(content).terms)))
    return out


def _known(statement: Statement) -> bool:
    return bool(statement.speaker) and statement.speaker.lower() not in PERSON_PRONOUNS


def verdict(claim: Claim, passage: Passage) -> bool | None:
    """True: the passage has the claim's speaker saying it; False: someone else says it there;
    None: the passage cannot tell (no statements looked up, none that reports it)."""
    known = [s for s in passage.statements or () if _known(s)]
    if not known:
        return None
    scored = [(len(claim.terms & read(s.content).terms), s) for s in known]
    best = max(k for k, _ in scored)
    if best >= min(MIN_SHARED, max(1, len(claim.terms))):
        reported = [s for k, s in scored if k == best]
    elif passage.kind == "statement":
        reported = known
    else:
        return None
    return any(same_speaker(claim.who, s.speaker) for s in reported)


class SpeakerCheck:
    """The speaker check over one reply's passages; sentences are given in the reply's order."""

    def __init__(self, passages: Mapping[int, Passage]) -> None:
        self.passages = passages
        self.last: str | None = None  # the previous sentence's speaker, for "he said"

    def views(self) -> dict[int, View]:
        return {n: speaker_view(p) for n, p in self.passages.items()}

    def refused(self, sentence: str) -> list[int]:
        """The passages `sentence` must not cite: every "X said …" in it that a passage reports
        is someone else's there, and none is X's."""
        found = claims(sentence, self.last)
        if not found:
            return []
        self.last = found[-1].who
        out = []
        for n, passage in self.passages.items():
            verdicts = [verdict(c, passage) for c in found]
            if False in verdicts and True not in verdicts:
                out.append(n)
        return out


def speaker_view(passage: Passage) -> View:
    """The passage read for the lexical check, each sentence holding a statement also naming its
    speaker (the index resolved "he" and "the general" in the whole article)."""
    view = View.of(passage)
    for sentence, cues in zip(view.sentences, view.cues, strict=True):
        a, b = passage.start + sentence.start, passage.start + sentence.end
        for s in passage.statements or ():
            if _known(s) and s.start < b and s.end > a:
                named = read(f"later {s.speaker} said.")
                cues.names |= named.names
                cues.speakers |= named.speakers
    return view
