"""A story's timeline: its developments, oldest first, each a verbatim sentence quoted from the
best report of that development and cited [n] with outlet and date.

The reports are those above the relevance floor (`reports.py`); a syndicated story is stored
once and counts every outlet it was seen at (dedup.StoryIndex), as the digest counts it. A day's
reports are one development unless they tell different things: two reports are the same
development when the TF-IDF cosine of their headlines and leads, without the topic's own words
(which every report of the story shares), reaches `SAME_DEVELOPMENT`. Each development's best
report has the most outlets, then the most reports, then covers the topic best; its quoted
sentence, from the report's lead or from the passage that matched the topic best, is the one
that names the topic best, the lead first (`LEAD_WEIGHT`), and does not repeat an earlier entry.

`build_timeline` is pure (reports in, timeline out); `Timelines` finds the reports and builds it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from typing import TYPE_CHECKING, Any

from retrieval.answer.digest import LEAD_CHARS, DigestArticle
from retrieval.errors import BadInputError
from retrieval.follow.reports import Report, ReportFinder, TopicWords
from retrieval.results import Citation
from retrieval.text.fragments import url_at_quote
from retrieval.text.safety import looks_like_instruction
from retrieval.text.sentences import split_sentences
from retrieval.text.terms import Terms, sparse_cosine, tfidf_vectors

if TYPE_CHECKING:
    from retrieval.engine import Engine

SAME_DEVELOPMENT = 0.2  # cosine (topic words left out) at or above which two same-day reports are one
LEAD_WEIGHT = 0.6  # a sentence's score: its topic coverage + LEAD_WEIGHT / (1 + its place)
REPEATS = 0.6  # a sentence sharing this share of its words with an earlier entry's repeats it
LEAD_SCAN = 1500  # characters of an article's start whose sentences may be quoted (and the best passage's)
DEFAULT_DAYS = 30
MAX_TOPIC_CHARS = 300
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")


@dataclass
class Entry:
    """One development: its day, the quoted sentence and its citation, the coverage it had; with
    a model, maybe a one-line summary of the day's reports and the citations it was checked by."""

    day: date
    sentence: str
    citation: Citation
    articles: list[DigestArticle]
    summary: str | None = None  # the model's line, its [n] markers those of `summary_citations`
    summary_citations: list[Citation] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.summary if self.summary else f"{self.sentence} [{self.citation.n}]"

    @property
    def citations(self) -> list[Citation]:
        return self.summary_citations if self.summary else [self.citation]

    def link(self, c: Citation) -> str:
        """The link at the citation's quote; the plain URL when the fragment would find the
        words earlier in the article (or is ambiguous or too long)."""
        page = next((a.text for a in self.articles if a.id == c.article_id), "")
        return url_at_quote(c.url, c.quote, page=(page, c.spans[0][0]) if page and c.spans else None)

    @property
    def outlets(self) -> list[str]:
        return sorted(set().union(*(a.outlets for a in self.articles)))

    @property
    def reports(self) -> int:
        return sum(a.reports for a in self.articles)

    @property
    def url_at_quote(self) -> str:
        """The quoted report's link at the quote (see `link`)."""
        return self.link(self.citation)

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "text": self.text,
            "outlets": self.outlets,
            "citations": [
                {
                    "n": c.n,
                    "title": c.title,
                    "source": c.source,
                    "published": c.published.isoformat() if c.published else None,
                    "url": c.url,
                    "url_at_quote": self.link(c),
                    "quote": c.quote,
                }
                for c in self.citations
            ],
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class Timeline:
    topic: str
    since: date | None
    until: date | None
    entries: list[Entry]  # oldest first
    reports: list[Report]  # every report about the topic in the window, oldest first

    @property
    def empty(self) -> bool:
        return not self.entries

    @property
    def citations(self) -> list[Citation]:
        return [c for e in self.entries for c in e.citations]

    def heading(self) -> str:
        if self.empty:
            window = f" since {self.since.isoformat()}" if self.since else ""
            return f"No reports about “{self.topic}”{window}."
        first, last = self.entries[0].day, self.entries[-1].day
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        return (
            f"Timeline: {self.topic} — {_plural(len(self.entries), 'development')} "
            f"from {_plural(len(self.reports), 'report')}, {span}"
        )

    def to_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "entries": [e.to_json() for e in self.entries]}

    def to_text(self) -> str:
        lines = [self.heading()]
        if self.empty:
            return lines[0]
        lines.append("")
        for e in self.entries:
            coverage = f"{_plural(len(e.outlets), 'outlet')}, {_plural(e.reports, 'report')}"
            lines.append(f"{e.day.isoformat()}  {e.text} ({coverage})")
        lines += ["", "Sources"]
        for e in self.entries:
            for c in e.citations:
                when = c.published.isoformat() if c.published else "undated"
                lines.append(f"[{c.n}] {c.title} — {c.source or 'unknown source'}, {when}")
                if c.url:
                    lines.append(f"    {e.link(c)}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- developments


def _vectors(articles: Sequence[DigestArticle], left_out: set[str], terms: Terms) -> list[dict[str, float]]:
    """TF-IDF vectors of headline and lead, IDF over the whole story, the topic's words left out."""
    return tfidf_vectors(
        [
            Counter(t for t in terms.of(f"{a.title} {a.title} {a.text[:LEAD_CHARS]}") if t not in left_out)
            for a in articles
        ]
    )


def _best_first(r: Report) -> tuple[int, int, float, str]:
    return (-len(r.article.outlets), -r.article.reports, -r.coverage, r.article.id)


def developments(reports: Sequence[Report], words: TopicWords) -> list[list[Report]]:
    """The reports grouped by day and, within a day, by development (single link); oldest day
    first, within a day the best-covered development first, each group best report first."""
    ordered = sorted(reports, key=lambda r: (r.article.published or date.min, _best_first(r)))
    vectors = dict(
        zip(
            (r.article.id for r in ordered),
            _vectors([r.article for r in ordered], set(words.weights), words.terms),
            strict=True,
        )
    )
    out: list[list[Report]] = []
    for _day, same_day in groupby(ordered, key=lambda r: r.article.published):
        groups: list[list[Report]] = []
        for r in same_day:
            v = vectors[r.article.id]
            home = next(
                (
                    g
                    for g in groups
                    if any(sparse_cosine(v, vectors[o.article.id]) >= SAME_DEVELOPMENT for o in g)
                ),
                None,
            )
            if home is None:
                groups.append([r])
            else:
                home.append(r)
        groups.sort(key=lambda g: (-len(set().union(*(r.article.outlets for r in g))), _best_first(g[0])))
        out.extend(groups)
    return out


# ----------------------------------------------------------------------------- sentences


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def _candidates(report: Report) -> list[tuple[int, int, str]]:
    """(start, end, text) of the sentences a quote may be: the lead's and the best chunk's."""
    text = report.article.text
    seen: set[int] = set()
    out = []
    for a, b in ((0, min(len(text), LEAD_SCAN)), report.span):
        for s in split_sentences(text, a, b):
            if s.start not in seen:
                seen.add(s.start)
                out.append((s.start, s.end, s.text.strip()))
    return sorted(out)


def quoted_sentence(
    report: Report, words: TopicWords, earlier: Sequence[set[str]] = ()
) -> tuple[str, int, int] | None:
    """(sentence, start, end): the sentence of the report's lead or best-matching passage that
    names the topic best, the lead first; a whole sentence that names at least one of the
    topic's words, not a headline, byline or text addressed to a model, and not repeating an
    earlier entry. None when the report has no such sentence."""
    title = " ".join(report.article.title.lower().split())
    scored: list[tuple[float, int, set[str], tuple[str, int, int]]] = []
    for start, end, text in _candidates(report):
        flat = " ".join(text.lower().split())
        if flat == title or len(text.split()) < 6 or flat.startswith("by ") or looks_like_instruction(text):
            continue
        if not _SENTENCE_END.search(text):
            continue  # a caption, a link line ("More: …"), a headline: no sentence
        stems = set(words.terms.of(text))
        covered = words.covered(stems)
        place = len(scored)
        if covered > 0:  # a sentence that names none of the topic's words says nothing about it
            scored.append((covered + LEAD_WEIGHT / (1 + place), -place, stems, (text, start, end)))
        else:
            scored.append((-1.0, -place, stems, (text, start, end)))
    for score, _place, stems, found in sorted(scored, key=lambda x: (-x[0], -x[1])):
        if score > 0 and not any(_overlap(stems, e) >= REPEATS for e in earlier):
            return found
    return None


def build_timeline(
    topic: str, reports: Sequence[Report], words: TopicWords, since: date | None, until: date | None
) -> Timeline:
    entries: list[Entry] = []
    said: list[set[str]] = []
    for group in developments(reports, words):
        picked = None
        for r in group:  # the best report with a sentence that says something new
            found = quoted_sentence(r, words, said)
            if found is not None:
                picked = (r.article, found)
                break
        if picked is None:
            continue  # the development repeats an earlier entry: its reports still count per day
        article, (text, start, end) = picked
        citation = article.cite(len(entries) + 1, text, start, end)
        day = article.published or date.min
        entries.append(Entry(day, text, citation, [r.article for r in group]))
        said.append(set(words.terms.of(text)))
    return Timeline(topic, since, until, entries, list(reports))


class Timelines:
    """What `newsdesk timeline` and `/timeline` call: the reports about a topic, as a timeline."""

    def __init__(self, finder: ReportFinder, default_days: int = DEFAULT_DAYS) -> None:
        self.finder = finder
        self.default_days = default_days

    @classmethod
    def for_engine(cls, engine: Engine) -> Timelines:
        """Over the engine's own catalog, vectors, embedder and syndicated-copy index."""
        return cls(ReportFinder(engine.catalog, engine.store.vectors, engine.embedder, engine.stories))

    def build(
        self,
        topic: str,
        namespace: str,
        since: date | None = None,
        as_of: date | None = None,
        today: date | None = None,
    ) -> Timeline:
        """The timeline of `topic` from `since` (default: `default_days` before `as_of` or
        today) to `as_of` (default: no end)."""
        topic = " ".join((topic or "").split())
        if not topic:
            raise BadInputError("timeline: name the story, e.g. 'Kestria ferry strike'")
        if len(topic) > MAX_TOPIC_CHARS:
            raise BadInputError(
                f"the topic is too long ({len(topic)} characters; the limit is {MAX_TOPIC_CHARS})"
            )
        if since is None:
            since = (as_of or today or date.today()) - timedelta(days=self.default_days)
        words = self.finder.words(topic)
        reports = self.finder.find(namespace, topic, since, as_of)
        return build_timeline(topic, reports, words, since, as_of)
