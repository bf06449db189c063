"""Ingest throughput: newsdesk's pipeline vs the raw embedder alone vs the newcomer's path.

    .venv/bin/python -m benchmarks.ingest_throughput [--articles 150] [--corpus PATH]

(a) newsdesk: Engine.ingest (load, clean, chunk, embed, Chroma + SQLite) on real on-disk stores;
(b) raw embedder: LocalEmbedder.embed on exactly the texts (a) embedded, nothing else;
(c) newcomer: the same chunk texts added to Chroma with `documents=` and Chroma's own default
    embedding function (model files put in place offline).
The ratio (a)/(b) says how much the pipeline costs around the embedder; (a)/(c) what it gains.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import chromadb

from benchmarks.common import BENCH, install_chroma_default_model, peak_rss_mb, read_corpus
from retrieval.app import App
from retrieval.ingest.loaders import article_from_record
from retrieval.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=BENCH / "realtimeqa-2023" / "corpus.jsonl.gz")
    ap.add_argument("--articles", type=int, default=150)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    articles = [article_from_record(r) for r in read_corpus(a.corpus, a.articles)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(NEWSDESK_DATA_DIR=Path(tmp) / "nd", NEWSDESK_EMBED_THREADS=a.threads)
        services = App(settings)
        engine = services.engine
        engine.embedder.embed(["warm up"])
        t0 = time.perf_counter()
        report = engine.ingest(articles)
        t_pipeline = time.perf_counter() - t0
        stats = engine.stats()
        # the exact texts the pipeline embedded
        texts = [f"{art.title}\n{c.text}" for art in articles for c in engine.chunker.chunk(art.id, art.text)]
        t0 = time.perf_counter()
        engine.embedder.embed(texts)
        t_raw = time.perf_counter() - t0
        services.close()

        install_chroma_default_model()
        client = chromadb.PersistentClient(
            path=str(Path(tmp) / "newcomer"), settings=chromadb.Settings(anonymized_telemetry=False)
        )
        col = client.get_or_create_collection("news")  # default embedding function
        chunk_texts = [c.split("\n", 1)[1] for c in texts]
        t0 = time.perf_counter()
        for i in range(0, len(chunk_texts), 64):
            part = chunk_texts[i : i + 64]
            col.add(ids=[f"c{i + j}" for j in range(len(part))], documents=part)
        t_newcomer = time.perf_counter() - t0

    n_art, n_chunks, n_tok = report.articles_added, stats["chunks"], stats["tokens"]
    print(f"corpus: {a.corpus.name}, {n_art} articles, {n_chunks} chunks, {n_tok} tokens")
    rows = (("newsdesk ingest", t_pipeline), ("raw embedder", t_raw), ("newcomer chroma", t_newcomer))
    for name, t in rows:
        print(
            f"{name:16s} {t:8.1f} s  {n_art / t:6.2f} articles/s  {n_chunks / t:6.2f} chunks/s  "
            f"{n_tok / t:8.0f} tokens/s"
        )
    print(f"ratio newsdesk / raw embedder: {t_raw / t_pipeline:.3f}")
    print(f"ratio newsdesk / newcomer: {t_newcomer / t_pipeline:.2f}x faster")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
