"""Shapes of attribution that the basic readings in extract.py get wrong, each decided on the
PolNeAR training split: a quotation followed by a short source and a verb no list holds, a
source with a long appositive before the cue, an unquoted lead-in before the source, and a
reporting verb coordinated with another verb of the sentence's subject."""

from __future__ import annotations

import re

from retrieval.attribution.lexicon import ADJUNCT_WORDS, BETWEEN, CUES, NP_STOP, PRONOUNS, forms
from retrieval.attribution.phrases import Word, joined, np_before, skip_between
from retrieval.attribution.quotes import Span, inside, quote_at

_CLOSED = re.compile(r"[,?!][\"”']+$|[,?!]''$")
_SHORT_SOURCE = 4


def verb_after_quote(text: str, words: list[Word], i: int, quotes: list[Span]) -> bool:
    """ "“Go back,” Trump barked." / "“…!” one person tweeted.": any past or present-tense verb
    right after a quotation closed by a comma, "?" or "!" and a short source (a name, a pronoun,
    "one person"), ending the sentence or followed by a comma; or right after the quotation and
    before a name ("“…!” beamed Donald Hartley")."""
    w = words[i]
    if not (w.text.isalpha() and w.text.islower() and w.low.endswith(("ed", "s")) and len(w.low) > 3):
        return False
    if w.low in NP_STOP or w.low in BETWEEN:
        return False
    k = i - 1
    while k >= 0 and i - k <= _SHORT_SOURCE and not quote_at(words[k].start, quotes):
        k -= 1
    if k == i - 1 and k >= 0:  # "“This is fantastic!” beamed Donald Hartley"
        q = quote_at(words[k].start, quotes)
        named = i + 1 < len(words) and words[i + 1].text[0].isupper()
        return q is not None and bool(_CLOSED.search(text[q[0] : q[1]])) and named and w.start >= q[1]
    if k < 0 or i - k > _SHORT_SOURCE:
        return False
    q = quote_at(words[k].start, quotes)
    if q is None or not _CLOSED.search(text[q[0] : q[1]]) or words[k + 1].start < q[1]:
        return False
    rest = text[w.end : w.end + 2]
    return rest[:1] in (".", ",", "") or i + 1 == len(words)


_TAIL_ADJUNCTS = ADJUNCT_WORDS - forms("a an the")


def clause_after(text: str, words: list[Word], i: int, before: Span, quotes: list[Span]) -> bool:
    """ "For his part, he said he would serve": an unquoted lead-in before the source, and a clause
    right after the cue (no comma, not an adjunct such as "on Monday"): the content is that clause."""
    if inside(before, quotes) or i + 3 >= len(words) or text[words[i].end : words[i + 1].start].strip():
        return False
    nxt = words[i + 1]
    return nxt.low not in _TAIL_ADJUNCTS and not quote_at(nxt.start, quotes)


def named_before(text: str, words: list[Word], i: int, before: Span, quotes: list[Span]) -> bool:
    """Is the text before the cue a source and its appositive ("Valk, chairman of …, said")
    rather than content? It is when it is not quoted and the source noun phrase before the cue
    opens it."""
    if inside(before, quotes):
        return False
    source = np_before(text, words, skip_between(words, i), quotes)
    return source is not None and source[0] == before[0] and source[1] < before[1]


def coordinated_source(text: str, words: list[Word], i: int) -> Span | None:
    """ "Wilson praised Rubio and said …", "Christie bristled at it, saying …": a cue after
    "and"/"but", or an "-ing" cue (a participle), with no source of its own has the sentence's
    subject, a name (or a pronoun) opening it."""
    if i < 2 or words[i].low not in CUES:
        return None
    if not (words[i - 1].low in ("and", "but") or words[i].low.endswith("ing")):
        return None
    k = 0
    if words[0].low in PRONOUNS:
        k = 1
    elif words[0].low in _APPOSITIVE_OPENERS or words[0].low in _NOT_NAMES:
        return None  # "His chief aide …": no name to take
    else:
        while k < i - 1 and words[k].text[0].isupper() and (k == 0 or joined(text, words[k - 1], words[k])):
            k += 1
    if k == 0 or k >= i - 1 or words[k].low in NP_STOP or not words[k].text[0].islower():
        return None
    return (words[0].start, words[k - 1].end)


_APPOSITIVE_OPENERS = forms("a an the one who whose another his her their its")
_NOT_NAMES = forms("yet but and so still also however meanwhile then now in on at for after before")
_MAX_NAME_WORDS = 5


def appositive_name(text: str, words: list[Word], i: int, before: Span) -> Span | None:
    """ "Rich Heffley, a top GOP operative who … and is now running …, said …": a name opening the
    sentence, then an appositive of any length up to the cue. The name is the source; what
    follows the cue is the content."""
    k = 0
    while k < i and words[k].start < before[1] and words[k].text[0].isupper():
        if k and not joined(text, words[k - 1], words[k]):
            break
        k += 1
    if not 1 <= k <= _MAX_NAME_WORDS or k >= i or words[0].low in _NOT_NAMES:
        return None
    if any(w.text.isupper() and len(w.text) > 2 for w in words[:k]):
        return None  # a dateline ("WASHINGTON"), not a name
    gap = text[words[k - 1].end : words[k].start]
    opener = words[k]
    if gap.strip() != "," or not (
        opener.low in _APPOSITIVE_OPENERS or opener.text[0].islower() or opener.text[0].isdigit()
    ):
        return None
    return (words[0].start, words[k - 1].end)


# cues of belief and knowledge that take a clause without "that": "I think they needed help"
BELIEF_CUES = forms(
    "think thinks thought believe believes believed know knows knew hope hopes hoped doubt doubts"
)
# cues of intention that take an infinitive: "Clinton wants to bring back the 1990s"
INTENT_CUES = forms(
    """want wants wanted plan plans planned hope hopes hoped intend intends intended vowed vows
    promised promises pledged pledges threatened threatens refused refuses declined declines
    decided decides agreed agrees"""
)
_SUBJECTS = forms("he she they it we i you there this")


def bare_start(words: list[Word], i: int) -> int | None:
    """Where the content starts after a belief cue with no "that" (a pronoun opening a clause) or
    an intention cue (its infinitive, "to …"); None when neither follows."""
    if i + 2 >= len(words):
        return None
    cue, nxt = words[i].low, words[i + 1]
    if cue in BELIEF_CUES and nxt.low in _SUBJECTS and words[i + 2].text[0].islower():
        return nxt.start
    if cue in INTENT_CUES and nxt.low == "to" and words[i + 2].text[0].islower():
        return nxt.start
    return None


# words a source after its cue never opens with ("said in an interview", "said Tuesday", "told
# reporters"): then the source is before the cue ("“…,” Smith said in an interview")
NOT_SOURCE_OPENERS = forms(
    """in on at of about during after before since from with to for by as than last this next
    earlier later late early today yesterday tonight recently also again now then first however
    still once reporters journalists monday tuesday wednesday thursday friday saturday sunday"""
)


def source_after(text: str, span: Span | None) -> Span | None:
    """`span` (a source found after its cue) unless it opens with one of NOT_SOURCE_OPENERS."""
    if span is None:
        return None
    first = text[span[0] : span[1]].split()[0]
    return None if first.lower() in NOT_SOURCE_OPENERS else span
