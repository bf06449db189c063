"""The word lists and stemmers every text helper shares, and a query's content words.

One base list of stop words, `STOPWORDS`: English function words and the words a report uses
to attribute ("said", "told", "according"). Each use that drops more, or fewer, words has
its own set, derived from the base and named for that use:

- `QUERY_STOPWORDS` (the base and `NEWS_WORDS`): what a question about the news asks with
  but is not about ("the latest news this week"). BM25 queries (`query_terms`), stemmed
  content terms (`retrieval/text/terms.py`), answer cues and the digest's story grouping.
- `CLAIM_STOPWORDS` (the base and `CLAIM_WORDS`): what the citation checker ignores when it
  compares a generated sentence with a passage (`retrieval/generate/citations.py`). "New" and
  "year" stay: a claim about "the new law" or "last year" must find them in the passage.
- `FOLLOW_UP_STOPWORDS`: the few words of an earlier question a thread's follow-up does not
  borrow (`bot/discord/conversation.py`); a short list, so "after", "more" or "now" carry over.

Title words live here too: `HONORIFICS` (a person's title before a name, dropped from a
speaker's name and from a full name) and `ABBREVIATIONS` (words whose period does not end a
sentence) share their short forms, `TITLE_ABBREVIATIONS` and `RANK_ABBREVIATIONS`.

Two stemmers, both made by `stemmer`: "snowball", the English Snowball stemmer (content terms,
answers, summaries); "light", a plain suffix stripper the citation checker's overlap test was
tuned with ("cancelled" → "cancell", "troops" → "troop").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

import snowballstemmer

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself
    say said says tell told according also""".split()  # noqa: SIM905 (a word list reads better)
)
# words of questions about the news, not of their subject
NEWS_WORDS = frozenset(["new", "news", "latest", "week", "year"])
QUERY_STOPWORDS = STOPWORDS | NEWS_WORDS
# more attribution, honorifics and filler a supported claim need not share with its passage
CLAIM_WORDS = frozenset(
    ["reported", "reports", "added", "stated", "per", "mr", "mrs", "ms", "dr", "one", "yes"]
)
CLAIM_STOPWORDS = STOPWORDS | CLAIM_WORDS
FOLLOW_UP_STOPWORDS = frozenset(
    """a an the and or but so of to in on at for with about what who whom whose which when where
    why how did does do is are was were be been has have had say said tell told me us it its this
    that these those there their they he she his her him them i you we""".split()  # noqa: SIM905
)

# short forms of a person's title: "Dr. Lee", "Sen. Warren"
TITLE_ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen"])
# short forms of a military or church rank: "Lt. Col. Vindman", "Rev. Warnock"
RANK_ABBREVIATIONS = frozenset(["col", "lt", "sgt", "capt", "maj", "rev"])
# words before a name that belong to the speaker's title, not to the name
HONORIFICS = TITLE_ABBREVIATIONS | frozenset(
    [
        "senator",
        "governor",
        "president",
        "minister",
        "secretary",
        "mayor",
        "chief",
        "general",
        "judge",
        "justice",
        "the",
        "a",
        "an",
        "chairman",
        "chairwoman",
        "ceo",
        "director",
        "spokesperson",
        "spokesman",
    ]
)
# words ending in a period that do not end a sentence
ABBREVIATIONS = (
    TITLE_ABBREVIATIONS
    | RANK_ABBREVIATIONS
    | frozenset(
        """cmdr adm pres st jr sr inc corp co ltd no vs etc jan feb mar apr jun jul aug sep sept oct
        nov dec u.s u.k u.n e.u d.c a.m p.m i.e e.g ft mt hon dept est approx fig""".split()  # noqa: SIM905
    )
)

_QUERY_WORD = re.compile(r"[\w][\w'’-]*")


def query_terms(text: str) -> list[str]:
    """Lower-cased content words of a query, in order, without duplicates."""
    seen: list[str] = []
    for w in _QUERY_WORD.findall(text.lower()):
        w = w.strip("'’-")
        if len(w) < 2 and not w.isdigit():
            continue
        if w in QUERY_STOPWORDS or w in seen:
            continue
        seen.append(w)
    return seen


Stemmer = Callable[[str], str]


def stemmer(kind: Literal["snowball", "light"] = "snowball") -> Stemmer:
    """A stemming function. "snowball": a new English Snowball stemmer (lower-case words in),
    one for each owner, as each answerer and summariser had its own. "light": the citation
    checker's suffix stripper, which also drops a possessive and dots ("U.S." → "us")."""
    if kind == "snowball":
        return snowballstemmer.stemmer("english").stemWord
    return _light_stem


def _light_stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace(".", "").replace("'", "")
    if w.isdigit():
        return w
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix) and not w.endswith("ss"):
            return w[: -len(suffix)]
    return w


# day and month names, in calendar order (index = weekday() and month - 1)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
