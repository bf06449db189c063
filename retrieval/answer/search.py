"""Hybrid search: dense (Chroma) and BM25 (SQLite FTS5, or PostgreSQL) candidates, fused by reciprocal rank,
weighted by how much of the question the article's title names and (optionally) by recency,
then diversified across articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from retrieval.ingest.articles import parse_date
from retrieval.ingest.embedding import Embedder
from retrieval.results import Passage
from retrieval.store.catalog import Catalog, StoredChunk, day_number
from retrieval.store.lexicon import Fts5Tokenizer
from retrieval.store.vectors import Vectors
from retrieval.text.words import query_terms

RRF_K = 60


@dataclass(frozen=True)
class SearchFilters:
    since: date | None = None  # published on or after
    until: date | None = None  # published on or before ("as of")
    source: str | None = None  # outlet host, e.g. reuters.com

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.since:
            clauses.append({"day": {"$gte": day_number(self.since)}})
        if self.until:
            clauses.append({"day": {"$lte": day_number(self.until)}})
        if self.source:
            clauses.append({"source": {"$eq": self.source}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass
class _Candidate:
    article_id: str
    position: int
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0


def passage_from(
    row: Any, chunk: StoredChunk, score: float = 0.0, dense: float = 0.0, lexical: float = 0.0
) -> Passage:
    """A Passage from an article row and one of its stored chunks."""
    passage = passage_of(chunk, row["title"], row["url"], row["source"], parse_date(row["published"]))
    passage.score, passage.dense, passage.lexical = score, dense, lexical
    return passage


def passage_of(chunk: StoredChunk, title: str, url: str, source: str, published: date | None) -> Passage:
    """A Passage from one stored chunk and its article's details."""
    return Passage(
        chunk_id=f"{chunk.article_id}:{chunk.position}",
        article_id=chunk.article_id,
        position=chunk.position,
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
        title=title,
        url=url,
        source=source,
        published=published,
    )


class Searcher:
    def __init__(
        self,
        catalog: Catalog,
        vectors: Vectors,
        embedder: Embedder,
        tokenizer: Fts5Tokenizer,
        candidates: int = 50,
        repeat_decay: float = 0.8,
        title_weight: float = 0.5,
        recency_days: float = 0.0,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        rrf_k: int = RRF_K,
        recency_plateau_days: int = 0,
    ):
        self.recency_plateau_days = recency_plateau_days
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.rrf_k = rrf_k
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.candidates = candidates
        self.repeat_decay = repeat_decay
        self.title_weight = title_weight
        self.recency_days = recency_days

    def search(
        self, namespace: str, query: str, k: int = 5, filters: SearchFilters | None = None
    ) -> list[Passage]:
        filters = filters or SearchFilters()
        pool: dict[tuple[str, int], _Candidate] = {}

        vector = self.embedder.embed([query])[0]
        dense = self.vectors.query(namespace, vector, self.candidates, filters.chroma_where())
        for rank, hit in enumerate(dense):
            c = pool.setdefault((hit.article_id, hit.position), _Candidate(hit.article_id, hit.position))
            c.dense = hit.similarity
            c.score += self.dense_weight / (self.rrf_k + rank + 1)

        lexical = self.catalog.bm25(
            namespace,
            query,
            self.candidates,
            since_day=day_number(filters.since) if filters.since else None,
            until_day=day_number(filters.until) if filters.until else None,
            source=filters.source,
        )
        for rank, lhit in enumerate(lexical):
            c = pool.setdefault((lhit.article_id, lhit.position), _Candidate(lhit.article_id, lhit.position))
            c.lexical = lhit.score
            c.score += self.lexical_weight / (self.rrf_k + rank + 1)

        articles = self.catalog.article_heads(namespace, [c.article_id for c in pool.values()])
        # vectors of an interrupted ingest that SQLite never committed are not results
        ranked = [c for c in pool.values() if c.article_id in articles]
        if self.title_weight > 0:
            self._weigh_titles(query, ranked, articles)
        if self.recency_days > 0:
            ref = filters.until or date.today()
            for c in ranked:
                published = parse_date(articles[c.article_id]["published"])
                age = max(0, (ref - published).days) if published else 365
                # news fades: half weight at `recency_days` old (30 by default), after an optional
                # plateau during which it counts in full (none by default)
                age = max(0, age - self.recency_plateau_days)
                c.score *= 1.0 / (1.0 + age / self.recency_days)
        ranked.sort(key=lambda c: (-c.score, c.article_id, c.position))
        chosen = self._diversify(ranked, k)
        texts = self.catalog.chunks_by_key(namespace, [(c.article_id, c.position) for c in chosen])
        out: list[Passage] = []
        for c in chosen:
            row = articles[c.article_id]
            stored = texts.get((c.article_id, c.position))
            if stored is None:
                continue
            out.append(passage_from(row, stored, score=c.score, dense=c.dense, lexical=c.lexical))
        return out

    def _weigh_titles(self, query: str, ranked: list[_Candidate], articles: dict[str, Any]) -> None:
        """× (1 + title_weight × the share of the question's content words in the article's title),
        words stemmed as the BM25 index stems them. A news title names what the story is about:
        of two passages that match a question equally, the one from the story about it (rather
        than a round-up of the day that mentions it) comes first."""
        ids = sorted({c.article_id for c in ranked})
        texts = [" ".join(query_terms(query))] + [articles[i]["title"] or "" for i in ids]
        sets = self.tokenizer.term_sets(texts)
        asked, titles = sets[0], dict(zip(ids, sets[1:], strict=True))
        if not asked:
            return
        for c in ranked:
            c.score *= 1.0 + self.title_weight * len(asked & titles[c.article_id]) / len(asked)

    def _diversify(self, ranked: list[_Candidate], k: int) -> list[_Candidate]:
        """Best first, where each chunk of an article already chosen discounts that article's next
        chunk by `repeat_decay` (0.8: a second chunk must outscore the best chunk of another
        article by a quarter to come before it)."""
        left = list(ranked)
        chosen: list[_Candidate] = []
        taken: dict[str, int] = {}
        while left and len(chosen) < k:
            best, best_score = 0, float("-inf")
            for i, c in enumerate(left):
                score = c.score * self.repeat_decay ** taken.get(c.article_id, 0)
                if score > best_score:
                    best, best_score = i, score
            c = left.pop(best)
            chosen.append(c)
            taken[c.article_id] = taken.get(c.article_id, 0) + 1
        return chosen
