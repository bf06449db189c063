"""What watches cost per ingested article: a matching pass with 100 watches vs the ingest itself.

    .venv/bin/python -m benchmarks.watch_cost [--articles 200] [--watches 100] [--corpus PATH]

Real news (realtimeqa-2023), real stores on disk (Chroma + SQLite, a temporary data dir): the
first `--articles` articles are ingested with `Engine.ingest` (timed: chunk, embed, store, with
the ingest journal the watches read); `--watches` topics are the first three content words of
the titles of the articles that follow in the corpus (news of the same weeks: some match, most
do not). Then one pass of the checker as the bot runs it (`scan`: journal, article text, chunk
vectors from Chroma, matching against every watch; `record`: grouping into stories; `due`) is
timed over all the articles ingested, warm (the topics embedded when the watches were added).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.common import BENCH, read_corpus
from retrieval.app import App
from retrieval.ingest.loaders import article_from_record
from retrieval.settings import Settings
from retrieval.text.words import query_terms

NS = "bench"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=BENCH / "realtimeqa-2023" / "corpus.jsonl.gz")
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--watches", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--show", action="store_true", help="Print each match: topic, headline, sentence.")
    a = ap.parse_args()

    records = list(read_corpus(a.corpus, a.articles + a.watches * 2))
    articles = [article_from_record(r) for r in records[: a.articles]]
    topics: list[str] = []
    for r in records[a.articles :]:
        words = query_terms(str(r["title"]))[:3]
        topic = " ".join(words)
        if len(words) == 3 and topic.lower() not in {t.lower() for t in topics}:
            topics.append(topic)
    topics = topics[: a.watches]

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(NEWSDESK_DATA_DIR=Path(tmp) / "nd", NEWSDESK_EMBED_THREADS=a.threads)
        with App(settings) as app:
            engine, checker = app.engine, app.watch_checker
            engine.embedder.embed(["warm up"])
            for t in topics:
                checker.add(NS, t, channel_id=1)
            t0 = time.perf_counter()
            report = engine.ingest(articles, NS)
            ingest_s = time.perf_counter() - t0

            t0 = time.perf_counter()
            scan = checker.scan(NS)
            scan_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            checker.record(scan)
            due = checker.due(NS)
            record_s = time.perf_counter() - t0

    n = report.articles_added
    ingest_ms, pass_ms = ingest_s * 1000 / n, (scan_s + record_s) * 1000 / n
    print(f"articles ingested: {n} ({report.chunks_added} chunks), watches: {len(topics)}")
    print(f"ingest: {ingest_ms:.1f} ms/article")
    scan_ms, record_ms = scan_s * 1000 / n, record_s * 1000 / n
    print(f"watch pass: {pass_ms:.2f} ms/article (scan {scan_ms:.2f}, record+due {record_ms:.2f})")
    print(f"ratio: {100 * pass_ms / ingest_ms:.2f} % of the ingest time (target <= 5 %)")
    watched = len({f.watch.id for f in scan.found})
    print(f"matches: {len(scan.found)} (watch, report) pairs, {watched} watches; stories due: {len(due)}")
    print("sample topics:", "; ".join(topics[:5]))
    if a.show:
        for f in scan.found:
            m = f.match
            scores = f"lexical {m.lexical:.2f}, dense {m.dense:.2f}"
            print(f"- {f.watch.topic!r} → {f.article.title[:80]!r} ({scores})")
            print(f"    “{m.sentence[:200]}”")


if __name__ == "__main__":
    main()
