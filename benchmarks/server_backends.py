"""Embedded store vs Chroma server + PostgreSQL: ingest throughput and `ask` latency, side by side.

    .venv/bin/python -m benchmarks.server_backends [--articles 60] [--chunks 3000] [--questions 30]

For each backend, on loopback servers started here (`chroma run`, a throw-away PostgreSQL
cluster, as in the tests):
  1. ingest: `engine.ingest` of the first N corpus articles with the real embedder
     (articles/s and chunks/s, end to end);
  2. store writes: `store.write` of chunks with precomputed (random) vectors, which is the
     part the backend changes (vectors to Chroma, rows + BM25 postings to the database);
  3. ask: warm `engine.ask` latency (real question embedding, BM25, HNSW, answerer) on an
     index of --chunks chunks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks.ask_latency import build
from benchmarks.common import BENCH, percentile, read_corpus, time_asks
from retrieval.app import App
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.ingest.loaders import article_from_record
from retrieval.settings import Settings
from tests.support.servers import chroma_server, postgres_server


@contextlib.contextmanager
def backend_settings(name: str, tmp: Path) -> Iterator[Settings]:
    if name == "embedded":
        yield Settings(NEWSDESK_DATA_DIR=tmp / "data")
        return
    with chroma_server(tmp) as chroma, postgres_server() as pg:
        yield Settings(
            NEWSDESK_DATA_DIR=tmp / "data",
            CHROMA_HOST=chroma.host,
            CHROMA_PORT=chroma.port,
            NEWSDESK_DATABASE_URL=pg.new_database(),
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--chunks", type=int, default=3000)
    ap.add_argument("--questions", type=int, default=30)
    ap.add_argument("--corpus", type=Path, default=BENCH / "realtimeqa-2023" / "corpus.jsonl.gz")
    a = ap.parse_args()
    questions = [
        json.loads(line)["question"] for line in (a.corpus.parent / "questions.jsonl").open(encoding="utf-8")
    ][: a.questions]
    articles = [article_from_record(r) for r in read_corpus(a.corpus, a.articles)]
    embedder = LocalEmbedder(batch_size=32, threads=2)
    for name in ("embedded", "server"):
        with tempfile.TemporaryDirectory() as tmp, backend_settings(name, Path(tmp)) as settings:
            services = App(settings, embedder=embedder)
            engine = services.engine
            t0 = time.perf_counter()
            report = engine.ingest(articles, namespace="ingest")
            t_ingest = time.perf_counter() - t0
            t0 = time.perf_counter()
            written = build(engine, a.chunks, a.corpus, np.random.default_rng(7))
            t_write = time.perf_counter() - t0
            times = time_asks(engine, questions)
            services.close()
        print(
            f"{name:>8}: ingest {report.articles_added} articles / {report.chunks_added} chunks in "
            f"{t_ingest:.1f} s ({report.articles_added / t_ingest:.2f} articles/s, "
            f"{report.chunks_added / t_ingest:.1f} chunks/s); store writes {written / t_write:.0f} chunks/s "
            f"({written} chunks); ask p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms "
            f"over {len(times)} questions"
        )


if __name__ == "__main__":
    main()
