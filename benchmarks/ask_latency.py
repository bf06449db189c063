"""`ask` latency, warm, at 10k and 100k chunks (extractive mode, CPU).

    .venv/bin/python -m benchmarks.ask_latency [--chunks 10000 100000] [--questions 50] [--keep DIR]
        [--as-of]

With --as-of, each size is timed a second time with every question asked as of its own date
(`newsdesk ask --as-of`, the way `newsdesk eval` asks): the search then filters by date.

With --keep, each index is built once under DIR/<chunks> and reused by later runs (building
100k chunks takes a quarter of an hour here).

The index holds real chunk texts cut from the 2023 benchmark corpus (repeated with new ids when
more are needed) with random unit vectors: BM25, Chroma's HNSW, SQLite lookups and the answerer
do their real work, and only building the index skips the embedder (100k chunks would take over
an hour to embed here). Each query embeds the question with the real model.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from benchmarks.common import BENCH, peak_rss_mb, percentile, read_corpus, time_asks
from retrieval.app import App
from retrieval.engine import Engine
from retrieval.ingest.articles import Article
from retrieval.ingest.chunking import Chunk
from retrieval.ingest.loaders import article_from_record
from retrieval.settings import Settings


def build(engine: Engine, n_chunks: int, corpus: Path, rng: np.random.Generator) -> int:
    base = [article_from_record(r) for r in read_corpus(corpus, 4000)]
    written, copy = 0, 0
    seen: set[str] = set()  # a few corpus URLs share a canonical form (one article id)
    while written < n_chunks:
        batch: list[tuple[Article, list[Chunk]]] = []
        for art in base:
            if written >= n_chunks:
                break
            a = Article(
                title=art.title,
                text=art.text,
                # a new path per copy: the article id comes from the canonical URL (no query)
                url=art.url if copy == 0 else f"{art.url.rstrip('/')}/copy-{copy}",
                source=art.source,
                published=art.published or date(2023, 1, 1),
            )
            if a.id in seen:
                continue
            seen.add(a.id)
            chunks = engine.chunker.chunk(a.id, a.text)[: n_chunks - written]
            batch.append((a, chunks))
            written += len(chunks)
            if len(batch) == 200:
                _write(engine, batch, rng)
                batch = []
        if batch:
            _write(engine, batch, rng)
        copy += 1
    return written


def open_index(data_dir: Path, chunks: int, corpus: Path) -> App:
    """An App on an index of `chunks` chunks in `data_dir`, built from the corpus unless it is
    there already (a `--keep` folder holding another size is refused)."""
    app = App(Settings(NEWSDESK_DATA_DIR=data_dir))
    engine = app.engine
    t0 = time.perf_counter()
    written = engine.catalog.lexical_rows()
    if written != chunks:
        if written:
            app.close()
            raise SystemExit(f"{data_dir} holds {written} chunks, not {chunks}: remove it first")
        written = build(engine, chunks, corpus, np.random.default_rng(7))
    articles = engine.catalog.count_articles("default")
    print(f"index: {written} chunks, {articles} articles (ready in {time.perf_counter() - t0:.0f} s)")
    return app


def _write(engine: Engine, batch: list[tuple[Article, list[Chunk]]], rng: np.random.Generator) -> None:
    n = sum(len(c) for _, c in batch)
    vecs = rng.normal(size=(n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    engine.store.write("default", batch, vecs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--corpus", type=Path, default=BENCH / "realtimeqa-2023" / "corpus.jsonl.gz")
    ap.add_argument("--keep", type=Path, help="build each index once under this folder and reuse it")
    ap.add_argument("--as-of", action="store_true", help="also time each question as of its own date")
    a = ap.parse_args()
    qpath = a.corpus.parent / "questions.jsonl"
    rows = [json.loads(line) for line in qpath.open(encoding="utf-8")][: a.questions]
    questions = [r["question"] for r in rows]
    dates = [date.fromisoformat(r["date"][:10]) for r in rows]
    rng = np.random.default_rng(7)
    for n in a.chunks:
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = a.keep / str(n) if a.keep else Path(tmp)
            services = App(Settings(NEWSDESK_DATA_DIR=data_dir))
            engine = services.engine
            t0 = time.perf_counter()
            written = engine.catalog.lexical_rows()
            built = "reused"
            if written != n:
                if written:
                    services.close()
                    raise SystemExit(f"{data_dir} holds {written} chunks, not {n}: remove it first")
                written = build(engine, n, a.corpus, rng)
                if engine.catalog.lexical_rows() != written:
                    raise SystemExit(f"built {engine.catalog.lexical_rows()} distinct chunks, not {written}")
                built = f"built in {time.perf_counter() - t0:.0f} s"
            runs = [("", time_asks(engine, questions))]
            if a.as_of:
                runs.append((", as of each question's date", time_asks(engine, questions, as_of=dates)))
            services.close()
        for label, times in runs:
            print(
                f"{written:>7} chunks ({built}){label}: ask p50 {percentile(times, 50):.1f} ms, "
                f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms over {len(times)} questions"
            )
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
