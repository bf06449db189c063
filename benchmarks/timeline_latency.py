"""Timeline latency (warm, extractive): `newsdesk timeline` / `/timeline`, "latest" questions,
and the coverage chart.

    .venv/bin/python -m benchmarks.timeline_latency [--chunks 100000] [--calls 100] [--asks 50]
        [--keep DIR]

The index is ask_latency's (real chunk texts of the 2023 benchmark corpus, repeated with new ids
when more are needed, random unit vectors): BM25, Chroma's HNSW, the SQLite lookups, the
relevance floor, grouping and quoting do their real work; the dense scores are those of random
vectors, so the floor rests on the lexical coverage, as it does for a topic whose words are
rare. Each call embeds the topic with the real model.

Timed: `Timelines.build(topic, as_of=DAY)` with the default 30-day window, for stories of the
corpus asked as of days they were in the news (each topic's report days, spread); the same
topics over the whole corpus (since 2022-01-01: the largest timelines); `latest_answer` on
"what's the latest on TOPIC?" as of those days; drawing the chart of a timeline; and, as a
yardstick for what else is running on the machine, `ask` on `--asks` benchmark questions (its
quiet-machine figure is in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from benchmarks.ask_latency import open_index
from benchmarks.common import BENCH, percentile, time_asks
from retrieval.engine import Engine
from retrieval.follow.chart import coverage_per_day, draw_chart
from retrieval.follow.latest import latest_answer
from retrieval.follow.timeline import Timelines

TOPICS = (
    "debt ceiling",
    "Titan submersible",
    "Trump indictment",
    "Silicon Valley Bank",
    "Chinese spy balloon",
    "Turkey earthquake",
    "Ukraine counteroffensive",
    "Federal Reserve interest rates",
    "Hunter Biden",
    "Maui wildfires",
    "Israel Hamas war",
    "Wagner mutiny",
)
EVERYTHING = date(2022, 1, 1)
DAYS_PER_TOPIC = 10


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _line(label: str, times: list[float], extra: str = "") -> None:
    print(
        f"{label}: p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
        f"max {max(times):.1f} ms over {len(times)} calls{extra}"
    )


def news_days(timelines: Timelines) -> list[tuple[str, date]]:
    """(topic, a day it was in the news), DAYS_PER_TOPIC days per topic spread over its reports."""
    calls = []
    for topic in TOPICS:
        whole = timelines.build(topic, "default", since=EVERYTHING)
        days = sorted({e.day for e in whole.entries})
        step = max(1, len(days) // DAYS_PER_TOPIC)
        calls += [(topic, d) for d in days[::step][:DAYS_PER_TOPIC]]
    return calls


def ask_reference(engine: Engine, corpus: Path, n: int) -> None:
    """`ask` on the same index at the same moment: a yardstick for the shared cores' load."""
    rows = (corpus.parent / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    _line(
        "ask, for reference (realtimeqa-2023 questions)",
        time_asks(engine, [json.loads(r)["question"] for r in rows]),
    )


def run(timelines: Timelines, calls: int) -> None:
    asked = news_days(timelines)
    plan = [asked[i % len(asked)] for i in range(calls)]
    for topic, day in plan[:10]:  # warm
        timelines.build(topic, "default", as_of=day)
    times, built = [], []
    for topic, day in plan:
        t0 = time.perf_counter()
        built.append(timelines.build(topic, "default", as_of=day))
        times.append((time.perf_counter() - t0) * 1000)
    entries = sum(len(t.entries) for t in built) / len(built)
    reports = sum(len(t.reports) for t in built) / len(built)
    _line("timeline, 30 days as of a news day", times, f" ({entries:.1f} entries from {reports:.1f} reports)")
    times, most = [], 0
    for topic in TOPICS:
        t0 = time.perf_counter()
        whole = timelines.build(topic, "default", since=EVERYTHING)
        times.append((time.perf_counter() - t0) * 1000)
        most = max(most, len(whole.entries))
    _line("timeline, whole corpus (since 2022-01-01)", times, f" (up to {most} entries)")
    times = []
    for topic, day in plan:
        t0 = time.perf_counter()
        latest_answer(timelines, f"what's the latest on {topic}?", "default", as_of=day)
        times.append((time.perf_counter() - t0) * 1000)
    _line("latest question (latest_answer)", times)
    biggest = max(built, key=lambda t: len(coverage_per_day(t)))
    days = coverage_per_day(biggest)
    draw_chart(days, biggest.topic)  # warm: matplotlib's import and fonts
    times = _timed(lambda: draw_chart(days, biggest.topic), 20)
    _line(f"chart ({len(days)} days)", times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--asks", type=int, default=50, help="time `ask` on this many questions too (0: not)")
    ap.add_argument("--corpus", type=Path, default=BENCH / "realtimeqa-2023" / "corpus.jsonl.gz")
    ap.add_argument("--keep", type=Path, help="build the index once under this folder and reuse it")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = a.keep / str(a.chunks) if a.keep else Path(tmp)
        app = open_index(data_dir, a.chunks, a.corpus)
        engine = app.engine
        run(app.timelines, a.calls)
        if a.asks:
            ask_reference(engine, a.corpus, a.asks)
        app.close()


if __name__ == "__main__":
    main()
