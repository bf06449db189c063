"""`newsdesk eval` on a tiny benchmark of its own: the run file is written, handed to the
benchmark's score.py, and a metric the questions cannot measure (no gold article in the corpus,
which score.py reports as null) prints as n/a."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app

ARTICLE = {
    "id": "ferry-1",
    "url": "https://harbourgazette.example/2026/03/02/ferry",
    "title": "Port Aldery to cut night ferries",
    "source": "harbourgazette.example",
    "published": "2026-03-02",
    "text": "The council voted to cut the night ferries to Port Aldery. The last night crossing "
    "will run on Friday, the harbour master said.",
}
QUESTION = {
    "id": "q1",
    "date": "2026-03-03",
    "source": "Harbour Gazette",
    "question": "Which crossings did the council vote to cut?",
    "choices": ["night ferries", "day ferries", "cargo boats", "water taxis"],
    "answer": "night ferries",
    "answer_index": 0,
    "gold_urls": ["https://elsewhere.example/not-in-the-corpus"],
    "evidence": "",
}

# score.py's interface as eval uses it: `score.py QUESTIONS RUN --json [--subset-to-run]` prints
# its table, then one JSON object; this one scores whether the answer names the right choice
SCORER = """
import json, sys
questions = {q["id"]: q for q in map(json.loads, open(sys.argv[1]))}
run = [json.loads(line) for line in open(sys.argv[2])]
right = sum(questions[r["id"]]["answer"] in r["answer"] for r in run)
print("metric  value")
print(json.dumps({"metrics": {
    "recall@5": {"value": None, "n": 0},
    "answer_accuracy": {"value": right / len(run), "n": len(run)},
}}))
"""


def test_eval_scores_its_run_and_prints_unmeasurable_metrics_as_n_a(tmp_path: Path) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "corpus.jsonl").write_text(json.dumps(ARTICLE) + "\n", encoding="utf-8")
    (bench / "questions.jsonl").write_text(json.dumps(QUESTION) + "\n", encoding="utf-8")
    (bench / "score.py").write_text(SCORER, encoding="utf-8")
    out = tmp_path / "run.jsonl"
    args = ["eval", "--corpus", str(bench / "corpus.jsonl"), "--questions", str(bench / "questions.jsonl")]
    args += ["--out", str(out), "--data-dir", str(tmp_path / "index"), "--limit", "1"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert row["id"] == "q1"
    lines = result.stdout.splitlines()
    assert "recall@5             n/a  (n=0)" in lines
    assert "answer_accuracy      1.000  (n=1)" in lines
