"""benchmarks/reference_bm25.py: the in-memory BM25 × recency reference over newsdesk's chunks."""

from __future__ import annotations

from datetime import date

from benchmarks.reference_bm25 import ChunkIndex, ReferenceBM25
from retrieval.ingest.chunking import Chunker
from retrieval.text.terms import Terms
from retrieval.text.tokens import load_encoding

ARTICLES = [
    {"id": "old", "url": "u/old", "published": "2023-01-01", "text": "The ferry strike ended after talks."},
    {"id": "new", "url": "u/new", "published": "2023-01-09", "text": "Ferry crews voted on the strike deal."},
    {"id": "late", "url": "u/late", "published": "2023-02-01", "text": "A ferry strike began again."},
    {"id": "undated", "url": "u/undated", "published": "", "text": "Ferry strike news."},
    {"id": "other", "url": "u/other", "published": "2023-01-08", "text": "Snow closed the schools."},
]


def _bm25(recency_days: float) -> tuple[ChunkIndex, ReferenceBM25]:
    terms = Terms()
    index = ChunkIndex.build(ARTICLES, Chunker(load_encoding(), max_tokens=64, overlap=8), terms)
    return index, ReferenceBM25(index, terms, recency_days)


def test_index_holds_one_chunk_per_short_dated_article_with_its_stemmed_postings() -> None:
    index, _ = _bm25(30)
    assert index.urls == ["u/old", "u/new", "u/late", "u/other"]
    assert index.postings["strike"] == ([0, 1, 2], [1, 1, 1])
    assert index.postings["ferri"] == ([0, 1, 2], [1, 1, 1])  # Snowball: ferry, ferries → ferri


def test_search_is_as_of_the_date_and_weights_recency() -> None:
    index, bm25 = _bm25(30)
    hits = bm25.search("ferry strike?", as_of=date(2023, 1, 10), k=10)
    # "late" is published after the date, "other" shares no word; the shorter old chunk scores
    # higher on its text, but 9 days of age (÷1.3) against 1 (÷1.03) put the newer one first
    assert [index.urls[i] for i in hits] == ["u/new", "u/old"]
    hits = bm25.search("ferry strike talks", as_of=date(2023, 1, 10), k=10)
    assert [index.urls[i] for i in hits] == ["u/old", "u/new"]  # "talks" outweighs 8 days of age
    assert [index.urls[i] for i in bm25.search("ferry strike", as_of=date(2023, 3, 1), k=1)] == ["u/late"]
    assert bm25.search("volcano", as_of=date(2023, 3, 1), k=10) == []
