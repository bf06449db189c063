"""Chroma side of the store: one collection per namespace, cosine space, embeddings always
passed in (Chroma's own embedding function would try to download a model)."""

from __future__ import annotations

import contextlib
import fcntl
import operator
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import chromadb
import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.errors import NotFoundError

from retrieval.errors import ModelMismatchError
from retrieval.settings import Settings

T = TypeVar("T")


def build_chroma_client(settings: Settings) -> Any:
    """The one place the backend is chosen: a Chroma server when CHROMA_HOST is set, else on disk."""
    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_host:
        headers = (
            {"Authorization": f"Bearer {settings.chroma_auth_token}"} if settings.chroma_auth_token else None
        )
        return chromadb.HttpClient(
            host=settings.chroma_host,
            port=settings.chroma_port,
            ssl=settings.chroma_ssl,
            headers=headers,
            settings=chroma_settings,
        )
    path = settings.chroma_path
    path.mkdir(parents=True, exist_ok=True)
    with exclusive(path):
        try:
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception:
            # chromadb keeps the half-built client of this path and hands it out again, broken:
            # forget it, so that a later try (after `reindex` set a damaged store aside) starts anew
            SharedSystemClient._identifier_to_system.pop(str(path), None)
            raise


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One process at a time in here, per folder (an flock on the folder itself, released when
    the process dies). Opening an embedded Chroma store creates its tables on first start, and
    two processes doing that at once fail ("table collections already exists", "database is
    locked"), so the store is opened under this lock: the first creates, the others then open."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def collection_name(namespace: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", namespace)[:50]
    return f"newsdesk-{safe}"


def stored_vectors(client: Any, namespace: str) -> int:
    """How many vectors a namespace's collection holds (0 when there is none); no model needed."""
    try:
        return int(client.get_collection(collection_name(namespace), embedding_function=None).count())
    except NotFoundError:
        return 0


def missing_vectors_note(chunks: int, vectors: int) -> str | None:
    """What to tell the user when chunks have no vector (the vector store was deleted, or a
    reindex was cut short): dense search cannot find them. None when nothing is missing."""
    if vectors >= chunks:
        return None
    return (
        f"results are degraded: {chunks - vectors} of {chunks} passages have no vector (the vector "
        "store was deleted or a reindex was cut short), so only keyword search finds them; run "
        "`newsdesk reindex` to rebuild the vectors"
    )


@dataclass(frozen=True)
class DenseHit:
    article_id: str
    position: int
    similarity: float  # cosine similarity


class Vectors:
    def __init__(self, client: Any, model_id: str):
        self.client = client
        self.model_id = model_id
        self._collections: dict[str, Any] = {}
        self.max_batch = int(client.get_max_batch_size()) if hasattr(client, "get_max_batch_size") else 1000

    def collection(self, namespace: str, create: bool = True) -> Any | None:
        if namespace in self._collections:
            return self._collections[namespace]
        name = collection_name(namespace)
        try:
            col = self.client.get_collection(name, embedding_function=None)
        except Exception:  # chromadb raises NotFoundError / ValueError depending on version
            if not create:
                return None
            col = self.client.get_or_create_collection(
                name,
                metadata={"embedding_model": self.model_id, "namespace": namespace},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        built_with = (col.metadata or {}).get("embedding_model")
        if built_with and built_with != self.model_id:
            raise ModelMismatchError(
                f"the index for namespace {namespace!r} was built with the embedding model "
                f"{built_with!r}, but {self.model_id!r} is configured; run `newsdesk reindex` "
                "to rebuild it, or set NEWSDESK_EMBEDDER back"
            )
        self._collections[namespace] = col
        return col

    def _on_fresh(self, namespace: str, op: Callable[[Any], T], create: bool = True) -> T | None:
        """`op(collection)`; None when there is no collection and `create` is off. A handle taken
        before another process (a `newsdesk reindex`) dropped and rebuilt the collection points
        at one that no longer exists: the handle is taken again and `op` run once more."""
        for attempt in range(2):
            col = self.collection(namespace, create=create)
            if col is None:
                return None
            try:
                return op(col)
            except NotFoundError:
                self._collections.pop(namespace, None)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def drop(self, namespace: str) -> None:
        self._collections.pop(namespace, None)
        with contextlib.suppress(Exception):
            self.client.delete_collection(collection_name(namespace))

    def delete_articles(self, namespace: str, article_ids: Sequence[str]) -> None:
        if not article_ids:
            return

        def delete(col: Any) -> None:
            for i in range(0, len(article_ids), 500):
                col.delete(where={"article_id": {"$in": list(article_ids[i : i + 500])}})

        self._on_fresh(namespace, delete, create=False)

    def upsert(
        self, namespace: str, ids: list[str], embeddings: np.ndarray, metadatas: list[dict[str, Any]]
    ) -> None:

        def upsert(col: Any) -> None:
            for i in range(0, len(ids), self.max_batch):
                col.upsert(
                    ids=ids[i : i + self.max_batch],
                    embeddings=embeddings[i : i + self.max_batch],
                    metadatas=metadatas[i : i + self.max_batch],
                )

        self._on_fresh(namespace, upsert)

    # `query` first asks for this many times `n` neighbours unfiltered, and filters them itself
    PREFETCH = 4

    def query(
        self, namespace: str, vector: np.ndarray, n: int, where: dict[str, Any] | None
    ) -> list[DenseHit]:
        """The `n` nearest chunks that pass `where` (Chroma's filter dialect), nearest first.

        A filtered Chroma query is slow: Chroma first lists every id that passes the metadata
        filter (nearly all of them for an "as of" date) and then walks the graph with that list,
        200 ms against 9 ms unfiltered on a 51k-chunk index. So the `PREFETCH` × `n` nearest
        chunks are fetched unfiltered and filtered here; when at least `n` pass, the first `n`
        are the filtered answer (any passing chunk nearer than the n-th is among those fetched).
        When fewer pass (a narrow filter: one outlet, the last day), or the filter uses an
        operator `matches` does not know, Chroma filters."""
        return self._on_fresh(namespace, lambda col: self._nearest(col, vector, n, where), create=False) or []

    def _nearest(self, col: Any, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[DenseHit]:
        if where is not None and self.PREFETCH and known_filter(where):
            hits = self._query(col, vector, n * self.PREFETCH, None)
            passed = [hit for hit, meta in hits if matches(meta, where)]
            if len(passed) >= n or len(hits) < n * self.PREFETCH:
                return passed[:n]  # the second case: the whole collection was fetched
        return [hit for hit, _ in self._query(col, vector, n, where)]

    @staticmethod
    def _query(
        col: Any, vector: np.ndarray, n: int, where: dict[str, Any] | None
    ) -> list[tuple[DenseHit, dict[str, Any]]]:
        res = col.query(  # n_results above the collection's size returns what there is
            query_embeddings=vector.reshape(1, -1),
            n_results=n,
            where=where,
            include=["distances", "metadatas"],
        )
        hits = []
        for meta, dist in zip(res["metadatas"][0], res["distances"][0], strict=True):
            hit = DenseHit(str(meta["article_id"]), int(meta["position"]), 1.0 - float(dist))
            hits.append((hit, meta))
        return hits

    def article_vectors(self, namespace: str, article_id: str) -> np.ndarray:
        """The stored vectors of an article's chunks, in chunk order (none: shape (0, 0))."""

        def get(col: Any) -> np.ndarray:
            got = col.get(where={"article_id": article_id}, include=["embeddings", "metadatas"])
            embeddings = got.get("embeddings")
            if embeddings is None or len(embeddings) == 0:
                return np.zeros((0, 0), dtype=np.float32)
            order = sorted(range(len(embeddings)), key=lambda i: int(got["metadatas"][i]["position"]))
            return np.asarray([embeddings[i] for i in order], dtype=np.float32)

        found = self._on_fresh(namespace, get, create=False)
        return found if found is not None else np.zeros((0, 0), dtype=np.float32)

    def count(self, namespace: str) -> int:
        return self._on_fresh(namespace, lambda col: int(col.count()), create=False) or 0


_COMPARE = {
    "$eq": operator.eq,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def known_filter(where: dict[str, Any]) -> bool:
    """Whether `matches` can evaluate `where`: `$and` / `$or` of `{key: {op: value}}` or
    `{key: value}` clauses with the comparison operators above."""
    for key, cond in where.items():
        if key in ("$and", "$or"):
            ok = isinstance(cond, list) and all(isinstance(c, dict) and known_filter(c) for c in cond)
        elif isinstance(cond, dict):
            ok = not key.startswith("$") and len(cond) == 1 and next(iter(cond)) in _COMPARE
        else:
            ok = not key.startswith("$")
        if not ok:
            return False
    return True


def matches(meta: dict[str, Any] | None, where: dict[str, Any]) -> bool:
    """Chroma's metadata filter, evaluated on one record's metadata (a key the record lacks
    fails every comparison, as in Chroma)."""
    meta = meta or {}
    for key, cond in where.items():
        if key == "$and":
            ok = all(matches(meta, c) for c in cond)
        elif key == "$or":
            ok = any(matches(meta, c) for c in cond)
        else:
            op, value = next(iter(cond.items())) if isinstance(cond, dict) else ("$eq", cond)
            have = meta.get(key)
            try:
                ok = have is not None and bool(_COMPARE[op](have, value))
            except TypeError:  # a string compared with a number: Chroma matches nothing either
                ok = False
        if not ok:
            return False
    return True
