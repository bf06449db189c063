"""Answerer experiments without re-running retrieval: each question's passages are retrieved once
(as `newsdesk eval` retrieves them: as of the question's date, k = 10) and cached, then the
extractive answerer is replayed over the cache and scored with score.py's answer_accuracy rule.
The replayed figure equals `newsdesk eval`'s for the same index and answerer.

    .venv/bin/python -m benchmarks.answer_replay ../shared/bench/realtimeqa-2023 \
        --data-dir data/eval-realtimeqa-2023 --cache runs/passages-2023.jsonl.gz [--compare-full-names]

The first run fills the cache (1,409 questions: about 2.5 min here); later runs take about 30 s.
Besides answer_accuracy it sorts the answers: correct, correct + a wrong choice, only wrong
choices, no choice at all, no answer, each split by whether the best five passages hold the
correct choice. `--compare-full-names` also replays without the "[Full Name]" additions
(retrieval/answer/fullnames.py) and lists the questions that differ. It reads the answers, so it is an
analysis of the benchmark, never part of newsdesk.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.answer_ceiling import load_scorer
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.app import App
from retrieval.engine import Engine
from retrieval.evaluation import find_scorer, read_questions
from retrieval.ingest.articles import parse_date
from retrieval.results import Passage
from retrieval.settings import Settings

Cached = dict[str, tuple[str, list[Passage]]]


def fill_cache(engine: Engine, questions_file: Path, cache: Path, k: int, limit: int | None) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(cache, "wt", encoding="utf-8") as fh:
        for q in read_questions(questions_file, limit):
            passages = engine.search(q.question, k=k, as_of=parse_date(q.date))
            rows = [
                {**asdict(p), "published": p.published.isoformat() if p.published else None} for p in passages
            ]
            fh.write(json.dumps({"id": q.id, "question": q.question, "passages": rows}) + "\n")


def read_cache(cache: Path) -> Cached:
    out: Cached = {}
    with gzip.open(cache, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            passages = [
                Passage(**{**p, "published": date.fromisoformat(p["published"]) if p["published"] else None})
                for p in row["passages"]
            ]
            out[row["id"]] = (row["question"], passages)
    return out


def replay(answerer: ExtractiveAnswerer, cached: Cached) -> dict[str, str]:
    """Each question's answer text ("" when nothing was found)."""
    out = {}
    for qid, (question, passages) in cached.items():
        answer = answerer.answer(question, passages)
        out[qid] = answer.text if answer.found else ""
    return out


def kinds(
    answers: dict[str, str], cached: Cached, questions: dict[str, dict[str, Any]], score: ModuleType
) -> Counter[tuple[str, bool]]:
    """How each answer stands against the choices, and whether the best 5 passages hold the answer."""
    out: Counter[tuple[str, bool]] = Counter()
    for qid, text in answers.items():
        q = questions[qid]
        gold = q["choices"][q["answer_index"]]
        in_top5 = any(score.contains_phrase(p.text, gold) for p in cached[qid][1][:5])
        hit = score.matched_choices(text, q["choices"]) if text else set()
        if not text:
            kind = "no answer"
        elif score.answer_is_correct(text, q["choices"], q["answer_index"]):
            kind = "correct"
        elif q["answer_index"] in hit:
            kind = "correct + wrong"
        else:
            kind = "wrong" if hit else "no choice"
        out[(kind, in_top5)] += 1
    return out


def accuracy(counts: Counter[tuple[str, bool]]) -> float:
    """answer_accuracy from the sorted answers: the share that are correct."""
    total = sum(counts.values())
    return sum(n for (kind, _), n in counts.items() if kind == "correct") / total if total else 0.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path, help="a benchmark folder: questions.jsonl and ../score.py")
    ap.add_argument("--data-dir", type=Path, required=True, help="the index `newsdesk eval` built")
    ap.add_argument("--cache", type=Path, required=True, help="passages per question (.jsonl.gz)")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions (new caches)")
    ap.add_argument("--compare-full-names", action="store_true")
    args = ap.parse_args(argv)
    questions_file = args.bench / "questions.jsonl"
    scorer_path = find_scorer(questions_file)
    if scorer_path is None:
        raise SystemExit(f"score.py not found beside {questions_file}")
    score = load_scorer(scorer_path)
    questions = {q["id"]: q for q in map(json.loads, questions_file.read_text(encoding="utf-8").splitlines())}
    services = App(Settings(NEWSDESK_DATA_DIR=args.data_dir))
    engine = services.engine
    try:
        if not args.cache.exists():
            fill_cache(engine, questions_file, args.cache, args.k, args.limit)
        cached = read_cache(args.cache)
        runs = {"full names": ExtractiveAnswerer(doc_frequency=engine.catalog.doc_frequency)}
        if args.compare_full_names:
            runs["no full names"] = ExtractiveAnswerer(
                doc_frequency=engine.catalog.doc_frequency, full_names=False
            )
        answers = {name: replay(answerer, cached) for name, answerer in runs.items()}
    finally:
        services.close()
    for name, got in answers.items():
        counts = kinds(got, cached, questions, score)
        print(f"{name}: answer_accuracy {accuracy(counts):.4f} over {len(got)} questions")
        for (kind, in_top5), n in sorted(counts.items()):
            print(f"  {kind:16s} {'answer in top 5' if in_top5 else 'not in top 5':16s} {n:5d}")
    if args.compare_full_names:
        on, off = answers["full names"], answers["no full names"]
        for qid in sorted(q for q in on if on[q] != off[q]):
            q = questions[qid]
            was = score.answer_is_correct(off[qid], q["choices"], q["answer_index"])
            now = score.answer_is_correct(on[qid], q["choices"], q["answer_index"])
            if was != now:
                gold = q["choices"][q["answer_index"]]
                print(f"{'gained' if now else 'lost'} {qid}: {q['question']} -> {gold}")
        print(f"answers that differ: {sum(on[q] != off[q] for q in on)}")


if __name__ == "__main__":
    main()
