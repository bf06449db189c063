"""Questions that ask for the latest on a story: "what's the latest on X?", "any news on X
since Monday?", "what happened next with X?". They are answered from the story's timeline,
newest development first, and the answer's first line gives the date of the newest report it
uses, so "latest" never means "best-matching from last month".

Without a window in the question (or `--since`), the last 30 days are looked at first, then the
last year, then everything. "since Monday" is the last Monday on or before the answer's day
(`--as-of`, else today); "since yesterday", "since last week", "since 7d" and dates are read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from retrieval.answer.search import passage_of
from retrieval.errors import BadInputError
from retrieval.follow.timeline import Entry, Timelines
from retrieval.results import Answer, Passage
from retrieval.text.timewindow import parse_since
from retrieval.text.words import WEEKDAYS

MAX_ENTRIES = 3
EVERYTHING = date(1970, 1, 1)
_TOPIC = r"(?:the\s+)?(?P<topic>.+?)"
_SINCE = r"(?:\s+(?:since|from)\s+(?P<since>.+?))?"
_LATEST = re.compile(
    r"^\s*(?:"
    r"(?:what(?:'s|’s|\s+is|\s+are)\s+)?(?:the\s+)?(?:very\s+)?(?:latest|newest|most\s+recent)"
    r"(?:\s+(?:news|updates?|developments?|reports?))?\s+(?:on|about|with|in|regarding|from)"
    r"|(?:is\s+there\s+|are\s+there\s+)?any\s+(?:new\s+)?(?:news|updates?|developments?)\s+(?:on|about|in|with|regarding)"
    r"|what(?:'s|’s|\s+has)?\s+happened\s+(?:next|since|lately|recently)\s+(?:with|to|in|on)"
    r"|what(?:'s|’s|\s+is)\s+new\s+(?:with|on|about|in)"
    rf")\s+{_TOPIC}{_SINCE}\s*[?.!]*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LatestQuestion:
    topic: str
    since: str | None  # the question's own window, as written ("Monday")


def parse_latest(question: str) -> LatestQuestion | None:
    """The story a "latest" question asks about, and its window; None for any other question."""
    m = _LATEST.match(question)
    if not m:
        return None
    topic = m.group("topic").strip(" ,")
    return LatestQuestion(topic, m.group("since")) if topic else None


def window_start(words: str, today: date) -> date | None:
    """The first day of "since WORDS" (None when it cannot be read)."""
    w = " ".join(words.lower().strip(" ?.!").split()).removeprefix("last ").removeprefix("this ")
    if w in WEEKDAYS:
        return today - timedelta(days=(today.weekday() - WEEKDAYS.index(w)) % 7)
    named = {"today": 0, "yesterday": 1, "week": 7, "month": 30, "year": 365}
    if w in named:
        return today - timedelta(days=named[w])
    try:
        return parse_since(w, today)
    except BadInputError:
        return None


def _passage(timelines: Timelines, namespace: str, entry: Entry) -> Passage | None:
    """The stored chunk that holds the entry's sentence, as a passage the model may write from."""
    c = entry.citation
    start = c.spans[0][0]
    for chunk in timelines.finder.catalog.article_chunks(namespace, c.article_id):
        if chunk.start <= start < chunk.end:
            return passage_of(chunk, c.title, c.url, c.source, c.published)
    return None


def latest_answer(
    timelines: Timelines,
    question: str,
    namespace: str,
    since: date | None = None,
    as_of: date | None = None,
    today: date | None = None,
) -> Answer | None:
    """The newest developments of the story the question asks about, newest first; None when
    the question does not ask for the latest (or, with no window, nothing is about the story)."""
    q = parse_latest(question)
    if q is None or not timelines.finder.words_of(q.topic):
        return None  # not a "latest" question, or one about no words ("what's new with it?")
    ref = as_of or today or date.today()
    asked = window_start(q.since, ref) if q.since else None
    start = max(d for d in (since, asked) if d) if since or asked else None
    windows = [start] if start else [ref - timedelta(days=30), ref - timedelta(days=365), EVERYTHING]
    for window in windows:
        timeline = timelines.build(q.topic, namespace, since=window, as_of=as_of)
        if not timeline.empty:
            break
    if timeline.empty:
        if start is None:
            return None
        return Answer(f"No reports about {q.topic} since {start.isoformat()}.", [], [], mode="none")
    newest = list(reversed(timeline.entries))[:MAX_ENTRIES]
    citations = [replace(e.citation, n=i) for i, e in enumerate(newest, 1)]
    head = newest[0]
    first = f"Newest report: {head.day.isoformat()} ({head.citation.source or 'unknown source'})."
    lines = [first] + [
        f"{e.day.isoformat()}: {e.sentence} [{c.n}]" for e, c in zip(newest, citations, strict=True)
    ]
    passages = [p for e in newest if (p := _passage(timelines, namespace, e)) is not None]
    note = f"Newest first: the newest report used is from {head.day.isoformat()}."
    return Answer("\n".join(lines), citations, passages, notes=[note])
