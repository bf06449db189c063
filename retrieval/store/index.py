"""The store: Chroma (vectors) and the state database (articles, chunks, BM25; SQLite, or
PostgreSQL with `NEWSDESK_DATABASE_URL`) behind one small class.

Write order makes an interrupted ingest safe to re-run: stale vectors of the batch's articles are
deleted, the new vectors upserted (deterministic ids), and only then is the SQLite transaction
committed that marks the articles as ingested. A re-run redoes any article the database doesn't
know.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.attribution.store import AttributionStore
from retrieval.ingest.articles import Article
from retrieval.ingest.chunking import Chunk
from retrieval.store.catalog import Catalog, day_number
from retrieval.store.journal import IngestJournal
from retrieval.store.vectors import Vectors


class Store:
    def __init__(
        self,
        catalog: Catalog,
        vectors: Vectors,
        attributions: AttributionStore | None = None,
        journal: IngestJournal | None = None,
    ):
        self.catalog = catalog
        self.vectors = vectors
        # who said what, extracted from each article as it is written (None: not indexed)
        self.attributions = attributions
        # the order new and changed articles were stored in, for the watches (None: not kept)
        self.journal = journal
        # one write at a time in this process: the bot ingests from worker threads (/ingest, the
        # feed poller), and two interleaved writes of one article would leave the vectors of one
        # version beside the text of the other
        self._write_lock = threading.Lock()

    def write(
        self,
        namespace: str,
        items: Sequence[tuple[Article, Sequence[Chunk]]],
        embeddings: np.ndarray,
        *,
        new: bool = True,
    ) -> None:
        """Replace each article (and all its chunks) with the given version, everywhere. `new`:
        the articles are new or changed (journalled); False when only re-chunked (`reindex`)."""
        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        for article, chunks in items:
            for ch in chunks:
                ids.append(ch.id)
                meta: dict[str, Any] = {
                    "article_id": article.id,
                    "position": ch.position,
                    "source": article.source,
                }
                if article.published:
                    meta["day"] = day_number(article.published)
                metas.append(meta)
        if len(ids) != len(embeddings):
            raise ValueError(f"{len(ids)} chunks but {len(embeddings)} embeddings")
        with self._write_lock:
            self.vectors.delete_articles(namespace, [a.id for a, _ in items])
            if ids:
                self.vectors.upsert(namespace, ids, embeddings, metas)
            with self.catalog.transaction() as conn:
                for article, chunks in items:
                    self.catalog.put_article(conn, namespace, article, chunks)
                    if self.attributions is not None:
                        self.attributions.put(conn, namespace, article)
                if new and self.journal is not None:
                    self.journal.record(conn, namespace, [a.id for a, _ in items])

    def delete(self, namespace: str, article_id: str) -> int:
        with self._write_lock:
            self.vectors.delete_articles(namespace, [article_id])
            with self.catalog.transaction() as conn:
                if self.attributions is not None:
                    self.attributions.delete(conn, namespace, article_id)
                return self.catalog.delete_article(namespace, article_id)

    def drop_namespace(self, namespace: str) -> None:
        self.vectors.drop(namespace)
