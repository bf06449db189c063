"""How often could any retriever find the answer? For each non-boolean question, whether the
correct choice's text occurs in a corpus article published in the N days up to the question's
date (the same matching rule as score.py's answer_recall), per quiz source. With a run file,
also that run's answer_recall@5 and how many questions it missed although the answer was in the
first window (over the run's questions only).

    .venv/bin/python -m benchmarks.answer_ceiling ../shared/bench/realtimeqa-2023 \
        [--run runs/realtimeqa-2023.jsonl] [--days 7 30]

It reads the questions' answers, so it is an analysis of the benchmark, never part of newsdesk.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.common import read_corpus
from retrieval.evaluation import find_scorer


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("realtimeqa_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Dated:
    day: int  # date.toordinal()
    text: str  # normalised title + text


class AnswerCeiling:
    """The corpus's dated articles, oldest first, for asking how old the newest mention of a
    phrase was on a given day."""

    def __init__(self, articles: Iterable[dict[str, Any]], normalize: Callable[[str], str]):
        dated = []
        for a in articles:
            published = a.get("published")
            if isinstance(published, str) and published:
                day = date.fromisoformat(published[:10]).toordinal()
                dated.append(Dated(day, normalize(f"{a.get('title') or ''} {a.get('text') or ''}")))
        dated.sort(key=lambda d: d.day)
        self.articles = dated
        self.days = [d.day for d in dated]
        self.normalize = normalize

    def newest_age(self, phrase: str, as_of: date, contains: Callable[[str, str], bool]) -> int | None:
        """Age in days of the newest article up to `as_of` that holds `phrase`, or None."""
        today = as_of.toordinal()
        needle = self.normalize(phrase)
        for i in range(bisect.bisect_right(self.days, today) - 1, -1, -1):
            if contains(self.articles[i].text, needle):
                return today - self.articles[i].day
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench_dir", type=Path, help="a benchmark folder: corpus.jsonl.gz, questions.jsonl")
    ap.add_argument("--run", type=Path, help="a run file to compare (answer_recall@5)")
    ap.add_argument("--days", type=int, nargs="+", default=[7, 30])
    ap.add_argument("--scorer", type=Path, help="score.py (default: beside or above the bench folder)")
    a = ap.parse_args()
    scorer_path = a.scorer or find_scorer(a.bench_dir / "questions.jsonl")
    if scorer_path is None:
        raise SystemExit("score.py not found: pass --scorer")
    score = load_scorer(scorer_path)
    ceiling = AnswerCeiling(read_corpus(a.bench_dir / "corpus.jsonl.gz"), score.normalize_text)
    questions = score.read_jsonl(str(a.bench_dir / "questions.jsonl"))
    run = {}
    if a.run:
        with a.run.open(encoding="utf-8") as fh:
            run = {r["id"]: r for r in map(json.loads, fh)}
        questions = [q for q in questions if q["id"] in run]  # a --limit run: its questions only

    def contains(text: str, needle: str) -> bool:
        return bool(score._spans(text, needle))

    # column → the oldest an article holding the answer may be, in days
    windows: dict[str, float] = {f"≤{d}d": d for d in sorted(a.days)} | {"any": math.inf}
    first = min(a.days)
    counts: dict[str, Counter[str]] = {}
    for q in questions:
        if score.is_boolean_question(q["choices"]):
            continue
        age = ceiling.newest_age(q["answer"], date.fromisoformat(q["date"]), contains)
        for source in (q["source"], "ALL"):
            c = counts.setdefault(source, Counter())
            c["questions"] += 1
            for label, oldest in windows.items():
                c[label] += age is not None and age <= oldest
            if run:
                texts = [p.get("text") or "" for p in run.get(q["id"], {}).get("retrieved", [])[:5]]
                got = any(score.contains_phrase(t, q["answer"]) for t in texts)
                c["run"] += got
                c["missed"] += (not got) and age is not None and age <= first
    head = ["source", "questions", *windows]
    if run:
        head += ["run ans_rec@5", f"missed, in ≤{first}d"]
    print(" | ".join(head))
    for source in sorted(counts, key=lambda s: (s == "ALL", s)):
        c = counts[source]
        n = c["questions"]
        cells = [source, str(n), *(f"{c[label] / n:.3f}" for label in windows)]
        if run:
            cells += [f"{c['run'] / n:.3f}", f"{c['missed'] / n:.3f}"]
        print(" | ".join(cells))


if __name__ == "__main__":
    main()
