"""Answer cues: does a sentence hold something the question asks for but does not contain?

A sentence that answers "which country…?" or "how many…?" carries a new name or a number; one
that only restates the question's words does not. No model: a number for how-many/what-year
questions, otherwise a capitalised word (a name, not a weekday or month) that is not one of the
question's words.
"""

from __future__ import annotations

import re

from retrieval.catalog import STOPWORDS
from retrieval.textstats import Terms

_NUMERIC_QUESTION = re.compile(
    r"\bhow (?:many|much|old|long|far|big|tall|often|high|large)\b"
    r"|\bwhat (?:percentage|percent|year|age|number|amount|share|proportion)\b"
    r"|\bin what year\b|\bby how much\b|\bsince at least\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|billion|trillion|half|dozen|percent)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![\w’'])([A-Z][\w’'.&-]*)")
# capitalised, but a date rather than the name a "which/who" question asks for
_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def expects_number(question: str) -> bool:
    """'How many…', 'what percentage…', 'in what year…': the answer is a number."""
    return bool(_NUMERIC_QUESTION.search(question))


class AnswerCues:
    """Whether a sentence brings a number or a name the question lacks (see the module doc)."""

    def __init__(self, terms: Terms, question: str, known_stems: set[str]):
        self.terms = terms
        self.numeric = expects_number(question)
        self.known = known_stems | set(terms.of(question))

    def has_new_answer_word(self, sentence: str) -> bool:
        if self.numeric:
            return any(self.terms.stem(m.group(0)) not in self.known for m in _NUMBER.finditer(sentence))
        for m in _CAPITALISED.finditer(sentence):
            word = m.group(1).strip(".’'-")
            if len(word) < 2 or word.lower() in STOPWORDS or word.lower() in _CALENDAR:
                continue
            if self.terms.stem(word) not in self.known:
                return True
        return False
