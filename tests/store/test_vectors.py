"""Vectors.query on a real on-disk Chroma: filtered queries give the nearest chunks that pass the
filter, whether they come from the unfiltered prefetch or from Chroma's own filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chromadb
import numpy as np
import pytest

from retrieval.store.vectors import Vectors, known_filter, matches

DIM = 16


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@pytest.fixture
def store(tmp_path: Path) -> tuple[Vectors, np.ndarray, list[dict[str, Any]]]:
    """200 random unit vectors: chunk i of article a{i}, published on day i % 40, source
    'wide.example' except every 50th, 'rare.example'."""
    client = chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    vectors = Vectors(client, "test-model")
    rng = np.random.default_rng(7)
    emb = unit(rng.normal(size=(200, DIM))).astype(np.float32)
    metas: list[dict[str, Any]] = [
        {
            "article_id": f"a{i}",
            "position": 0,
            "day": i % 40,
            "source": "rare.example" if i % 50 == 0 else "wide.example",
        }
        for i in range(200)
    ]
    vectors.upsert("default", [f"a{i}:0" for i in range(200)], emb, metas)
    return vectors, emb, metas


def exact(
    emb: np.ndarray, metas: list[dict[str, Any]], q: np.ndarray, n: int, where: dict[str, Any]
) -> list[str]:
    order = np.argsort(-(emb @ q), kind="stable")
    return [metas[i]["article_id"] for i in order if matches(metas[i], where)][:n]


def spy(vectors: Vectors) -> list[Any]:
    """Record the `where` of every query Chroma receives."""
    col = vectors.collection("default")
    assert col is not None
    seen: list[Any] = []
    real = col.query

    def query(**kw: Any) -> Any:
        seen.append(kw.get("where"))
        return real(**kw)

    col.query = query
    return seen


def test_a_wide_filter_is_applied_to_an_unfiltered_prefetch(store: Any) -> None:
    vectors, emb, metas = store
    calls = spy(vectors)
    q = unit(np.random.default_rng(1).normal(size=DIM)).astype(np.float32)
    where = {"$and": [{"day": {"$gte": 5}}, {"day": {"$lte": 35}}]}
    hits = vectors.query("default", q, 10, where)
    assert [h.article_id for h in hits] == exact(emb, metas, q, 10, where)
    assert all(5 <= metas[int(h.article_id[1:])]["day"] <= 35 for h in hits)
    assert calls == [None]  # one unfiltered query of 40; Chroma's filter was not needed
    sims = [h.similarity for h in hits]
    assert sims == sorted(sims, reverse=True)


def test_a_narrow_filter_falls_back_to_chromas_filter(store: Any) -> None:
    vectors, emb, metas = store
    calls = spy(vectors)
    rare = emb[[i for i in range(200) if i % 50 == 0]]
    q = unit(-rare.sum(axis=0)).astype(np.float32)  # far from the four rare chunks
    where = {"source": "rare.example"}
    hits = vectors.query("default", q, 3, where)
    assert [h.article_id for h in hits] == exact(emb, metas, q, 3, where)
    assert len(hits) == 3
    assert calls == [None, where]  # the prefetch of 12 held fewer than 3 rare chunks


def test_fewer_passing_chunks_than_asked_for_returns_them_all(store: Any) -> None:
    vectors = store[0]
    q = unit(np.ones(DIM)).astype(np.float32)
    where = {"source": {"$eq": "rare.example"}}
    assert sorted(h.article_id for h in vectors.query("default", q, 10, where)) == [
        "a0",
        "a100",
        "a150",
        "a50",
    ]


def test_an_unknown_operator_is_left_to_chroma(store: Any) -> None:
    vectors, emb, metas = store
    calls = spy(vectors)
    q = unit(np.ones(DIM)).astype(np.float32)
    where = {"day": {"$in": [1, 2]}}
    hits = vectors.query("default", q, 5, where)
    nearest = [f"a{i}" for i in np.argsort(-(emb @ q), kind="stable") if metas[i]["day"] in (1, 2)]
    assert [h.article_id for h in hits] == nearest[:5]
    assert calls == [where]


def test_matches_follows_chromas_filter_rules() -> None:
    meta = {"day": 10, "source": "cnn.com"}
    assert matches(meta, {"day": {"$lte": 10}})
    assert not matches(meta, {"day": {"$lt": 10}})
    assert matches(meta, {"source": "cnn.com"})
    assert matches(meta, {"$and": [{"day": {"$gte": 9}}, {"source": {"$eq": "cnn.com"}}]})
    assert not matches(meta, {"$and": [{"day": {"$gte": 11}}, {"source": {"$eq": "cnn.com"}}]})
    assert matches(meta, {"$or": [{"day": {"$gte": 11}}, {"source": "cnn.com"}]})
    # an article with no date has no "day": every comparison on it fails, as in Chroma
    assert not matches({"source": "cnn.com"}, {"day": {"$lte": 10}})
    assert not matches(meta, {"source": {"$gt": 3}})  # a string against a number
    assert known_filter({"$and": [{"day": {"$gte": 1}}, {"source": "x"}]})
    assert not known_filter({"day": {"$in": [1, 2]}})
    assert not known_filter({"$not": [{"day": 1}]})
