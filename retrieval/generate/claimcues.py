"""What a sentence states, read lexically: the cues the citation check compares between a
generated sentence and the article sentences it is aligned to (`support.py`).

- content terms (Snowball-stemmed, stop words out);
- names (capitalised words that are not sentence-initial function words);
- quantities: every number (digits or number words, "1,200" = "1200", "ten" = "10") with the
  unit word after it when there is one ("two weeks" ≠ "two months", "20%" = "20 percent");
  decades and centuries in years ("a decade" = "10 years"), "one and a half" = "1.5";
- polarity: negation words ("not", "never", "no", "without", "cannot", "hold off") and outcome
  words that have an opposite ("won"/"lost", "approved"/"rejected", "rose"/"fell");
- hedges ("may", "could", "reportedly", "plans to", "on average", "some") and absolutes ("all",
  "every", "none", "completely"), which a sentence must not add or drop;
- speakers: the names next to a speech verb ("X said", "said X", "according to X").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.text.words import CLAIM_STOPWORDS, HONORIFICS, MONTHS, WEEKDAYS, stemmer

_stem = stemmer("snowball")
_DISCORD_REF = re.compile(r"<[@#][!&]?\u200b?\d+>")  # a mention is no number
_TOKEN = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?|[A-Za-zÀ-ÿ]+(?:[-'’][A-Za-zÀ-ÿ]+)*")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NUMBER_WORDS.update(
    {
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "sixty": "60",
        "seventy": "70",
        "eighty": "80",
        "ninety": "90",
    }
)
_NUMBER_WORDS.update({"hundred": "100", "dozen": "12"})
_UNITS = {
    "second", "minute", "hour", "day", "week", "month", "year", "decade", "centuri", "percent",
    "point", "mile", "feet", "foot", "inch", "meter", "metr", "kilometr", "pound", "kilogram", "ton",
    "barrel", "dollar", "euro", "million", "billion", "trillion", "cent", "degre", "time", "peopl",
}  # fmt: skip
_SPANS = {"decad": 10, "centuri": 100}  # stems: counted in years ("four decades" = "40 years")
_NEGATIONS = {"not", "no", "never", "n't", "cannot", "none", "nobody", "nothing", "neither", "nor", "without"}
_NEGATIONS |= {"unable", "unaffected", "ban", "banned", "bans", "lack", "lacks"}
_NEGATING_VERBS = {
    "refus",
    "fail",
    "declin",
    "deni",
    "halt",
    "abandon",
    "stop",
}  # stems: "refused to", "failed to"
# outcome words with an opposite: a sentence saying one where its source says the other is reversed
_OPPOSITES = [
    ("win", "lose"), ("won", "lost"), ("approv", "reject"), ("accept", "reject"), ("rise", "fall"),
    ("rose", "fell"), ("increas", "decreas"), ("rais", "cut"), ("gain", "loss"), ("higher", "lower"),
    ("above", "below"), ("surpass", "short"), ("exceed", "short"), ("convict", "acquit"),
    ("guilti", "innoc"), ("allow", "ban"), ("permit", "ban"), ("support", "oppos"), ("open", "close"),
    ("start", "end"), ("resum", "paus"), ("more", "less"), ("before", "after"), ("first", "last"),
    ("suspect", "clear"), ("intertwin", "separ"), ("hike", "hold"), ("confirm", "deni"),
]  # fmt: skip
# hedges a source sentence may carry, which a claim must keep (in some form)
_HEDGES = {
    "may", "might", "could", "possibly", "potentially", "perhaps", "reportedly", "allegedly",
    "apparently", "likely", "probably", "expected", "expects", "plans", "planned", "projected",
    "projects", "predicted", "suggest", "suggests", "suggested", "some", "average", "half", "hopes",
}  # fmt: skip
# words that keep a claim hedged, beyond those
_CLAIM_HEDGES = _HEDGES | {
    "expect", "project", "sees", "forecast", "forecasts", "estimated", "estimates", "plan", "wants",
    "about", "around", "nearly", "almost", "roughly", "approximately", "several", "partly", "would",
    "if", "can", "unclear", "declined", "refused", "fears", "risk", "suspected", "believe", "believes",
}  # fmt: skip
# words that make a claim absolute, by class: a claim may use one only where its source does
_ABSOLUTES = {
    "all": "all", "every": "all", "everyone": "all", "everything": "all", "each": "all",
    "whole": "all", "entire": "all", "entirely": "all", "completely": "all", "totally": "all",
    "always": "all", "any": "all", "none": "none", "nobody": "none",
}  # fmt: skip
_SPEECH = {
    "said", "say", "says", "told", "tell", "wrote", "write", "writes", "writing", "ad", "added",
    "argu", "argued", "call", "called", "describ", "described", "project", "projected", "confirm",
    "confirmed", "announc", "announced", "state", "stated", "warn", "warned", "note", "noted",
    "explain", "explained", "insist", "insisted", "tweet", "tweeted", "accord", "according", "claim",
    "claims", "claimed", "alleg", "alleged", "alleges",
}  # fmt: skip
_SPEECH_STEMS = {_stem(w) for w in _SPEECH}
_FUNCTION_CAPS = {w.capitalize() for w in CLAIM_STOPWORDS | _NEGATIONS} | {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "As",
    "But",
}
_WEEKDAYS = frozenset(WEEKDAYS)
_MONTHS = frozenset(MONTHS) - {"may"}  # "may" is a hedge here far more often than the month


@dataclass
class Cues:
    """The lexical cues of one sentence (see the module docstring)."""

    terms: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # lower-case name words
    quantities: set[str] = field(default_factory=set)  # "20", "2 week", "10 percent"
    dates: set[str] = field(default_factory=set)  # weekday and month names
    negated: int = 0  # negation words
    outcomes: set[str] = field(default_factory=set)  # stems with an opposite
    hedges: set[str] = field(default_factory=set)
    absolutes: set[str] = field(default_factory=set)
    speakers: set[str] = field(default_factory=set)  # name words next to a speech verb
    subjects: set[str] = field(default_factory=set)  # who speaks: "Valk" in "Valk said", "said Valk"
    initials: set[str] = field(default_factory=set)  # "ftc" for "Federal Trade Commission"
    full_names: list[set[str]] = field(default_factory=list)  # runs of names: {"franco", "harri"}
    pronoun_start: bool = False  # "He said…", "They…": refers back to an earlier sentence
    hedged: dict[str, set[str]] = field(default_factory=dict)  # hedge kind → the words it bears on


_OPPOSITE_OF: dict[str, set[str]] = {}
for _a, _b in _OPPOSITES:  # "short" is the opposite of both "surpass" and "exceed"
    _OPPOSITE_OF.setdefault(_a, set()).add(_b)
    _OPPOSITE_OF.setdefault(_b, set()).add(_a)
_PRONOUNS = {"he", "she", "they", "it", "his", "her", "their", "its", "this", "that", "these", "those"}


def _number(token: str) -> str | None:
    t = token.lower().lstrip("$").replace(",", "")
    if "-" in t:  # "fifty-nine"
        tens, _, unit = t.partition("-")
        if tens in _NUMBER_WORDS and unit in _NUMBER_WORDS and int(_NUMBER_WORDS[unit]) < 10:
            return str(int(_NUMBER_WORDS[tens]) + int(_NUMBER_WORDS[unit]))
    if t.endswith("%"):
        t = t[:-1]
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return t[:-2] if t.endswith(".0") else t
    return _NUMBER_WORDS.get(t)


def _quantity(num: str, tokens: list[str], stems: list[str], i: int) -> str:
    """The number at `i` with its unit: "2 week", "10 percent"; "one and a half days" is 1.5 days,
    "four decades" 40 years."""
    j = i + 1
    if [t.lower() for t in tokens[j : j + 3]] == ["and", "a", "half"]:
        num, j = _number_text(float(num) + 0.5), j + 3
    nxt = "percent" if tokens[i].endswith("%") else (stems[j] if j < len(stems) else "")
    if nxt in _SPANS:
        return f"{_number_text(float(num) * _SPANS[nxt])} year"
    return f"{num} {nxt}" if nxt in _UNITS else num


def _litotes(tokens: list[str], i: int) -> bool:
    """A negation over an "un-" word ("not unusual", "wasn't uncommon"): a positive statement."""
    nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    return len(nxt) >= 6 and nxt.startswith("un") and not nxt.startswith(_NOT_UN)


_NOT_UN = ("under", "unit", "union", "univers", "until", "unless", "unveil")


def _verb_phrase(tokens: list[str], i: int) -> bool:
    """A negating verb over an action ("refused to", "stopped working"), not over a thing ("stop
    transmission", "denied the report")."""
    nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    return nxt == "to" or nxt.endswith("ing")


def _counted(tokens: list[str], i: int) -> bool:
    """An absolute over a number ("all eight stadiums", "each of the 12"): a counted set, which
    the number check holds, not a generalisation."""
    after = [t.lower() for t in tokens[i + 1 : i + 4]]
    while after and after[0] in ("of", "the"):
        after.pop(0)
    return bool(after) and _number(after[0]) is not None


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def read(text: str) -> Cues:
    """The cues of `text` (one sentence, markers already removed)."""
    cues = Cues()
    text = _DISCORD_REF.sub(" ", text).replace("’", "'").replace("n't", " n't")
    tokens = [re.sub(r"'s$", "", t) for t in _TOKEN.findall(text)]
    stems = [_stem(t.lower().replace("’", "'")) for t in tokens]
    if tokens:
        cues.pronoun_start = tokens[0].lower() in _PRONOUNS
    for i, (tok, st) in enumerate(zip(tokens, stems, strict=True)):
        low = tok.lower()
        num = _number(tok)
        if num is not None:
            cues.quantities.add(_quantity(num, tokens, stems, i))
            continue
        if st in _SPANS and (i == 0 or _number(tokens[i - 1]) is None):
            cues.quantities.add(f"{_SPANS[st]} year")  # "a decade", "over a century"
        if (
            (
                low in _NEGATIONS
                and not (low == "nor" and "neither" in text.lower())
                and not _litotes(tokens, i)
            )
            or (st in _NEGATING_VERBS and _verb_phrase(tokens, i))
            or (low == "hold" and i + 1 < len(tokens) and tokens[i + 1] == "off")
        ):
            cues.negated += 1
        if st in _OPPOSITE_OF or low in _OPPOSITE_OF:
            cues.outcomes.add(st if st in _OPPOSITE_OF else low)
        if low in _CLAIM_HEDGES:
            cues.hedges.add(low)
        if low in _HEDGES:
            cues.hedged.setdefault(hedge_kinds({low}).pop(), set()).update(_scope(tokens, stems, i))
        if low in _ABSOLUTES and not (low == "any" and cues.negated) and not _counted(tokens, i):
            cues.absolutes.add(_ABSOLUTES[low])  # "not … any" and "all eight" are no absolutes
        if low in _WEEKDAYS or low in _MONTHS:
            cues.dates.add(low)
        if _is_name(tokens, i):
            cues.names.add(st)

        if low not in CLAIM_STOPWORDS and (len(st) > 2) and low not in _NEGATIONS:
            cues.terms.add(st)
    cues.speakers = {_stem(w) for w in _speakers(tokens, stems)}
    cues.subjects = {_stem(w) for w in _subjects(tokens, stems)}
    cues.initials = acronyms(tokens)
    cues.full_names = _runs(tokens, stems)
    return cues


def _runs(tokens: list[str], stems: list[str]) -> list[set[str]]:
    """The name words standing together ("Franco Harris", "Pittsburgh Steelers")."""
    out: list[set[str]] = []
    run: set[str] = set()
    for i in range(len(tokens) + 1):
        if i < len(tokens) and _is_name(tokens, i):
            run.add(stems[i])
            continue
        if len(run) >= 2:
            out.append(run)
        run = set()
    return out


def _is_name(tokens: list[str], i: int) -> bool:
    """A capitalised word that is not a function word, a title or a date; at the start of the
    sentence only when the next word is capitalised too ("Rishi Sunak", not "Fears")."""
    tok = tokens[i]
    low = tok.lower()
    if not tok[0].isupper() or tok in _FUNCTION_CAPS or low in HONORIFICS or low in _WEEKDAYS | _MONTHS:
        return False
    return i > 0 or (len(tokens) > 1 and tokens[1][:1].isupper())


def acronyms(tokens: list[str]) -> set[str]:
    """Initials of runs of capitalised words, and of their ends of three or more ("US Food and Drug
    Administration" → "usfda", "fda"), as written and stemmed as names are ("suny", "suni")."""
    out: set[str] = set()
    run: list[str] = []
    for tok in [*tokens, "."]:
        if tok[:1].isupper() and (run or tok not in _FUNCTION_CAPS):
            run.append(tok[0].lower())
        elif tok.lower() in ("of", "for", "and") and run:
            continue
        else:
            ends = ["".join(run[k:]) for k in range(len(run) - 1) if k == 0 or len(run) - k >= 3]
            out |= set(ends) | {_stem(e) for e in ends}
            run = []
    return out


# hedges of extent ("some", "on average", "nearly"); all others are of certainty ("may", "plans to")
_EXTENT = {"some", "average", "half", "about", "around", "nearly", "almost", "roughly", "approximately"}
_EXTENT |= {"several", "partly"}


def hedged(source: Cues, claim: Cues) -> set[str]:
    """The kinds of hedge ("extent", "certainty") a source sentence puts on what `claim` restates
    of it (two or more of the words after the hedge, or a hedge at its end), which the claim must
    keep."""
    return {k for k, scope in source.hedged.items() if "*" in scope or len(scope & claim.terms) >= 2}


def _scope(tokens: list[str], stems: list[str], i: int) -> set[str]:
    """The content words a hedge bears on: the rest of the sentence ("*" when nothing follows)."""
    scope = {stems[j] for j in range(i + 1, len(tokens)) if tokens[j].lower() not in CLAIM_STOPWORDS}
    return {st for st in scope if len(st) > 2} or {"*"}


def hedge_kinds(hedges: set[str]) -> set[str]:
    """ "extent" for "some", "on average", "nearly"; "certainty" for "may", "reportedly", "plans"."""
    return {"extent" if h in _EXTENT else "certainty" for h in hedges}


def _is_cap(tok: str) -> bool:
    low = tok.lower()
    return tok[:1].isupper() and tok not in _FUNCTION_CAPS and low not in HONORIFICS | _WEEKDAYS | _MONTHS


def _subjects(tokens: list[str], stems: list[str]) -> set[str]:
    """The speaker of each speech verb: the run of names just before it (within six words:
    "Valk, the general, said"), else the name right after it ("said Valk")."""
    out: set[str] = set()
    for i, st in enumerate(stems):
        if st not in _SPEECH_STEMS:
            continue
        run = [tokens[j] for j in range(max(0, i - 6), i) if _is_cap(tokens[j])]
        if not run and i + 1 < len(tokens) and _is_cap(tokens[i + 1]):
            run.append(tokens[i + 1])
        out |= {t.lower() for t in run}
    return out


def _speakers(tokens: list[str], stems: list[str]) -> set[str]:
    """Name words up to twelve words before or three after a speech verb ("Valk said", "said
    Valk", "according to Valk"); "*" when a pronoun says it ("she said": named elsewhere)."""
    out: set[str] = set()
    for i, st in enumerate(stems):
        if st not in _SPEECH_STEMS:
            continue
        if any(tokens[j].lower() in _PRONOUNS for j in (i - 1, i + 1) if 0 <= j < len(tokens)):
            out.add("*")
        for j in range(max(0, i - 12), min(len(tokens), i + 4)):
            tok = tokens[j]
            if j != i and tok[0].isupper() and tok not in _FUNCTION_CAPS and tok.lower() not in HONORIFICS:
                out.add(tok.lower())
    return out


def opposites(outcome: str) -> set[str]:
    """The outcome word's opposite stems ("won" → {"lost"}, "short" → {"surpass", "exceed"})."""
    return _OPPOSITE_OF.get(outcome, set())
