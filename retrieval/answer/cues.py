"""Answer cues: does a sentence hold something the question asks for but does not contain?

A sentence that answers "which country…?" or "how many…?" carries a new name or a number; one
that only restates the question's words does not. No model: a number for how-many/what-year
questions, otherwise a capitalised word (a name, not a weekday or month) that is not one of the
question's words.

Corroboration: news is redundant. When several of the best reports name the same new name or
number in sentences about the question, that name is probably the answer (the "redundancy"
idea of AskMSR-style question answering, Brill et al. 2002): `corroboration` counts, for each
such word, the reports that state it, weighted by how well each report matches the question.
A report's headline states it too: a title naming the word counts as one of that report's
sentences.

Proximity: a quiz question usually paraphrases the sentence that answers it, so the answer word
stands among the question's words; a name that shares a long sentence with them, several
clauses away, is more often a bystander. `AnswerCues.proximity` measures that closeness.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from retrieval.text.terms import Terms
from retrieval.text.words import MONTHS, QUERY_STOPWORDS, WEEKDAYS

_NUMERIC_QUESTION = re.compile(
    r"\bhow (?:many|much|old|long|far|big|tall|often|high|large)\b"
    r"|\bwhat (?:percentage|percent|year|age|number|amount|share|proportion)\b"
    r"|\bin what year\b|\bby how much\b|\bsince at least\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d[\d,.]*\d|\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|billion|trillion|half|dozen|percent)\b",
    re.IGNORECASE,
)
# content words in order for proximity: a number stays whole ("12,400"), as `_NUMBER` finds it
_TOKEN = re.compile(r"\d[\d,.]*\d|[A-Za-z0-9][A-Za-z0-9'’-]*")
_SITE_SUFFIX = re.compile(r"\s+\|\s.*$")
_CAPITALISED = re.compile(r"(?<![\w’'])([A-Z][\w’'.&-]*)")
# capitalised, but a date rather than the name a "which/who" question asks for
CALENDAR = frozenset(WEEKDAYS + MONTHS)


def expects_number(question: str) -> bool:
    """'How many…', 'what percentage…', 'in what year…': the answer is a number."""
    return bool(_NUMERIC_QUESTION.search(question))


class AnswerCues:
    """Whether a sentence brings a number or a name the question lacks (see the module doc)."""

    def __init__(self, terms: Terms, question: str, known_stems: set[str]):
        self.terms = terms
        self.numeric = expects_number(question)
        self.known = known_stems | set(terms.of(question))

    def new_answer_words(self, sentence: str) -> set[str]:
        """The numbers (for a numeric question) or the names the sentence holds and the question
        lacks, stemmed: "Buffalo Bills" gives {"buffalo", "bill"}."""
        if self.numeric:
            numbers = (m.group(0).lower() for m in _NUMBER.finditer(sentence))
            return {n for n in numbers if self.terms.stem(n) not in self.known}
        words = set()
        for m in _CAPITALISED.finditer(sentence):
            word = m.group(1).strip(".’'-")
            if len(word) < 2 or word.lower() in QUERY_STOPWORDS or word.lower() in CALENDAR:
                continue
            stem = self.terms.stem(word)
            if stem not in self.known:
                words.add(stem)
        return words

    def proximity(self, sentence: str, words: set[str], weights: dict[str, float], window: int = 6) -> float:
        """The largest share of the question's weighted words found within `window` content words
        of one occurrence of an answer word (`words`, from `new_answer_words`); 0.0 when none."""
        total = sum(weights.values())
        if not words or not total:
            return 0.0
        tokens = []
        for m in _TOKEN.finditer(sentence):
            word = m.group(0).lower()
            if word in QUERY_STOPWORDS:
                continue
            tokens.append(word if word in words else self.terms.stem(word))
        best = 0.0
        for at, token in enumerate(tokens):
            if token in words:
                near = set(tokens[max(0, at - window) : at + window + 1])
                best = max(best, sum(v for t, v in weights.items() if t in near) / total)
        return best


def headline(title: str) -> str:
    """A title without the site name search results append ("… | CNN"), which is no answer."""
    return _SITE_SUFFIX.sub("", title)


def corroboration(mentions: Iterable[tuple[str, float, set[str]]]) -> dict[str, float]:
    """How strongly the reports agree on each answer word, as a share of the best-supported one.

    `mentions` holds one (article id, weight, answer words) per sentence, weight being how well
    the sentence and its report match the question. A word's support is the sum over articles
    of its best sentence's weight: an article counts once however often it repeats a name, so
    agreement means several reports, not one long one.
    """
    best: dict[tuple[str, str], float] = {}
    for article, weight, words in mentions:
        for w in words:
            key = (w, article)
            best[key] = max(best.get(key, 0.0), weight)
    support: dict[str, float] = {}
    for (w, _), weight in best.items():
        support[w] = support.get(w, 0.0) + weight
    top = max(support.values(), default=0.0)
    return {w: v / top for w, v in support.items()} if top > 0 else {}
