"""SQLite side of the store: articles and chunk rows, with the FTS5 (BM25) lexical index
(`bm25.py`) and the small meta and usage tables (`meta.py`) mixed in; `catalog_pg.py` is the
PostgreSQL one, for several hosts sharing the state, and `backend.py` opens the right one.

One database file under the data dir. Every row carries its namespace; every query filters
on it, so namespaces (Discord guilds) never see each other's articles.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from retrieval.ingest.articles import Article, parse_date
from retrieval.ingest.chunking import Chunk
from retrieval.results import ArticleInfo
from retrieval.store.bm25 import DocFrequencyCache, LexicalIndex, article_filter
from retrieval.store.database import Database, open_database
from retrieval.store.meta import MetaAndUsage

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
class StoredChunk:
    rowid: int
    article_id: str
    position: int
    start: int
    end: int
    text: str


class Catalog(MetaAndUsage, LexicalIndex):
    """Articles, chunks and BM25 in the state database. Thread-safe through one lock.

    This class is the embedded (SQLite FTS5) catalog; `open_catalog` (`backend.py`) returns the
    PostgreSQL one (`retrieval/store/catalog_pg.py`) for a `postgresql://` URL.
    """

    schema = SCHEMA

    def __init__(self, target: Path | str | Database, max_df: float = 0.0):
        self.db = target if isinstance(target, Database) else open_database(target)
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
        sql, args = article_filter(since_day, until_day, source)
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

    # --- chunks ---------------------------------------------------------------------------

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
