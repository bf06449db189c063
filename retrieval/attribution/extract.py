"""Attributions in one article: rules over sentences, quotations and reporting verbs.

Four shapes cover most of news writing:

- source first: "Valk said (on Thursday) (that) the drills would go ahead." — the source is the
  noun phrase before the cue, the content runs from after the cue (its adjuncts, the person
  told, "that") to the sentence's end;
- content first: "“We will go ahead,” Valk said." / "…, said Valk." — the content runs from the
  sentence's start to the comma or quotation mark before the source (or before the cue, with
  the source after it); a quotation resumed after the cue ("“A,” he said, “B.”") is a second
  part of the same content;
- "according to X, …" and "…, according to X.";
- "…, adding that …": an "-ing" cue with no source of its own continues the previous source.

A sentence continuing a quotation with no cue of its own ("“…,” he said. “And B.”") is part of
the previous attribution when it follows it directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.attribution.lexicon import (
    ADJUNCT_WORDS,
    ALL_CUES,
    CLAUSE_CUES,
    CONTINUING,
    CUES,
    NP_STOP,
    OBJECT_CUES,
    OBJECT_WORDS,
)
from retrieval.attribution.phrases import Word, np_after, np_before, skip_between, words_of
from retrieval.attribution.pruned import PRUNED_CUES
from retrieval.attribution.quotes import Span, Unit, inside, quote_at, units
from retrieval.attribution.shapes import (
    appositive_name,
    bare_start,
    clause_after,
    coordinated_source,
    named_before,
    source_after,
    verb_after_quote,
)

PRUNED = PRUNED_CUES  # cue words mostly wrong on PolNeAR train (benchmarks/attribution_pruning.py)
_DETERMINERS = frozenset(
    [
        *("the", "a", "an", "his", "her", "their", "its", "our", "my", "your", "this", "these"),
        *("those", "any", "such", "no", "some", "many", "more", "of", "member", "united", "to"),
    ]
)
_ENDS_CLAUSE = re.compile(r"(?:[,?!—–]|\s-)[\"”’']*$|[\"”]$")
_MIN_CONTENT_WORDS = 2
_MAX_LEAD = 8  # words between a cue and "that" / a quotation / a colon


@dataclass(frozen=True)
class Found:
    """An attribution before its speaker is resolved."""

    source: Span | None
    cue: Span
    content: tuple[Span, ...]
    direct: bool
    unit: int


def find(text: str) -> list[Found]:
    """Every attribution of `text`, in text order."""
    us, quotes = units(text)
    out: list[Found] = []
    for n, u in enumerate(us):
        found = _in_unit(text, u, n, quotes, out) or _labelled(text, u, n, quotes)
        if not found:
            _continue_quote(text, us, n, quotes, out)
        out.extend(found)
    return out


def _in_unit(text: str, u: Unit, n: int, quotes: list[Span], before: list[Found]) -> list[Found]:
    words = words_of(text, u.start, u.end)
    out: list[Found] = []
    for i, w in enumerate(words):
        if quote_at(w.start, quotes):
            continue
        if w.low == "according" and i + 1 < len(words) and words[i + 1].low == "to":
            found = _according(text, u, n, words, i, quotes)
        elif is_cue(words, i) or verb_after_quote(text, words, i, quotes):
            found = _at_cue(text, u, n, words, i, quotes)
            if found and found.source is None:
                joined_on = i > 0 and words[i - 1].low in ("and", "but")
                found = _continuing(found, w, out or before[-1:], n, joined_on) or _coordinated(
                    text, words, i, found
                )
        else:
            continue
        if found:
            out.append(found)
    return out


def is_cue(words: list[Word], i: int) -> bool:
    """A lower-case reporting verb, not a noun ("his remarks", "the United States"); or a verb of
    belief or intention before its clause or infinitive ("I think they …", "wants to …")."""
    w = words[i]
    if (w.low not in ALL_CUES and bare_start(words, i) is None) or not w.text[0].islower() or w.low in PRUNED:
        return False
    close = i and w.start - words[i - 1].end <= 1  # "his remarks", not "as such,” said"
    if close and (words[i - 1].low in _DETERMINERS or words[i - 1].low.endswith(("’s", "'s"))):
        return False
    return not (i + 1 < len(words) and words[i + 1].low == "by")  # "Writing by", "reported by"


def _continuing(
    found: Found, cue: Word, earlier: list[Found], n: int, joined_on: bool = False
) -> Found | None:
    """ "…, adding that …", "Carson admitted …, but said …": the source of the sentence's previous
    attribution."""
    if not earlier or not (cue.low.endswith("ing") or joined_on) or earlier[-1].unit != n:
        return None
    return Found(earlier[-1].source, found.cue, found.content, found.direct, n)


def _coordinated(text: str, words: list[Word], i: int, found: Found) -> Found | None:
    source = coordinated_source(text, words, i)
    return Found(source, found.cue, found.content, found.direct, found.unit) if source else None


def _make(source: Span | None, cue: Word, parts: list[Span], quotes: list[Span], n: int) -> Found:
    direct = all(inside(p, quotes) for p in parts)
    return Found(source, (cue.start, cue.end), tuple(parts), direct, n)


def _at_cue(text: str, u: Unit, n: int, words: list[Word], i: int, quotes: list[Span]) -> Found | None:
    cue = words[i]
    inverted = _content_before(text, u.start, cue.start)
    if inverted is not None and named_before(text, words, i, inverted, quotes):
        inverted = None  # "Nicole Hargrove, a 14-year Carrier worker, said …": a source, not content
    named = appositive_name(text, words, i, inverted) if inverted and not inside(inverted, quotes) else None
    if named is not None:
        after = _content_after(text, u, words, i, quotes)
        if after is not None:
            return _make(named, cue, [after], quotes, n)
    after_cue = np_after(text, words, i + 1, quotes)
    if inverted is not None and (after_cue is None or source_after(text, after_cue)):  # "“…,” said Valk."
        source = after_cue
        tail_from = source[1] if source else cue.end
        ok, more = _tail(text, u, tail_from, quotes, inverted)
        if ok:
            return _make(source, cue, [inverted, *more], quotes, n)
    j = skip_between(words, i)
    # a participle's source is the clause's subject, not the noun before it ("called for X, saying")
    source = None if cue.low.endswith("ing") else np_before(text, words, j, quotes)
    if source is not None and text[source[0] : source[1]].lower() in ("who", "which") and cue.low == "asked":
        return None  # "A board official, who asked not to be named, said …"
    if source is not None:
        first = _content_before(text, u.start, source[0]) or _leading_quote(text, u, source, quotes)
        if first is not None and not clause_after(text, words, i, first, quotes):
            ok, more = _tail(text, u, cue.end, quotes, first)
            if ok:
                return _make(source, cue, [first, *more], quotes, n)
    after = _content_after(text, u, words, i, quotes)
    if after is None:
        return None
    return _make(source, cue, [after], quotes, n)


def _leading_quote(text: str, u: Unit, source: Span, quotes: list[Span]) -> Span | None:
    """ "“A,” John Podesta, a chief of staff to …, said.": the quotation opening the unit."""
    q = quote_at(u.start, quotes)
    if q is None or q[1] > source[0] or not _ENDS_CLAUSE.search(text[q[0] : q[1]]):
        return None
    return trim(text, q[0], q[1])


def _content_before(text: str, start: int, end: int) -> Span | None:
    """text[start:end] as content when it ends a clause (comma, quotation mark, dash)."""
    prefix = text[start:end].rstrip()
    if not _ENDS_CLAUSE.search(prefix):
        return None
    span = trim(text, start, start + len(prefix))
    if span is None or len(words_of(text, *span)) < _MIN_CONTENT_WORDS:
        return None
    if not any(c.islower() for c in text[span[0] : span[1]]):
        return None  # a dateline ("PORT ALDERY –"), not something said
    return span


def _tail(text: str, u: Unit, pos: int, quotes: list[Span], first: Span) -> tuple[bool, list[Span]]:
    """Is the rest of the unit after the cue (and source) no content of its own? Returns that,
    and the content resumed after it: a quotation ("“A,” he said, “B.”") or, after a comma, the
    rest of a sentence the cue interrupts ("The plan, he said, is sound.")."""
    rest = text[pos : u.end]
    q = next((q for q in quotes if pos <= q[0] < u.end), None)
    lead = text[pos : q[0]] if q else rest
    lead_end = q[0] if q else u.end
    # "…, a Chinese official said, adding that …": what the "-ing" cue says is its own attribution
    going_on = CONTINUING.search(text, pos, lead_end)
    if going_on and not q:
        lead_end = going_on.start()
    lead_words = words_of(text, pos, lead_end)
    quoted = inside(first, quotes)
    # after a quotation only "said that …" opens content: "“…,” he said that night", "…, noting
    # that …" are the speaker's
    that = lead_words[:1] if quoted else lead_words
    if any(w.low == "that" for w in that):
        return False, []
    if q is not None:
        if "," in lead or ":" in lead:
            return True, [s for s in [trim(text, q[0], u.end)] if s]
        # '“…,” Trump told NBC’s “Today” on Monday': a quoted title after the person told
        return quoted and bool(lead_words), []
    if len(lead_words) > 15 and not quoted:
        return False, []  # a quotation before the cue: whatever follows is about its speaker
    if _resumes(rest, first, lead_words, quotes):
        resumed = trim(text, lead_words[0].start, u.end)
        return True, [resumed] if resumed else []
    return True, []


def _resumes(rest: str, first: Span, lead: list[Word], quotes: list[Span]) -> bool:
    """ "The plan, he said, is sound.": a comma after the cue, then the sentence goes on."""
    return (
        rest.lstrip().startswith(",")
        and not inside(first, quotes)
        and bool(lead)
        and lead[0].low not in CUES
        and lead[0].low not in NP_STOP
        and not lead[0].low.endswith("ing")
    )


def _content_after(text: str, u: Unit, words: list[Word], i: int, quotes: list[Span]) -> Span | None:
    cue = words[i]
    start = _marked_start(text, u, words, i, quotes)
    if start is None:
        start = bare_start(words, i)
    if start is None:
        if cue.low in CLAUSE_CUES:
            return None
        k = i + 1
        while k < len(words) and (
            (words[k].low in ADJUNCT_WORDS and words[k].text[0].isupper())
            or (cue.low in OBJECT_CUES and _object_word(words[k]))
        ):
            k += 1
        if k >= len(words):
            return None
        start = words[k].start
    if start >= u.end:
        return None
    end = u.end
    cont = CONTINUING.search(text, start, end)
    if cont:
        end = cont.start()
    span = trim(text, start, end)
    if span is None or len(words_of(text, *span)) < _MIN_CONTENT_WORDS:
        return None
    return span


def _object_word(w: Word) -> bool:
    return w.low in OBJECT_WORDS or w.text[0].isupper()


def _marked_start(text: str, u: Unit, words: list[Word], i: int, quotes: list[Span]) -> int | None:
    """Where content starts when a "that", a quotation or a colon follows the cue closely,
    with only adjuncts, the person told or a source name before it."""
    for m in range(i + 1, min(len(words), i + 1 + _MAX_LEAD)):
        w = words[m]
        gap = text[words[m - 1].end : w.start]
        q = quote_at(w.start, quotes)
        if q is not None and q[0] >= words[i].end:
            return q[0]
        if ":" in gap:
            return w.start
        if w.low == "that":
            return words[m + 1].start if m + 1 < len(words) else None
        if not (w.low in ADJUNCT_WORDS or _object_word(w) or w.text[0].isdigit()):
            return None
    return None


def _according(text: str, u: Unit, n: int, words: list[Word], i: int, quotes: list[Span]) -> Found | None:
    """ "According to X, …" and "…, according to X."."""
    source = np_after(text, words, i + 2, quotes)
    if source is None:
        return None
    before = _content_before(text, u.start, words[i].start)
    rest = text.find(",", source[1], u.end)
    after = trim(text, rest + 1, u.end) if rest >= 0 else None
    if before is not None and (after is None or text[source[1] : rest].strip()):
        after = None  # "…, according to X." (a comma right after X: "X, according to Y, goes on …")
    parts = [p for p in (before, after) if p is not None]
    if not parts or sum(len(words_of(text, *p)) for p in parts) < _MIN_CONTENT_WORDS:
        return None
    cue = Word(words[i].start, words[i + 1].end, "according to")
    return _make(source, cue, parts, quotes, n)


_SPEAKER_LABEL = re.compile(r"([A-Z][A-Z.'’ -]{1,40}[A-Z.]):\s")
# "Donald Trump: “Appreciate the congrats …”": a name, a colon, a quotation
_NAME_LABEL = re.compile(r"((?:[A-Z][\w.’'-]*\s){0,3}[A-Z][\w.’'-]*):\s*(?=[“\"])")
_DASH_CREDIT = re.compile(r"\s*[―—–-]{1,2}\s*([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,3})")


def _labelled(text: str, u: Unit, n: int, quotes: list[Span]) -> list[Found]:
    """A transcript line ("PENCE: Well, …", "Donald Trump: “…”") or a quotation credited after
    a dash ("“…” ― Carla Sanchez")."""
    label = _SPEAKER_LABEL.match(text, u.start, u.end) or _NAME_LABEL.match(text, u.start, u.end)
    if label and (label.re is _SPEAKER_LABEL or quote_at(label.end(), quotes)):
        content = trim(text, label.end(), u.end)
        if content is None:
            return []
        colon = label.end(1)
        found = Found(label.span(1), (colon, colon + 1), (content,), inside(content, quotes), n)
        return [found]
    q = quote_at(u.start, quotes)
    credit = _DASH_CREDIT.match(text, q[1], u.end) if q else None
    if q is None or credit is None:
        return []
    return [Found(credit.span(1), (q[1], credit.start(1)), (q,), True, n)]


def _continue_quote(text: str, us: list[Unit], n: int, quotes: list[Span], out: list[Found]) -> None:
    """A unit that is a quotation with no cue, right after a direct attribution, extends it:
    in the same paragraph, or in the next one when the quotation was left open at the end of
    the paragraph before (a quote running over several paragraphs)."""
    if not out or out[-1].unit != n - 1:
        return
    u, prev = us[n], us[n - 1]
    if u.paragraph != prev.paragraph and text[prev.end - 1] in "”\"'":
        return
    span = trim(text, u.start, u.end)
    q = quote_at(u.start, quotes)
    if span is None or q is None or not inside(span, quotes):
        return
    last = out[-1]
    if last.direct:
        out[-1] = Found(last.source, last.cue, (*last.content, span), True, n)
    else:  # "Dace said the channel was vital. “Without it, …”": her words, quoted
        out.append(Found(last.source, last.cue, (span,), True, n))


_TRIM_END = ".,;:—– \n\t"


def trim(text: str, start: int, end: int) -> Span | None:
    """The span without surrounding spaces, leading commas and trailing sentence punctuation
    (a closing quotation mark stays)."""
    while start < end and (text[start].isspace() or text[start] in ",:;—–"):
        start += 1
    while end > start and text[end - 1] in _TRIM_END:
        end -= 1
    return (start, end) if end > start else None
