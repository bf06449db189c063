"""Full names for short mentions in a quoted sentence: "It is Rahm's first major" is shown as
"It is Rahm's [Jon Rahm] first major".

A sentence lifted out of a news report loses its context. Reports name a person, team or
company in full at the first mention and by the last word afterwards, so the sentence an
answer quotes often says only "Rahm", "the Bucks" or "McCarthy". The answer adds the full
form in square brackets, the editor's mark for words that are not the source's, after the
first short mention in the sentence (the citation keeps the exact quote). The full form comes
from the same report's retrieved text, and only when the reading is safe:

- the short mention is one capitalised word that the report never uses in lower case (not
  "Court", "Though"), not a weekday or month, and not written in capitals ("NATO");
- one longer name ends with it: two or three capitalised words, none used in lower case in
  the report, none in capitals (a "MUST WATCH" tag), no word twice; where several do, one
  is named at least twice as often as any other;
- the report's first mention of the word is in that full name (the first-reference rule of
  news writing; the headline does not count, headlines use short forms) and the word stands
  alone at least as often as the full name does (so "Africa" beside "South Africa" stays);
- the sentence does not already hold the full name.

A name is a run of capitalised words on one line that no sentence's full stop interrupts; a run
right after a slash is a photo credit ("Leon Neal/Getty Images"), and the word after "Secretary
of" belongs to the office, so neither makes a name.

No model and no list of names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from retrieval.answer.cues import CALENDAR
from retrieval.text.words import ABBREVIATIONS, HONORIFICS, RANK_ABBREVIATIONS, STOPWORDS

# a full name's leading words dropped when they are a title: "President Joe Biden" -> "Joe Biden"
_TITLES = (
    HONORIFICS
    | RANK_ABBREVIATIONS
    | frozenset(
        [
            "prime",
            "former",
            "vice",
            "deputy",
            "police",
            "coach",
            "speaker",
            "king",
            "queen",
            "professor",
            "host",
            "sir",
            "dame",
            "bishop",
            "cardinal",
            "officer",
            "attorney",
            "commissioner",
            "ambassador",
        ]
    )
)
# capitalised only because a sentence starts with them: "The Bucks", "But McCarthy"
_LEADING = STOPWORDS | frozenset(
    [
        "though",
        "although",
        "however",
        "meanwhile",
        "still",
        "yet",
        "instead",
        "despite",
        "even",
        "many",
        "several",
        "since",
    ]
)
# a run of capitalised words on one line: "Jon Rahm", "Los Angeles Lakers", "J.D. Power"
_NAME = re.compile(r"(?<![\w’'])[A-Z][\w’'.&-]*(?: [A-Z][\w’'.&-]*)*")
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
# a name going on after a lower-case joining word: " of Georgia", " for Disease Control"
_JOINING = r"(?:of|for|de|del|della|da|do|dos|du|von|van|der|den|al|bin|el|la|le)"
_GOES_ON = re.compile(rf" {_JOINING} [A-Z]")
# …and the name such a word goes on from: the run after "Secretary of " starts with its last word
_WENT_ON = re.compile(rf"[A-Z][\w’'.&-]* {_JOINING} $")
# a hyphenated word with a lower-case part is a description, not a name: "Top-ranked", "K-pop"
_LOWER_PART = re.compile(r"-[a-z]")
# "Northern California" is a part of California, not its full name (but "North Carolina" is)
_REGION = re.compile(r"(?:north|south)?(?:north|south|east|west)ern")
_LOWER_WORD = re.compile(r"(?<![\w’'])[a-z][\w’'-]*")
MAX_FULL_WORDS = 3


def _words(run: str) -> tuple[str, ...]:
    """A capitalised run's words cleaned of punctuation and possessives, without the
    sentence-initial function words ("The Bucks'" -> ("Bucks",))."""
    words = []
    for w in run.split():
        if not _INITIALS.fullmatch(w):
            w = w.rstrip(".,;:")
        words.append(re.sub(r"(?:[’']s|[’'])$", "", w))
    while words and words[0].lower() in _LEADING:
        words.pop(0)
    return tuple(w for w in words if w)


class _Run(NamedTuple):
    start: int
    end: int
    text: str


def _name_runs(text: str) -> Iterator[_Run]:
    """The capitalised runs of `text` (`_NAME`), cut after a word whose full stop ends a
    sentence, not an initial's ("J.D.") or an abbreviation's ("Sen.", "St."): "met Sunak. Blinken
    left" holds two names, not "Sunak Blinken"."""
    for m in _NAME.finditer(text):
        start = m.start()
        for w in re.finditer(r"\S+", m.group(0)):
            word = w.group(0)
            if (
                word.endswith(".")
                and not _INITIALS.fullmatch(word)
                and word[:-1].lower() not in ABBREVIATIONS
            ):
                end = m.start() + w.end()
                yield _Run(start, end, text[start:end])
                start = end + 1
        if start < m.end():
            yield _Run(start, m.end(), text[start : m.end()])


def _runs(text: str) -> Iterator[tuple[_Run, tuple[str, ...]]]:
    """Each capitalised run of `text` with its words as `_words` cleans them. One word that a
    name goes on after ("University of Georgia", "Bank of America") is not a run of its own:
    it is part of that longer name, not a short mention; and the first word after it belongs to
    that name too ("Secretary of State Antony Blinken" gives "Antony Blinken"). Nor is a run
    right after a slash: that is a photo credit's agency, which captions run into the next
    sentence's first word ("Leon Neal/Getty Images Sunak speaks…")."""
    for run in _name_runs(text):
        if text[run.start - 1 : run.start] == "/":
            continue
        words = _words(run.text)
        if _WENT_ON.search(text, max(0, run.start - 60), run.start):
            words = words[1:]
        if words and not (len(words) == 1 and _GOES_ON.match(text, run.end)):
            yield run, words


def names(text: str) -> list[tuple[str, ...]]:
    """The capitalised runs of `text` in order, as `_runs` gives them."""
    return [words for _, words in _runs(text)]


class NameForms:
    """The names one report uses: full forms, how often each word stands alone, and which
    words it also writes in lower case. `text` is everything retrieved of the report (its
    headline too), `body` the same without the headline."""

    def __init__(self, text: str, body: str):
        self.full: Counter[tuple[str, ...]] = Counter()
        self.alone: Counter[str] = Counter()
        self.lower = {w.lower() for w in _LOWER_WORD.findall(text)}
        for words in names(text):
            while len(words) > 1 and words[0].lower().strip(".") in _TITLES:
                words = words[1:]  # "Sen. Casey" is a short mention, "Sen. Bob Casey" a full one
            if len(words) == 1:
                self.alone[words[0]] += 1
                continue
            if self._is_full_name(words):
                self.full[words] += 1
        self.first: dict[str, tuple[str, ...]] = {}
        for words in names(body):
            for w in words:
                self.first.setdefault(w, words)

    def _is_full_name(self, words: tuple[str, ...]) -> bool:
        return (
            2 <= len(words) <= MAX_FULL_WORDS
            and len(set(words)) == len(words)
            and not any(len(w) > 1 and w.isupper() for w in words)
            and not any(w.lower() in _LEADING or w.lower() in CALENDAR for w in words)
            and not any(_LOWER_PART.search(w) for w in words)
        )

    def _is_own_name(self, words: tuple[str, ...], n: int) -> bool:
        """False when the name is a region of the place it ends with ("Northern California"),
        or the words before the last are common words ("Giant African") or a name of their own
        that merely runs into this one ("Getty Images Sunak", "Bangladesh Reuters"): one that
        stands alone more often than in this name (a first name said alone once, "It can't be
        Jeremy", still starts "Jeremy Hunt")."""
        lead = words[:-1]
        return not (
            _REGION.fullmatch(lead[0].lower())
            or any(w.lower() in self.lower or self.alone[w] > n for w in lead)
            or (len(lead) > 1 and lead in self.full)
        )

    def full_name(self, word: str) -> str | None:
        """The full name `word` is short for in this report, or None when unsure. A longer name
        that ends with another full name of the report is that one with a word run into it
        ("Ferrari Carlos Sainz" beside "Carlos Sainz") and is not offered."""
        low = word.lower()
        if word.isupper() or low in CALENDAR or low in self.lower or low in _LEADING:
            return None
        longer = sorted(
            (
                (n, words)
                for words, n in self.full.items()
                if words[-1] == word and self._is_own_name(words, n) and words[1:] not in self.full
            ),
            reverse=True,
        )
        if not longer or (len(longer) > 1 and longer[0][0] < 2 * longer[1][0]):
            return None
        n, words = longer[0]
        if self.alone[word] < n or self.first.get(word, ())[-len(words) :] != words:
            return None
        return " ".join(words)


def with_full_names(sentence: str, forms: NameForms, shown: str = "") -> str:
    """`sentence` with "[Full Name]" after the first lone mention of each name it can expand
    (after the possessive: "Rahm's [Jon Rahm]"), unless the sentence or the text `shown`
    before it already holds the full name."""
    inserts: list[tuple[int, str]] = []
    seen: set[str] = set()
    for r, words in _runs(sentence):
        if len(words) != 1 or words[0] in seen or sentence[r.start - 1 : r.start] == "[":
            continue  # a name the report itself already bracketed stays as it is
        seen.add(words[0])
        full = forms.full_name(words[0])
        if full is None or full in sentence or full in shown:
            continue
        last = r.text.split()[-1]
        end = r.end if _INITIALS.fullmatch(last) else r.end - (len(r.text) - len(r.text.rstrip(".,;:")))
        inserts.append((end, full))
    out = sentence
    for end, full in reversed(inserts):
        out = f"{out[:end]} [{full}]{out[end:]}"
    return out


def report_forms(title: str, texts: Sequence[str]) -> NameForms:
    """NameForms of one report from its headline and the retrieved passages' texts (one line
    each: the end of one passage and the start of the next are not one name)."""
    body = "\n".join(texts)
    return NameForms(f"{title}.\n{body}", body)
