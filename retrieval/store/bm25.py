"""The lexical index of the catalog: BM25 over the chunks, with document frequencies cached.

`LexicalIndex` is mixed into `Catalog` (SQLite FTS5, `catalog.py`); `PostgresCatalog`
(`catalog_pg.py`) overrides `_rank`, `_count_docs` and `lexical_rows` with its postings table.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from retrieval.store.database import Database
from retrieval.text.words import query_terms


@dataclass(frozen=True)
class LexicalHit:
    rowid: int
    article_id: str
    position: int
    score: float  # BM25, higher is better


def article_filter(
    since_day: int | None, until_day: int | None, source: str | None
) -> tuple[str, list[object]]:
    """SQL conditions on the articles (alias `a`) of a day range and a source, and their arguments."""
    sql = ""
    args: list[object] = []
    if since_day is not None:
        sql += " AND a.published_day >= ?"
        args.append(since_day)
    if until_day is not None:
        sql += " AND a.published_day <= ?"
        args.append(until_day)
    if source:
        sql += " AND a.source = ?"
        args.append(source)
    return sql, args


class LexicalIndex:
    """BM25 search and document frequencies over the chunks of `db`, under `lock` (a Catalog's)."""

    db: Database
    lock: threading.RLock
    # > 0: BM25 in two passes, words in more than this share of all chunks only in the second
    max_df: float
    _df_cache: DocFrequencyCache

    def bm25(
        self,
        namespace: str,
        query: str,
        limit: int = 50,
        since_day: int | None = None,
        until_day: int | None = None,
        source: str | None = None,
    ) -> list[LexicalHit]:
        """The best `limit` chunks by BM25 over every query term. With `max_df` set, in two
        passes: candidates by the selective terms alone (those in at most `max_df` of the chunks),
        four times as many as asked; then those candidates ranked with every term. Scoring every
        chunk that holds a common word is what makes one pass slow on a large index."""
        terms = query_terms(query)
        if not terms:
            return []
        fsql, fargs = article_filter(since_day, until_day, source)
        selective = self.selective_terms(terms)
        if len(selective) == len(terms):
            return self._rank(namespace, terms, limit, fsql, fargs, self.PREFETCH)
        pool = self._rank(namespace, selective, limit * 4, fsql, fargs, self.PREFETCH)
        if not pool:
            return []
        marks = ",".join("?" * len(pool))
        return self._rank(
            namespace, terms, limit, f"{fsql} AND c.rowid IN ({marks})", [*fargs, *(h.rowid for h in pool)]
        )

    # `_rank` first asks FTS5 for this many times `limit` chunks, unfiltered (see there)
    PREFETCH = 4

    def _rank(
        self,
        namespace: str,
        terms: Sequence[str],
        limit: int,
        fsql: str,
        fargs: list[object],
        prefetch: int = 0,
    ) -> list[LexicalHit]:
        """The best `limit` chunks by BM25 that pass the namespace and `fsql` filters, best first
        (ties by rowid). With `prefetch`, FTS5 first ranks alone, `prefetch` × `limit` chunks, and
        only those are joined to their chunk and article rows: joining every matching chunk before
        sorting is a third of the query's time on a 100k-chunk index. The first `limit` of them that
        pass the filters are exactly the answer; when fewer pass, the query is run with the filters
        inside."""
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        select = "SELECT c.rowid AS rowid, c.article_id AS article_id, c.position AS position,"
        joins = (
            " JOIN chunks c ON c.rowid = f.rowid"
            " JOIN articles a ON a.namespace = c.namespace AND a.id = c.article_id"
        )
        rows = []
        if prefetch:
            sql = (
                f"{select} f.score AS score FROM (SELECT rowid, bm25(chunks_fts, 2.0, 1.0) AS score"
                " FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score, rowid LIMIT ?) f"
                f"{joins} WHERE c.namespace = ?{fsql} ORDER BY f.score, f.rowid LIMIT ?"
            )
            with self.lock:
                rows = self.db.execute(sql, [match, limit * prefetch, namespace, *fargs, limit]).fetchall()
        if len(rows) < limit:
            sql = (
                f"{select} bm25(chunks_fts, 2.0, 1.0) AS score FROM chunks_fts f{joins}"
                f" WHERE chunks_fts MATCH ? AND c.namespace = ?{fsql} ORDER BY score, f.rowid LIMIT ?"
            )
            with self.lock:
                rows = self.db.execute(sql, [match, namespace, *fargs, limit]).fetchall()
        return [LexicalHit(r["rowid"], r["article_id"], r["position"], -float(r["score"])) for r in rows]

    def lexical_rows(self) -> int:
        """Chunks in the lexical index (every namespace)."""
        with self.lock:
            return int(self.db.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0])

    def doc_frequency(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """(number of chunks, chunks containing each term) over the whole index, for IDF weights.
        Cached for a few minutes: counting a common word's chunks is most of a query's cost."""
        return self._df_cache.get(terms, self._count_docs)

    def selective_terms(self, terms: list[str]) -> list[str]:
        """The terms BM25's first pass looks up: those in more than `max_df` of all chunks are
        left out (they add little to a score and most of its cost), keeping the two rarest."""
        if self.max_df <= 0 or len(terms) <= 2:
            return terms
        total, df = self.doc_frequency(terms)
        keep = [t for t in terms if df.get(t, 0) <= self.max_df * total]
        if len(keep) < 2:
            rarest = set(sorted(terms, key=lambda t: df.get(t, 0))[:2])
            keep = [t for t in terms if t in rarest]
        return keep

    def _count_docs(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        with self.lock:
            total = self.db.execute("SELECT COUNT(*) AS n FROM chunks").fetchone()["n"]
            df: dict[str, int] = {}
            for t in terms:
                q = '"' + t.replace('"', "") + '"'
                df[t] = self.db.execute(
                    "SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?", (q,)
                ).fetchone()["n"]
        return int(total), df


class DocFrequencyCache:
    """Document frequencies per term, kept `ttl` seconds (other processes may write meanwhile).

    Counting runs outside the lock; a `clear` (this process wrote) during a count makes that
    count's figures stale, so they answer the question that asked but are not kept."""

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._df: dict[str, tuple[float, int]] = {}
        self._total: tuple[float, int] | None = None
        self._generation = 0  # how many times the counts were cleared

    def clear(self) -> None:
        with self._lock:
            self._df.clear()
            self._total = None
            self._generation += 1

    def get(
        self, terms: Sequence[str], count: Callable[[Sequence[str]], tuple[int, dict[str, int]]]
    ) -> tuple[int, dict[str, int]]:
        now = time.monotonic()
        with self._lock:
            fresh = {t: v[1] for t in terms if (v := self._df.get(t)) and now - v[0] < self.ttl}
            total = self._total[1] if self._total and now - self._total[0] < self.ttl else None
            generation = self._generation
        missing = [t for t in dict.fromkeys(terms) if t not in fresh]
        if missing or total is None:
            total, counted = count(missing)
            with self._lock:
                if generation == self._generation:  # no write since the count began
                    self._total = (now, total)
                    self._df.update({t: (now, n) for t, n in counted.items()})
            fresh.update(counted)
        return total, {t: fresh.get(t, 0) for t in terms}
