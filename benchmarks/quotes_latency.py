"""`quotes` latency (warm), what the attributions table adds to the state database, and
extraction's share of ingest time.

    .venv/bin/python -m benchmarks.quotes_latency [--chunks 10000] [--queries 200] [--keep DIR]
        [--articles 150] [--asks 50]

The index is ask_latency's (real chunk texts of the 2023 benchmark corpus, repeated with new ids
when more are needed, random unit vectors); writing it runs the real attribution extraction, so
the attributions table holds what ingest would store. Timed: `AttributionStore.find`, what
`newsdesk quotes` and `/quotes` run, for the index's most quoted speakers asked by surname and by
full name, half of them with a topic; and the speaker autocomplete (`speakers`, 2-letter
prefixes); with --asks, `ask` end to end on speaker questions ("what did SURNAME say about
TOPIC?", "what has FULL NAME said?"). Size: the SQLite file, and the same file with the
attributions table and its indexes dropped (both VACUUMed). Extraction's share: extract() on
`--articles` corpus articles against the embedder on their chunks (what ingest spends its time
on), one process, warm.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.ask_latency import open_index
from benchmarks.common import BENCH, percentile, read_corpus, time_asks
from retrieval.app import App
from retrieval.attribution.speakers import extract
from retrieval.attribution.store import AttributionStore
from retrieval.engine import Engine
from retrieval.ingest.loaders import article_from_record


def _ms(fn: Callable[..., object], calls: Sequence[tuple[Any, ...]]) -> list[float]:
    times = []
    for args in calls:
        t0 = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def time_quotes(index: AttributionStore, queries: int) -> None:
    people = [s for s in index.speakers("default", "", 500) if len(s.split()) >= 2]
    rnd = random.Random(7)
    topics = ["election", "economy", "war", "police", "court", "prices", "climate", "vote"]
    calls: list[tuple[Any, ...]] = []
    for i in range(queries):
        name = people[i % len(people)]
        who = name.split()[-1] if i % 2 else name
        calls.append(("default", who, rnd.choice(topics) if i % 4 >= 2 else None))
    _ms(index.find, calls[:20])  # warm
    times = _ms(index.find, calls)
    found = sum(len(index.find(*c)) for c in calls[:50]) / 50
    print(
        f"quotes (AttributionStore.find): p50 {percentile(times, 50):.1f} ms, p95 "
        f"{percentile(times, 95):.1f} ms, max {max(times):.1f} ms over {len(times)} queries "
        f"({len(people)} named people; {found:.1f} statements per answer on average)"
    )
    prefixes = [("default", p[:2].lower(), 25) for p in people[:queries]]
    times = _ms(index.speakers, prefixes)
    print(
        f"speaker autocomplete (speakers, 2 letters): p50 {percentile(times, 50):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms over {len(times)} prefixes"
    )


def time_speaker_asks(engine: Engine, index: AttributionStore, questions: int) -> None:
    """`ask` end to end on speaker questions, answered from the attributions first."""
    people = [s for s in index.speakers("default", "", 500) if len(s.split()) >= 2]
    topics = ["the election", "the economy", "the war", "prices", "the court ruling"]
    asked = [
        f"what did {p.split()[-1]} say about {topics[i % len(topics)]}?" if i % 2 else f"what has {p} said?"
        for i, p in enumerate(people[:questions])
    ]
    times = time_asks(engine, asked)
    spoken = sum(1 for q in asked[:20] if engine.ask(q).mode == "extractive")
    print(
        f"ask, speaker questions: p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms "
        f"over {len(times)} questions ({spoken} of the first 20 answered)"
    )


def size_without_attributions(db: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copy(db, copy)
        conn = sqlite3.connect(copy)
        conn.execute("VACUUM")
        full = copy.stat().st_size
        rows = conn.execute("SELECT COUNT(*) FROM attributions").fetchone()[0]
        conn.execute("DROP TABLE attributions")
        conn.execute("VACUUM")
        conn.close()
        without = copy.stat().st_size
    print(
        f"state database: {full / 1e6:.1f} MB with {rows} attributions, {without / 1e6:.1f} MB "
        f"without: the table and its indexes add {(full - without) / 1e6:.1f} MB "
        f"({100 * (full - without) / without:.1f} %)"
    )


def extraction_share(app: App, corpus: Path, n: int) -> None:
    articles = [article_from_record(r) for r in read_corpus(corpus, n)]
    engine = app.engine
    texts = [f"{a.title}\n{c.text}" for a in articles for c in engine.chunker.chunk(a.id, a.text)]
    engine.embedder.embed(texts[:8])  # warm
    t0 = time.perf_counter()
    for a in articles:
        extract(a.text)
    t_extract = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.embedder.embed(texts)
    t_embed = time.perf_counter() - t0
    print(
        f"extraction on {len(articles)} articles ({len(texts)} chunks): {t_extract:.2f} s; the embedder "
        f"on their chunks {t_embed:.1f} s: extraction adds {100 * t_extract / t_embed:.1f} % to the "
        "embedding time"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--asks", type=int, default=0, help="also time `ask` on this many speaker questions")
    ap.add_argument("--articles", type=int, default=150, help="articles for extraction's share")
    ap.add_argument("--corpus", type=Path, default=BENCH / "realtimeqa-2023" / "corpus.jsonl.gz")
    ap.add_argument("--keep", type=Path, help="build the index once under this folder and reuse it")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = a.keep / str(a.chunks) if a.keep else Path(tmp)
        app = open_index(data_dir, a.chunks, a.corpus)
        engine = app.engine
        time_quotes(app.attributions, a.queries)
        if a.asks:
            time_speaker_asks(engine, app.attributions, a.asks)
        if a.articles:
            extraction_share(app, a.corpus, a.articles)
        app.close()
        size_without_attributions(Path(app.settings.state_db))


if __name__ == "__main__":
    main()
