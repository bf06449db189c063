"""Does a passage support a generated sentence? Judged on the passage's one or two best sentences.

A sentence is aligned to the one sentence of the passage that shares most of its content words,
plus a second one when that adds some and is about the same thing (the next sentence, or one
naming the same person or place); the title, the outlet, headings and lines addressed to a model
never count. It is supported only when, against those sentences alone:

- it has content words, and enough of them are there, and enough of what it says of its names
  (or a few are and the local MiniLM embedder, when given, finds the sentences close in meaning:
  a paraphrase; the embedder never overrules the tests below);
- every number, amount and date it states is there, with the same unit when both give one
  ("two weeks" ≠ "two months", "35 arrested" = "35 people", "four decades" = "40 years");
- every name it uses is there (or in the sentence before, when the aligned one says "he" or
  "they", or in the passage's full form of a name they use: "Franco" for "Harris");
- its speaker, in "X said …" or "X claims …", is the one who says it there;
- it is not negated where they are not, or the other way round (against any one of them, or all
  together; "not unusual" is no negation), and no outcome is reversed ("won" where they say
  "lost"; "born after" restates "not born before");
- it keeps their hedge, in kind ("may", "plans to": certainty; "on average", "some": extent) where
  it restates what the hedge bears on, and adds no absolute ("all", "every", "none") they do not
  have ("all eight" is a count).

A sentence moves to a passage it did not cite only when it passes there and one sentence of that
passage holds most of its words (`recitable`).

What it cannot see: a role swapped between two names that are both in the aligned sentences
(who did what to whom), the subject of one aligned sentence put with the predicate of another, a
cause or a time link between two facts both present, and support that needs the reader's
knowledge. Measured on the claims benchmark: `python -m benchmarks.claims`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.generate.claimcues import Cues, hedge_kinds, hedged, opposites, read
from retrieval.ingest.embedding import Embedder
from retrieval.results import Passage
from retrieval.text.safety import looks_like_instruction
from retrieval.text.sentences import Sentence, split_sentences
from retrieval.text.words import MONTHS, WEEKDAYS

MIN_COVERAGE = 0.6
MIN_COVERAGE_SIMILAR = 0.3  # … when the embedder finds them close in meaning
MIN_SAID = 0.4  # share of its words other than names found in the aligned sentences
RESTATED = 0.75  # share of a claim's other words in a sentence it restates
LONG_CLAIM = 14  # content words: a sentence this long may be aligned to three sentences
MIN_SIMILARITY = 0.65  # cosine of MiniLM vectors for a paraphrase
_END = re.compile(r"[.!?\"'”’)]\s*$")


def factual_sentences(passage: Passage) -> list[Sentence]:
    """The passage's sentences that may support a claim: no lines addressed to a model, no
    headings or furniture (a short line without a full stop)."""
    out = []
    for s in split_sentences(passage.text):
        if looks_like_instruction(s.text):
            continue
        if not _END.search(s.text) and len(s.text.split()) < 10:
            continue  # "Kestria Concerned", "Video Ad Feedback": a heading, not a statement
        out.append(s)
    return out


@dataclass
class View:
    """A passage read sentence by sentence, once per check."""

    sentences: list[Sentence]
    cues: list[Cues]
    dates: set[str]
    owner: list[int] = field(default_factory=list)  # a joined view: each sentence's passage number

    @classmethod
    def of(cls, passage: Passage) -> View:
        sentences = factual_sentences(passage)
        cues = [read(s.text) for s in sentences]
        dates = set().union(*(c.dates for c in cues)) if cues else set()
        if passage.published:
            dates |= {MONTHS[passage.published.month - 1], WEEKDAYS[passage.published.weekday()]}
        return cls(sentences, cues, dates)

    @classmethod
    def joined(cls, views: Sequence[tuple[int, View]]) -> View:
        """Several passages read as one (a sentence citing [1][2] may take a fact from each)."""
        out = cls([], [], set())
        for n, view in views:
            out.sentences += view.sentences
            out.cues += view.cues
            out.dates |= view.dates
            out.owner += [n] * len(view.sentences)
        return out


@dataclass
class Verdict:
    ok: bool
    coverage: float  # share of the claim's content words in the aligned sentences
    why: str = ""  # what failed, when not ok
    aligned: list[int] = field(default_factory=list)  # sentence indices in the view


class Judge:
    """Sentence-level support; `embedder` (the process's MiniLM) helps with paraphrases."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}

    def forget(self) -> None:
        """Drop the vectors kept from earlier sentences (one check's worth is kept)."""
        self._vectors.clear()

    def similarity(self, a: str, b: str) -> float:
        if self.embedder is None:
            return 0.0
        missing = [t for t in (a, b) if t not in self._vectors]
        if missing:
            for text, vec in zip(missing, self.embedder.embed(missing), strict=True):
                self._vectors[text] = vec
        return float(np.dot(self._vectors[a], self._vectors[b]))

    def judge(self, claim: str, cues: Cues, view: View, semantic: bool = True) -> Verdict:
        """`semantic=False`: words only (no embedder call), for a search over other passages."""
        if not cues.terms:
            return Verdict(False, 0.0, "no content words")
        aligned = align(cues, view)
        if not aligned:
            return Verdict(False, 0.0, "no sentence shares its words")
        union = merge([view.cues[i] for i in aligned])
        coverage = len(cues.terms & union.terms) / len(cues.terms)
        before = context(view, aligned)
        before.names |= full_names(view, union.names | union.terms | before.names)
        parts = [view.cues[i] for i in aligned]
        why = mismatch(cues, union, parts[0], before, view.dates) or polarity(cues, parts, union)
        if not why:
            why = _too_few(cues, union, coverage)
        if why and why in _WORDS_ONLY and semantic and coverage >= MIN_COVERAGE_SIMILAR:
            text = " ".join(view.sentences[i].text for i in aligned)
            why = "" if self.similarity(claim, text) >= MIN_SIMILARITY else why  # a paraphrase
        return Verdict(not why, coverage, why, aligned)


_WORDS_ONLY = ("names without what it says of them", "too few of its words")  # MiniLM may overrule


def _too_few(claim: Cues, union: Cues, coverage: float) -> str:
    """The word-share tests: of what it says of its names, and of all its words."""
    said = claim.terms - claim.names  # what it says of the names
    if len(said) >= 2 and len(said & union.terms) < MIN_SAID * len(said):
        return _WORDS_ONLY[0]
    return _WORDS_ONLY[1] if coverage < MIN_COVERAGE else ""


def full_names(view: View, names: set[str]) -> set[str]:
    """The other words of the passage's names that share a word with `names` ("Franco" where
    the aligned sentence says "Harris" and the passage "Franco Harris")."""
    out: set[str] = set()
    for c in view.cues:
        for run in c.full_names:
            if run & names:
                out |= run
    return out


def recitable(cues: Cues, verdict: Verdict, view: View) -> bool:
    """Whether a sentence may be moved to a passage it did not cite: it passes there, and one
    sentence of that passage holds enough of its words alone (a claim pieced together from a
    passage the model never pointed at is more often a recombination than a miscitation)."""
    if not verdict.ok:
        return False
    best = view.cues[verdict.aligned[0]]
    return len(cues.terms & best.terms) >= MIN_COVERAGE * len(cues.terms)


def align(cues: Cues, view: View) -> list[int]:
    """The best sentence, then up to one more (two more for a long sentence, which packs more
    facts) about the same thing (next to it, starting with "he"/"they", or naming the same
    name) that adds words, numbers or names the first ones lack."""
    shared = [_weight(cues, c, Cues()) for c in view.cues]
    if not shared or max(shared) == 0:
        return []
    aligned = [shared.index(max(shared))]
    have = view.cues[aligned[0]]
    for _ in range(1 if len(cues.terms) < LONG_CLAIM else 2):
        partner, gain = -1, 0
        for j, c in enumerate(view.cues):
            related = any(abs(j - i) == 1 for i in aligned) or c.pronoun_start or bool(c.names & have.names)
            add = _weight(cues, c, have)
            if j not in aligned and related and add > gain:
                partner, gain = j, add
        if partner < 0:
            break
        aligned.append(partner)
        have = merge([have, view.cues[partner]])
    return aligned  # the best first


def _weight(claim: Cues, sentence: Cues, have: Cues) -> int:
    """What `sentence` adds to `have` of the claim's words, names (x2) and numbers (x2)."""
    return (
        len((claim.terms & sentence.terms) - have.terms)
        + 2 * len((claim.names & sentence.names) - have.names)
        + 2 * len((claim.quantities & sentence.quantities) - have.quantities)
    )


def merge(parts: Sequence[Cues]) -> Cues:
    out = Cues()
    for c in parts:
        out.terms |= c.terms
        out.names |= c.names
        out.quantities |= c.quantities
        out.dates |= c.dates
        out.negated += c.negated
        out.outcomes |= c.outcomes
        out.hedges |= c.hedges
        out.absolutes |= c.absolutes
        out.speakers |= c.speakers
        out.initials |= c.initials
        out.full_names += c.full_names
    return out


def context(view: View, aligned: list[int]) -> Cues:
    """Names and speakers the aligned sentences lean on: the sentences before them, for a
    sentence that starts with "he"/"they" or a quote that continues without its speaker."""
    out = Cues()
    for i in aligned:
        for j in range(i - 1, max(-1, i - 3), -1):
            if view.cues[j + 1].speakers and not view.cues[j + 1].pronoun_start and j + 1 != i:
                break
            out.names |= view.cues[j].names
            out.speakers |= view.cues[j].speakers
            if view.cues[j].speakers:
                break
    return out


def _quantity_found(q: str, have: set[str]) -> bool:
    """The number with the same unit, or without one on either side ("35 arrested" for "35
    people"; "$56bn" for the amount without its unit word)."""
    if q in have:
        return True
    number, _, unit = q.partition(" ")
    return number in have or (not unit and any(h.partition(" ")[0] == number for h in have))


def _name_found(name: str, known: set[str]) -> bool:
    """The name, or a form of it ("Europe" for "European"), among `known` words."""
    return name in known or any(len(k) >= 4 and (name.startswith(k) or k.startswith(name)) for k in known)


def _swapped_name(claim: Cues, best: Cues) -> bool:
    """The claim restates its best sentence (nearly all its other words are there) but puts a
    name where that sentence has another one."""
    other = claim.terms - claim.names
    if not other or len(other & best.terms) < RESTATED * len(other):
        return False
    return bool(claim.names - _found(claim.names, best)) and bool(best.names - _found(best.names, claim))


def _mixed_names(claim: Cues, union: Cues) -> bool:
    """A name of the claim takes words from two alike names of the aligned sentences ("Majority
    Leader James Clyburn" where they say "Majority Whip James Clyburn" and "Majority Leader
    Steny Hoyer"): a title or a first name moved to the other person."""
    for name in claim.full_names:
        for a in union.full_names:
            for b in union.full_names:
                if a is not b and a & b and name & (a - b) and name & (b - a) and not name >= a:
                    return True
    return False


def _said_by(subjects: set[str], speakers: set[str]) -> bool:
    return not speakers or "*" in speakers or bool(subjects & speakers)


def _found(names: set[str], sentence: Cues) -> set[str]:
    known = sentence.names | sentence.terms | sentence.initials
    return {n for n in names if _name_found(n, known)}


def mismatch(claim: Cues, union: Cues, best: Cues, before: Cues, dates: set[str]) -> str:
    """Why the aligned sentences do not state what the claim states ("" when they do)."""
    if not all(_quantity_found(q, union.quantities) for q in claim.quantities):
        return "a number they do not state"
    if not claim.dates <= dates:
        return "a date they do not state"
    known = union.names | before.names | union.terms | union.initials
    if not all(_name_found(n, known) for n in claim.names):
        return "a name they do not mention"
    if claim.subjects and not _said_by(claim.subjects, best.speakers or before.speakers or union.speakers):
        return "said by someone else"
    if _swapped_name(claim, best) or _mixed_names(claim, union):
        return "another name in its place"  # "held in Calder" where the sentence says "in Haldor"
    if claim.absolutes - union.absolutes:
        return "adds an absolute"
    return ""


def _reversed(outcome: str, claim: Cues, best: Cues) -> bool:
    """The best sentence says the opposite of the claim's outcome word, and not the word itself;
    a claim stating both ("rarely won before, rarely lost after") reverses nothing."""
    others = opposites(outcome)
    if claim.negated % 2 != best.negated % 2:
        return False  # "born after" for "not born before": the negation turns the opposite round
    return bool(others & best.outcomes) and outcome not in best.outcomes and not others & claim.outcomes


def polarity(claim: Cues, parts: list[Cues], union: Cues) -> str:
    """Negation, outcome and hedge, against the sentence the claim is aligned to best (negation:
    or against any one of the aligned sentences, or all of them together)."""
    best = parts[0]
    if claim.negated % 2 not in {c.negated % 2 for c in parts} | {union.negated % 2}:
        return "negation differs"
    if any(_reversed(o, claim, best) for o in claim.outcomes):
        return "the outcome is reversed"
    if hedged(best, claim) - hedge_kinds(claim.hedges):
        return "drops a hedge"
    return ""
