"""The reports about a topic: every stored article that is about it, found by a relevance floor
rather than the top k of a search.

Candidates are the chunks that BM25 (`LEXICAL_POOL`, 400) finds for the topic within the time
window, and those of the dense index's `DENSE_POOL` (200) nearest chunks that lie in the window
(the nearest chunks are fetched unfiltered and filtered here: a date-filtered Chroma query costs
about 0.5 s at 100k chunks, the unfiltered one 30 ms). A chunk's *coverage* is the share of
the topic's words, each weighted by its IDF over the whole index (rare words weigh most:
"Lowmoor" more than "strike"), that its article's title and the chunk hold, stemmed. An article
is about the topic when one of its chunks covers at least `floor` (0.6) of the topic, or at
least `dense_floor_cover` (0.3) while its meaning is close to the topic (cosine ≥
`dense_floor`, 0.5). So an article that names the story's rare words in one passage counts
however many others do, and one that shares only a common word ("strike", "ferry") does not,
whatever its rank.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import numpy as np

from retrieval.answer.digest import DigestArticle
from retrieval.errors import BadInputError
from retrieval.ingest.articles import parse_date
from retrieval.store.catalog import StoredChunk, day_number
from retrieval.text.terms import IdfSource, Terms, idf_weights
from retrieval.text.words import query_terms

LEXICAL_POOL = 400
DENSE_POOL = 200


class _Catalog(Protocol):
    def bm25(
        self,
        namespace: str,
        query: str,
        limit: int = ...,
        since_day: int | None = ...,
        until_day: int | None = ...,
        source: str | None = ...,
    ) -> Sequence[Any]: ...

    def article_heads(self, namespace: str, article_ids: Sequence[str]) -> dict[str, Any]: ...

    def chunks_by_key(
        self, namespace: str, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], StoredChunk]: ...

    def article(self, namespace: str, article_id: str) -> Any | None: ...

    def article_chunks(self, namespace: str, article_id: str) -> list[StoredChunk]: ...

    def doc_frequency(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]: ...


class _Vectors(Protocol):
    def query(
        self, namespace: str, vector: np.ndarray, n: int, where: dict[str, Any] | None
    ) -> Sequence[Any]: ...


class _Embedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


class _Stories(Protocol):
    def urls(self, namespace: str, article_id: str) -> list[tuple[str, str]]: ...


@dataclass
class Report:
    """A stored article about the topic, with its syndicated copies' URLs and how well it matched."""

    article: DigestArticle
    coverage: float  # best chunk's weighted share of the topic's words
    dense: float  # best chunk's cosine to the topic (0 when no dense hit)
    span: tuple[int, int] = (0, 0)  # where the best-covering chunk is in the article text


class TopicWords:
    """The topic's stemmed content words with their IDF weights over the index."""

    def __init__(self, topic: str, doc_frequency: IdfSource | None, terms: Terms | None = None) -> None:
        self.terms = terms or Terms()
        words = query_terms(topic)
        weights: dict[str, float] = {}
        prefixes: set[str] = set()
        for w, v in idf_weights(words, doc_frequency).items():
            s = self.terms.stem(w)
            weights[s] = max(weights.get(s, 0.0), v)
            prefixes |= {w[:3], s[:3]}
        self.weights = weights
        # the words of a text that may stem to one of the topic's: stemming changes a word's end,
        # so only words that start as a topic word or its stem does are stemmed (most of a text's
        # words are not, which makes `coverage` several times faster than stemming them all)
        alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
        self._candidates = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})[A-Za-z0-9'’-]*", re.I)

    def coverage(self, text: str) -> float:
        """The weighted share of the topic's words that `text` holds (stemmed)."""
        if not self.weights:
            return 0.0
        return self.covered(set(self.terms.of(" ".join(self._candidates.findall(text)))))

    def covered(self, stems: set[str]) -> float:
        """The weighted share of the topic's words among `stems` (a text's, from `terms.of`)."""
        total = sum(self.weights.values())
        return sum(v for t, v in self.weights.items() if t in stems) / total if total else 0.0


def _within(day: date | None, since: date | None, until: date | None) -> bool:
    return day is not None and (since is None or day >= since) and (until is None or day <= until)


class ReportFinder:
    """Finds the reports about a topic in a namespace and time window (see the module doc)."""

    def __init__(
        self,
        catalog: _Catalog,
        vectors: _Vectors,
        embedder: _Embedder,
        stories: _Stories | None = None,
        floor: float = 0.6,
        dense_floor: float = 0.5,
        dense_floor_cover: float = 0.3,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.stories = stories
        self.floor = floor
        self.dense_floor = dense_floor
        self.dense_floor_cover = dense_floor_cover
        self.terms = Terms()

    def words_of(self, topic: str) -> dict[str, float]:
        """The topic's stemmed words and their weights (empty when it has none to look for)."""
        return TopicWords(topic, None, self.terms).weights

    def words(self, topic: str) -> TopicWords:
        words = TopicWords(topic, self.catalog.doc_frequency, self.terms)
        if not words.weights:
            raise BadInputError(f"the topic {topic!r} has no words to look for: name the story")
        return words

    def find(
        self, namespace: str, topic: str, since: date | None = None, until: date | None = None
    ) -> list[Report]:
        """The reports about `topic` published in [since, until], oldest first."""
        words = self.words(topic)
        pool = self._candidates(namespace, topic, since, until)
        heads = {
            aid: row
            for aid, row in self.catalog.article_heads(namespace, sorted({aid for aid, _ in pool})).items()
            if _within(parse_date(row["published"]), since, until)
        }
        chunks = self.catalog.chunks_by_key(namespace, [k for k in pool if k[0] in heads])
        best: dict[str, tuple[float, float, tuple[int, int]]] = {}
        for key, chunk in sorted(chunks.items()):
            cover = words.coverage(f"{heads[key[0]]['title']}\n{chunk.text}")
            old_cover, old_dense, span = best.get(key[0], (-1.0, 0.0, (0, 0)))
            if cover > old_cover:
                span = (chunk.start, chunk.end)
            best[key[0]] = (max(old_cover, cover), max(old_dense, pool[key]), span)
        found = [
            self._report(namespace, aid, cover, sim, span)
            for aid, (cover, sim, span) in best.items()
            if self.relevant(cover, sim)
        ]
        reports = [r for r in found if r is not None]
        reports.sort(key=lambda r: (r.article.published or date.min, r.article.id))
        return reports

    def relevant(self, coverage: float, dense: float) -> bool:
        """The relevance floor."""
        return coverage >= self.floor or (coverage >= self.dense_floor_cover and dense >= self.dense_floor)

    def _candidates(
        self, namespace: str, topic: str, since: date | None, until: date | None
    ) -> dict[tuple[str, int], float]:
        """(article id, chunk position) → cosine to the topic (0 for a lexical-only hit)."""
        pool: dict[tuple[str, int], float] = {}
        for hit in self.catalog.bm25(
            namespace,
            topic,
            LEXICAL_POOL,
            since_day=day_number(since) if since else None,
            until_day=day_number(until) if until else None,
        ):
            pool[(hit.article_id, hit.position)] = 0.0
        vector = self.embedder.embed([topic])[0]
        for d in self.vectors.query(namespace, vector, DENSE_POOL, None):  # the window: in `find`
            pool[(d.article_id, d.position)] = float(d.similarity)
        return pool

    def _report(
        self, namespace: str, article_id: str, coverage: float, dense: float, span: tuple[int, int]
    ) -> Report | None:
        row = self.catalog.article(namespace, article_id)
        if row is None:
            return None
        article = DigestArticle(
            id=str(row["id"]),
            title=str(row["title"]),
            url=str(row["url"]),
            source=str(row["source"]),
            published=parse_date(row["published"]),
            text=str(row["text"]),
            urls=self.stories.urls(namespace, article_id) if self.stories else [],
        )
        return Report(article, coverage, dense, span)
