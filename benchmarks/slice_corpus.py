"""A small slice of a benchmark corpus for smoke runs (CI): the articles published in the weeks
before the first N questions, newest first, at most M of them.

    .venv/bin/python -m benchmarks.slice_corpus BENCH_DIR OUT.jsonl.gz [--questions 50] [--articles 300]
"""

from __future__ import annotations

import argparse
import gzip
import json
from datetime import date, timedelta
from pathlib import Path

from benchmarks.common import read_corpus


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--days", type=int, default=21)
    a = ap.parse_args()
    with (a.bench_dir / "questions.jsonl").open(encoding="utf-8") as fh:
        dates = [date.fromisoformat(json.loads(line)["date"]) for line in fh][: a.questions]
    lo, hi = min(dates) - timedelta(days=a.days), max(dates)
    keep = []
    for row in read_corpus(a.bench_dir / "corpus.jsonl.gz"):
        published = row.get("published")
        if isinstance(published, str) and lo <= date.fromisoformat(published[:10]) <= hi:
            keep.append(row)
    keep.sort(key=lambda r: (str(r["published"]), str(r["id"])), reverse=True)
    keep = keep[: a.articles]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(a.out, "wt", encoding="utf-8") as fh:
        for row in keep:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(keep)} articles published {lo} .. {hi} -> {a.out}")


if __name__ == "__main__":
    main()
