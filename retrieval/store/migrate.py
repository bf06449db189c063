"""`newsdesk migrate`: copy an embedded store into a Chroma server (and PostgreSQL) as it is.

Vectors are read from the local Chroma with their embeddings and written to the server's
collections under the same names (nothing is re-embedded); articles, chunks and the lexical
index go to the target catalog; feeds, feed items, digests, feedback, the story index, the
watches (with the ingest journal their cursors point into, and what they posted) and
the index metadata are copied row by row. Re-running after an interruption completes the
copy without duplicates: vectors are upserted by id, articles replaced, rows that are already
there kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb

from retrieval.attribution.store import AttributionStore
from retrieval.errors import BadInputError
from retrieval.follow.watches import WatchStore
from retrieval.ingest.chunking import Chunk
from retrieval.store.backend import open_catalog
from retrieval.store.catalog import Catalog, article_from_row
from retrieval.store.database import Database, is_postgres_url, open_database
from retrieval.store.feedback import FeedbackStore
from retrieval.store.journal import IngestJournal
from retrieval.store.vectors import collection_name
from retrieval.web.dedup import StoryIndex
from retrieval.web.feedstore import FeedStore

PAGE = 500

# State tables copied as rows: (table, key columns for "already there"; None = no key).
STATE_TABLES: list[tuple[str, str | None]] = [
    ("meta", "key"),
    ("llm_usage", None),
    ("feeds", "id"),
    ("feed_items", "feed_id, item_id"),
    ("digest_schedules", "channel_id"),
    ("feedback_answers", "ref"),
    ("feedback_votes", "ref, user_id"),
    ("story_sigs", "namespace, article_id"),
    ("story_bands", None),
    ("story_urls", "namespace, url"),
    # the journal keeps its numbers, so each watch's cursor into it stays where it was
    ("ingest_log", "seq"),
    ("watches", "id"),
    ("watch_stories", "id"),
    ("watch_hits", "watch_id, article_id"),
]
# tables whose ids are copied as they are: PostgreSQL's identity must then move past them
IDENTITY_KEYS = {"feeds": "id", "ingest_log": "seq", "watches": "id", "watch_stories": "id"}


@dataclass
class MigrationReport:
    namespaces: int = 0
    articles: int = 0
    vectors: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def parse_server_url(url: str) -> tuple[str, int, bool]:
    """http://host:port (or https://) → (host, port, ssl)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInputError(f"can't read the server address {url!r}: use http://host:port")
    ssl = parts.scheme == "https"
    return parts.hostname, parts.port or (443 if ssl else 8000), ssl


def server_client(url: str, auth_token: str | None = None) -> Any:
    host, port, ssl = parse_server_url(url)
    headers = {"Authorization": f"Bearer {auth_token}"} if auth_token else None
    return chromadb.HttpClient(
        host=host,
        port=port,
        ssl=ssl,
        headers=headers,
        settings=chromadb.Settings(anonymized_telemetry=False),
    )


def copy_vectors(source: Any, target: Any, namespace: str) -> int:
    """Every record of a namespace's collection, embeddings included, into the target."""
    name = collection_name(namespace)
    try:
        src = source.get_collection(name, embedding_function=None)
    except Exception:  # no vectors for this namespace
        return 0
    dst = target.get_or_create_collection(
        name,
        metadata=dict(src.metadata or {}),
        configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None,
    )
    copied = 0
    total = src.count()
    while copied < total:
        page = src.get(include=["embeddings", "metadatas"], limit=PAGE, offset=copied)
        if not page["ids"]:
            break
        dst.upsert(ids=page["ids"], embeddings=page["embeddings"], metadatas=page["metadatas"])
        copied += len(page["ids"])
    return copied


def copy_articles(source: Catalog, target: Catalog, namespace: str) -> int:
    """Articles with their chunks and their attributions (extracted again from the same text:
    the same rows, and none left over from an older version of the article)."""
    attributions = AttributionStore(target.db)
    n = 0
    for row in source.iter_articles(namespace):
        article = article_from_row(row)
        tokens = {
            r["position"]: r["n_tokens"]
            for r in source.db.execute(
                "SELECT position, n_tokens FROM chunks WHERE namespace = ? AND article_id = ?",
                (namespace, article.id),
            ).fetchall()
        }
        chunks = [
            Chunk(article.id, c.position, c.start, c.end, c.text, int(tokens[c.position]))
            for c in source.article_chunks(namespace, article.id)
        ]
        with target.transaction() as conn:
            target.put_article(conn, namespace, article, chunks)
            attributions.put(conn, namespace, article)
            conn.execute(  # keep when it was first ingested (lists sort by it)
                "UPDATE articles SET ingested_at = ? WHERE namespace = ? AND id = ?",
                (row["ingested_at"], namespace, article.id),
            )
        n += 1
    return n


def copy_table(source: Database, target: Database, table: str, key: str | None) -> int:
    rows = source.execute(f"SELECT * FROM {table}").fetchall()
    if not rows:
        return 0
    cols = list(rows[0].keys())
    marks = ", ".join("?" * len(cols))
    insert = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
    with target.transaction() as db:
        if key is None and table == "story_bands":
            db.executemany(
                "DELETE FROM story_bands WHERE namespace = ? AND article_id = ?",
                sorted({(r["namespace"], r["article_id"]) for r in rows}),
            )
        elif key is None:  # llm_usage: copied once
            if db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
                return 0
        else:
            insert += f" ON CONFLICT ({key}) DO NOTHING"
        db.executemany(insert, [tuple(r) for r in rows])
        column = IDENTITY_KEYS.get(table)
        if column and db.dialect == "postgres":  # explicit ids: move the identity on
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT MAX({column}) FROM {table}))"
            )
    return len(rows)


def migrate(
    data_dir: Path,
    source_chroma: Any,
    target_chroma: Any,
    target_db: Path | str,
    log: Callable[[str], None] = lambda _m: None,
) -> MigrationReport:
    """Copy the embedded store in `data_dir` into `target_chroma` and `target_db`."""
    sqlite_path = data_dir / "newsdesk.sqlite3"
    if not sqlite_path.exists():
        raise BadInputError(f"no embedded store in {data_dir} (newsdesk.sqlite3 is missing)")
    source = Catalog(sqlite_path)
    same_db = not is_postgres_url(target_db) and Path(target_db).resolve() == sqlite_path.resolve()
    target = None if same_db else open_catalog(open_database(target_db))
    report = MigrationReport()
    try:
        for ns in source.namespaces():
            report.namespaces += 1
            n = copy_vectors(source_chroma, target_chroma, ns)
            report.vectors += n
            if target is not None:
                report.articles += copy_articles(source, target, ns)
            log(f"{ns}: {n} vectors")
        if target is not None:
            for store in (
                FeedStore,
                StoryIndex,
                FeedbackStore,
                AttributionStore,
                IngestJournal,
                WatchStore,
            ):  # create their tables on both sides
                store(source.db)
                store(target.db)
            for table, key in STATE_TABLES:
                report.rows[table] = copy_table(source.db, target.db, table, key)
    finally:
        source.close()
        if target is not None:
            target.close()
    return report
