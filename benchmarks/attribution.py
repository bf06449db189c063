"""Attribution extraction on PolNeAR (who said what), with the code ingest runs.

    .venv/bin/python -m benchmarks.attribution ../shared/bench/polnear/dev.jsonl --out RUN.jsonl
    python3 ../shared/bench/polnear/score.py ../shared/bench/polnear/dev.jsonl RUN.jsonl

Writes one run line per article (content and source spans, cue, resolved speaker) and prints
the extraction speed (articles/s and words/s, text in memory, one process).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from pathlib import Path
from typing import Any

from retrieval.attribution.speakers import extract


def _lines(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=0, help="first N articles only (smoke run)")
    args = ap.parse_args()
    articles = _lines(args.gold)
    if args.limit:
        articles = articles[: args.limit]
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for art in articles:
        text = str(art["text"])
        found = extract(text)
        rows.append(
            {
                "id": art["id"],
                "attributions": [
                    {
                        "content": [list(p) for p in a.content],
                        "source": [list(a.source)] if a.source else [],
                        "cue": [list(a.cue)],
                        "speaker": a.speaker,
                        "direct": a.direct,
                    }
                    for a in found
                ],
            }
        )
    seconds = time.perf_counter() - t0
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    words = sum(len(re.findall(r"\w+", str(a["text"]))) for a in articles)
    found_n = sum(len(r["attributions"]) for r in rows)
    print(
        f"{len(articles)} articles, {found_n} attributions in {seconds:.2f} s: "
        f"{len(articles) / seconds:.0f} articles/s, {words / seconds:.0f} words/s"
    )


if __name__ == "__main__":
    main()
