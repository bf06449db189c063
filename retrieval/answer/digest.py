"""The digest: the most covered stories of a time window, grouped by story, each cited.

Coverage counts outlets and reports: a syndicated story stored once still counts every URL it
was seen at (dedup.StoryIndex), and different write-ups of the same event are grouped by the
similarity of their headline and lead (TF-IDF cosine). Each story gets up to `lead_sentences`
(2) lead sentences from the best-covered report and, when another report of the story adds
something new, one sentence from it; every sentence is quoted verbatim and cited [n].

`build_digest` is pure (articles in, digest out); `collect_articles` reads them from the engine.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from retrieval.ingest.articles import parse_date
from retrieval.results import Citation
from retrieval.store.catalog import day_number
from retrieval.text.safety import looks_like_instruction
from retrieval.text.sentences import split_sentences
from retrieval.text.terms import sparse_cosine, tfidf_vectors
from retrieval.text.words import QUERY_STOPWORDS

SAME_STORY = 0.2  # cosine of headline+lead vectors above which two reports are one story
LEAD_CHARS = 800
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]+")


@dataclass
class DigestArticle:
    id: str
    title: str
    url: str
    source: str
    published: date | None
    text: str
    urls: list[tuple[str, str]] = field(default_factory=list)  # (url, source), syndicated copies

    @property
    def outlets(self) -> set[str]:
        return {s for _, s in self.urls if s} | ({self.source} if self.source else set())

    @property
    def reports(self) -> int:
        urls = {u for u, _ in self.urls}
        return max(len(urls), 1)

    def cite(self, n: int, quote: str, start: int, end: int) -> Citation:
        """`[n]`: the sentence quoted from this article, at its offsets."""
        return Citation(
            n=n,
            title=self.title,
            source=self.source,
            published=self.published,
            url=self.url,
            quote=quote,
            article_id=self.id,
            chunk_id="",
            spans=[(start, end)],
        )


@dataclass
class Story:
    headline: str
    sentences: list[tuple[str, int]]  # (quoted sentence, citation number)
    articles: list[DigestArticle]
    outlets: list[str]
    reports: int

    @property
    def summary(self) -> str:
        return " ".join(f"{s} [{n}]" for s, n in self.sentences)


@dataclass
class Digest:
    since: date
    until: date | None
    stories: list[Story]
    citations: list[Citation]
    articles_considered: int

    @property
    def empty(self) -> bool:
        return not self.stories

    def heading(self) -> str:
        window = f"since {self.since.isoformat()}"
        if self.until:
            window += f" until {self.until.isoformat()}"
        n = len(self.stories)
        return (
            f"News digest {window}: {n} top stor{'y' if n == 1 else 'ies'} "
            f"from {self.articles_considered} article{'' if self.articles_considered == 1 else 's'}"
        )

    def to_text(self) -> str:
        if self.empty:
            return f"No news {('since ' + self.since.isoformat())} to digest."
        lines = [self.heading(), ""]
        for i, story in enumerate(self.stories, 1):
            lines.append(f"{i}. {story.headline} ({coverage(story)})")
            lines.append(f"   {story.summary}")
        lines += ["", "Sources"]
        for c in self.citations:
            when = c.published.isoformat() if c.published else "undated"
            lines.append(f"[{c.n}] {c.title} — {c.source or 'unknown source'}, {when}")
            if c.url:
                lines.append(f"    {c.url}")
        return "\n".join(lines)


def coverage(story: Story) -> str:
    outlets = len(story.outlets)
    return (
        f"{outlets} outlet{'' if outlets == 1 else 's'}, "
        f"{story.reports} report{'' if story.reports == 1 else 's'}"
    )


# ----------------------------------------------------------------------------- grouping


def _terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in QUERY_STOPWORDS and len(w) > 2]


def _vectors(articles: Sequence[DigestArticle]) -> list[dict[str, float]]:
    """TF-IDF vectors of headline (twice) and lead, IDF over these articles."""
    return tfidf_vectors([Counter(_terms(f"{a.title} {a.title} {a.text[:LEAD_CHARS]}")) for a in articles])


def _rank_key(a: DigestArticle) -> tuple[int, int, int, str]:
    return (-len(a.outlets), -a.reports, -(a.published.toordinal() if a.published else 0), a.id)


def group_stories(articles: Sequence[DigestArticle]) -> list[list[DigestArticle]]:
    """Reports of the same story together (single link, cosine ≥ SAME_STORY), best covered first."""
    ordered = sorted(articles, key=_rank_key)
    vectors = _vectors(ordered)
    groups: list[list[int]] = []
    for i in range(len(ordered)):
        home = next(
            (g for g in groups if any(sparse_cosine(vectors[i], vectors[j]) >= SAME_STORY for j in g)),
            None,
        )
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    return [[ordered[i] for i in g] for g in groups]


# ----------------------------------------------------------------------------- sentences


def _story_sentences(article: DigestArticle, limit: int) -> list[tuple[str, int, int]]:
    """The first `limit` real sentences of the article (not the headline, not a byline)."""
    out: list[tuple[str, int, int]] = []
    title = " ".join(article.title.lower().split())
    for s in split_sentences(article.text):
        text = s.text.strip()
        flat = " ".join(text.lower().split())
        if flat == title or len(text.split()) < 6 or flat.startswith("by ") or looks_like_instruction(text):
            continue
        out.append((text, s.start, s.end))
        if len(out) >= limit:
            break
    return out


def _overlap(a: str, b: str) -> float:
    ta, tb = set(_terms(a)), set(_terms(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def _group_key(g: list[DigestArticle]) -> tuple[int, int, int, str]:
    outlets = set().union(*(a.outlets for a in g))
    latest = max((a.published.toordinal() for a in g if a.published), default=0)
    return (-len(outlets), -sum(a.reports for a in g), -latest, g[0].title)


Picked = list[tuple[DigestArticle, tuple[str, int, int]]]  # (article, (sentence, start, end))


def _pick_sentences(group: list[DigestArticle], lead_sentences: int) -> Picked:
    """The lead report's first sentences, then one from each other report that adds something."""
    lead, others = group[0], group[1:]
    picked = [(lead, s) for s in _story_sentences(lead, lead_sentences)]
    for other in others:
        for s in _story_sentences(other, 3):
            if all(_overlap(s[0], p[1][0]) < 0.5 for p in picked):
                picked.append((other, s))
                break
        if len(picked) > lead_sentences:
            break
    return picked


def _cite(picked: Picked, citations: list[Citation]) -> list[tuple[str, int]]:
    """Each picked sentence with its citation number; an article's first sentence adds its
    citation to `citations`, its others join that citation's quote."""
    numbered: list[tuple[str, int]] = []
    by_article: dict[str, Citation] = {}
    for article, (text, start, end) in picked:
        c = by_article.get(article.id)
        if c is None:
            c = article.cite(len(citations) + 1, text, start, end)
            by_article[article.id] = c
            citations.append(c)
        else:
            c.quote += " " + text
            c.spans.append((start, end))
        numbered.append((text, c.n))
    return numbered


def build_digest(
    articles: Sequence[DigestArticle],
    since: date,
    until: date | None = None,
    max_stories: int = 5,
    lead_sentences: int = 2,
) -> Digest:
    """The top `max_stories` stories of `articles`, ranked by outlets, then reports, then recency."""
    groups = group_stories(articles)
    groups.sort(key=_group_key)
    stories: list[Story] = []
    citations: list[Citation] = []
    for group in groups[:max_stories]:
        numbered = _cite(_pick_sentences(group, lead_sentences), citations)
        outlets = sorted(set().union(*(a.outlets for a in group)))
        stories.append(
            Story(
                headline=group[0].title,
                sentences=numbered,
                articles=list(group),
                outlets=outlets,
                reports=sum(a.reports for a in group),
            )
        )
    return Digest(since, until, stories, citations, len(articles))


# ----------------------------------------------------------------------------- reading


class _Catalog(Protocol):
    def article_ids(
        self, namespace: str, since_day: int | None = ..., until_day: int | None = ...
    ) -> list[str]: ...

    def article(self, namespace: str, article_id: str) -> Any: ...


class _Stories(Protocol):
    def urls(self, namespace: str, article_id: str) -> list[tuple[str, str]]: ...


def collect_articles(
    catalog: _Catalog,
    stories: _Stories | None,
    namespace: str,
    since: date,
    until: date | None = None,
    limit: int = 500,
) -> list[DigestArticle]:
    """The indexed articles published in [since, until], with the URLs of their copies."""
    ids = catalog.article_ids(
        namespace, since_day=day_number(since), until_day=day_number(until) if until else None
    )[:limit]
    out: list[DigestArticle] = []
    for aid in ids:
        row = catalog.article(namespace, aid)
        if row is None:
            continue
        out.append(
            DigestArticle(
                id=str(row["id"]),
                title=str(row["title"]),
                url=str(row["url"]),
                source=str(row["source"]),
                published=parse_date(row["published"]),
                text=str(row["text"]),
                urls=stories.urls(namespace, aid) if stories else [],
            )
        )
    return out
