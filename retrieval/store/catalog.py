"""SQLite side of the store: articles, chunk rows and the FTS5 (BM25) lexical index
(`catalog_pg.py` is the PostgreSQL one, for several hosts sharing the state).

One database file under the data dir. Every row carries its namespace; every query filters
on it, so namespaces (Discord guilds) never see each other's articles.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from retrieval.ingest.articles import Article, parse_date
from retrieval.ingest.chunking import Chunk
from retrieval.results import ArticleInfo
from retrieval.store.database import Database, is_postgres_url, open_database
from retrieval.text.words import query_terms

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    namespace TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    published TEXT,
    published_day INTEGER,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    PRIMARY KEY (namespace, id)
);
CREATE INDEX IF NOT EXISTS articles_by_day ON articles(namespace, published_day);
CREATE INDEX IF NOT EXISTS articles_by_url ON articles(namespace, url);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    article_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL,
    UNIQUE (namespace, article_id, position)
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS llm_usage (
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL
);
"""


def day_number(d: date) -> int:
    """Days since 1970-01-01: dates stored as integers filter fast in SQLite and Chroma."""
    return (d - date(1970, 1, 1)).days


def article_from_row(row: Any) -> Article:
    """The Article stored in an `articles` row (SQLite or PostgreSQL)."""
    return Article(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        url=row["url"],
        source=row["source"],
        authors=json.loads(row["authors"]),
        published=parse_date(row["published"]),
    )


@dataclass(frozen=True)
class LexicalHit:
    rowid: int
    article_id: str
    position: int
    score: float  # BM25, higher is better


@dataclass(frozen=True)
class StoredChunk:
    rowid: int
    article_id: str
    position: int
    start: int
    end: int
    text: str


class Catalog:
    """Articles, chunks and BM25 in the state database. Thread-safe through one lock.

    This class is the embedded (SQLite FTS5) catalog; `open_catalog` returns the PostgreSQL one
    (`retrieval/store/catalog_pg.py`) for a `postgresql://` URL.
    """

    schema = SCHEMA

    def __init__(self, target: Path | str | Database, max_df: float = 0.0):
        self.db = target if isinstance(target, Database) else open_database(target)
        self.path = str(target) if not isinstance(target, Database) else ""
        self.lock = self.db.lock
        self.db.create_schema(self.schema)
        # > 0: BM25 in two passes, words in more than this share of all chunks only in the second
        self.max_df = max_df
        self._df_cache = DocFrequencyCache()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        with self.db.transaction() as db:
            yield db
        self._df_cache.clear()  # this process wrote: counts changed

    # --- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- LLM token usage ------------------------------------------------------------------

    def record_usage(self, kind: str, usage: Mapping[str, int]) -> None:
        """One generated answer's (or map/reduce step's) token usage, for `stats`."""
        with self.lock:
            self.db.execute(
                "INSERT INTO llm_usage(at, kind, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    kind,
                    int(usage.get("prompt_tokens", 0)),
                    int(usage.get("completion_tokens", 0)),
                ),
            )

    def usage_totals(self) -> dict[str, int]:
        with self.lock:
            row = self.db.execute(
                "SELECT COUNT(*) AS n, COALESCE(SUM(prompt_tokens), 0) AS p,"
                " COALESCE(SUM(completion_tokens), 0) AS c FROM llm_usage"
            ).fetchone()
        return {
            "llm_requests": int(row["n"]),
            "llm_prompt_tokens": int(row["p"]),
            "llm_completion_tokens": int(row["c"]),
        }

    # --- articles -------------------------------------------------------------------------

    def content_hashes(self, namespace: str, ids: Sequence[str]) -> dict[str, str]:
        rows = self._article_rows(namespace, ids, "id, content_hash")
        return {aid: r["content_hash"] for aid, r in rows.items()}

    def _article_rows(self, namespace: str, ids: Sequence[str], columns: str) -> dict[str, Any]:
        """id → the `columns` of each article in `ids` that exists (`columns` includes id)."""
        unique = list(dict.fromkeys(ids))
        out: dict[str, Any] = {}
        with self.lock:
            for i in range(0, len(unique), 500):
                part = unique[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = self.db.execute(
                    f"SELECT {columns} FROM articles WHERE namespace = ? AND id IN ({marks})",
                    [namespace, *part],
                ).fetchall()
                out.update({r["id"]: r for r in rows})
        return out

    @staticmethod
    def _insert_article_row(conn: Database, namespace: str, article: Article, n_chunks: int) -> None:
        conn.execute(
            "INSERT INTO articles(namespace, id, url, title, source, authors, published,"
            " published_day, text, content_hash, n_chunks, ingested_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                namespace,
                article.id,
                article.url,
                article.title,
                article.source,
                json.dumps(article.authors),
                article.published.isoformat() if article.published else None,
                day_number(article.published) if article.published else None,
                article.text,
                article.content_hash,
                n_chunks,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )

    def put_article(self, conn: Database, namespace: str, article: Article, chunks: Sequence[Chunk]) -> None:
        """Replace an article and its chunks (call inside `transaction()`)."""
        self._delete_rows(conn, namespace, article.id)
        self._insert_article_row(conn, namespace, article, len(chunks))
        for ch in chunks:
            rowid = conn.execute(
                'INSERT INTO chunks(namespace, article_id, position, start, "end", n_tokens)'
                " VALUES (?,?,?,?,?,?) RETURNING rowid",
                (namespace, article.id, ch.position, ch.start, ch.end, ch.n_tokens),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO chunks_fts(rowid, title, body) VALUES (?, ?, ?)",
                (rowid, article.title if ch.position == 0 else "", ch.text),
            )

    def _delete_rows(self, conn: Database, namespace: str, article_id: str) -> int:
        rows = conn.execute(
            "SELECT rowid FROM chunks WHERE namespace = ? AND article_id = ?", (namespace, article_id)
        ).fetchall()
        conn.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(r["rowid"],) for r in rows])
        conn.execute("DELETE FROM chunks WHERE namespace = ? AND article_id = ?", (namespace, article_id))
        conn.execute("DELETE FROM articles WHERE namespace = ? AND id = ?", (namespace, article_id))
        return len(rows)

    def delete_article(self, namespace: str, article_id: str) -> int:
        with self.transaction() as conn:
            return self._delete_rows(conn, namespace, article_id)

    def find_article(self, namespace: str, ref: str, url_id: str | None = None) -> ArticleInfo | None:
        with self.lock:
            row = self.db.execute(
                f"SELECT {self._info_cols} FROM articles"
                " WHERE namespace = ? AND (id = ? OR url = ? OR id = ?)",
                (namespace, ref, ref, url_id or ref),
            ).fetchone()
        return self._info(row) if row else None

    def article(self, namespace: str, article_id: str) -> Any | None:
        with self.lock:
            row: Any | None = self.db.execute(
                "SELECT * FROM articles WHERE namespace = ? AND id = ?", (namespace, article_id)
            ).fetchone()
            return row

    def article_heads(self, namespace: str, article_ids: Sequence[str]) -> dict[str, Any]:
        """id → row with title, url, source and published (no text), for the ids that exist."""
        return self._article_rows(namespace, article_ids, "id, title, url, source, published")

    _info_cols = "id, title, url, source, published, n_chunks, ingested_at"

    @staticmethod
    def _info(row: Any) -> ArticleInfo:
        return ArticleInfo(
            id=row["id"],
            title=row["title"],
            url=row["url"],
            source=row["source"],
            published=parse_date(row["published"]),
            n_chunks=row["n_chunks"],
            ingested_at=row["ingested_at"],
        )

    def _filter_sql(self, query: str | None) -> tuple[str, list[object]]:
        if not query:
            return "", []
        # the query is matched literally: %, _ and the backslash are not wildcards
        text = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like, op = f"%{text}%", f"{self.like_operator} ? ESCAPE '\\'"
        return f" AND (title {op} OR url {op} OR source {op})", [like, like, like]

    body_sql, body_join = "f.body", " JOIN chunks_fts f ON f.rowid = c.rowid"  # where chunk text is
    like_operator = "LIKE"  # case-insensitive for ASCII in SQLite; PostgreSQL needs ILIKE

    def list_articles(
        self, namespace: str, query: str | None = None, limit: int = 20, offset: int = 0
    ) -> list[ArticleInfo]:
        where, args = self._filter_sql(query)
        with self.lock:
            rows = self.db.execute(
                f"SELECT {self._info_cols} FROM articles WHERE namespace = ?{where}"
                " ORDER BY published_day IS NULL, published_day DESC, ingested_at DESC, id"
                " LIMIT ? OFFSET ?",
                [namespace, *args, limit, offset],
            ).fetchall()
        return [self._info(r) for r in rows]

    def count_articles(self, namespace: str, query: str | None = None) -> int:
        where, args = self._filter_sql(query)
        with self.lock:
            row = self.db.execute(
                f"SELECT COUNT(*) AS n FROM articles WHERE namespace = ?{where}", [namespace, *args]
            ).fetchone()
        return int(row["n"])

    def article_ids(
        self,
        namespace: str,
        since_day: int | None = None,
        until_day: int | None = None,
        source: str | None = None,
    ) -> list[str]:
        sql, args = self._article_filter(since_day, until_day, source)
        with self.lock:
            rows = self.db.execute(
                f"SELECT id FROM articles a WHERE a.namespace = ?{sql} ORDER BY published_day DESC",
                [namespace, *args],
            ).fetchall()
        return [r["id"] for r in rows]

    def iter_articles(self, namespace: str) -> Iterator[Any]:
        with self.lock:
            rows = self.db.execute(
                "SELECT * FROM articles WHERE namespace = ? ORDER BY id", (namespace,)
            ).fetchall()
        yield from rows

    def namespaces(self) -> list[str]:
        with self.lock:
            rows = self.db.execute("SELECT DISTINCT namespace FROM articles ORDER BY 1").fetchall()
        return [r["namespace"] for r in rows]

    def counts(self, namespace: str | None = None) -> dict[str, int]:
        where, args = ("WHERE namespace = ?", [namespace]) if namespace else ("", [])
        with self.lock:
            a = self.db.execute(f"SELECT COUNT(*) AS n FROM articles {where}", args).fetchone()["n"]
            c = self.db.execute(
                f"SELECT COUNT(*) AS n, COALESCE(SUM(n_tokens), 0) AS t FROM chunks {where}", args
            ).fetchone()
        return {"articles": int(a), "chunks": int(c["n"]), "tokens": int(c["t"])}

    # --- chunks and search ----------------------------------------------------------------

    @staticmethod
    def _article_filter(
        since_day: int | None, until_day: int | None, source: str | None
    ) -> tuple[str, list[object]]:
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
        fsql, fargs = self._article_filter(since_day, until_day, source)
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

    def chunks_by_key(
        self, namespace: str, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], StoredChunk]:
        """Chunk rows with their text, for (article_id, position) keys."""
        out: dict[tuple[str, int], StoredChunk] = {}
        with self.lock:
            for article_id, position in keys:
                row = self.db.execute(
                    'SELECT c.rowid AS rowid, c.article_id, c.position, c.start, c."end" AS "end",'
                    f" {self.body_sql} AS body FROM chunks c{self.body_join}"
                    " WHERE c.namespace = ? AND c.article_id = ? AND c.position = ?",
                    (namespace, article_id, position),
                ).fetchone()
                if row:
                    out[(article_id, position)] = StoredChunk(
                        row["rowid"],
                        row["article_id"],
                        row["position"],
                        row["start"],
                        row["end"],
                        row["body"],
                    )
        return out

    def article_chunks(self, namespace: str, article_id: str) -> list[StoredChunk]:
        with self.lock:
            rows = self.db.execute(
                'SELECT c.rowid AS rowid, c.article_id, c.position, c.start, c."end" AS "end",'
                f" {self.body_sql} AS body FROM chunks c{self.body_join}"
                " WHERE c.namespace = ? AND c.article_id = ? ORDER BY c.position",
                (namespace, article_id),
            ).fetchall()
        return [
            StoredChunk(r["rowid"], r["article_id"], r["position"], r["start"], r["end"], r["body"])
            for r in rows
        ]

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


def open_catalog(target: Path | str, max_df: float = 0.0) -> Catalog:
    """The catalog in the state database: SQLite FTS5 for a path, PostgreSQL for a URL."""
    if is_postgres_url(target):
        from retrieval.store.catalog_pg import PostgresCatalog

        return PostgresCatalog(target, max_df)
    return Catalog(target, max_df)
