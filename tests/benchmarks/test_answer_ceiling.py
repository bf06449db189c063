"""benchmarks/answer_ceiling.py: which windows before a question's date hold its answer."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from benchmarks.answer_ceiling import AnswerCeiling, load_scorer
from tests.conftest import REPO, TEST_DATA

SCORER = TEST_DATA / "score.py"  # a stand-in for the benchmark's score.py (CI runs the real one)

ARTICLES = [
    {"published": "2023-01-02", "title": "Bills beat Jets", "text": "The Buffalo Bills won on Sunday."},
    {"published": "2023-01-20", "title": "Maximum security", "text": "A new prison opened."},
    {"published": "2023-02-10", "title": "Later", "text": "The Buffalo Bills signed a kicker."},
    {"published": "", "title": "Undated", "text": "Max Verstappen won again."},
]

QUESTIONS = [
    # in an article 3 days old (2023-01-02), not in the later one
    {
        "id": "q1",
        "date": "2023-01-05",
        "source": "CNN",
        "question": "Which team won?",
        "choices": ["Buffalo Bills", "New York Jets"],
        "answer": "Buffalo Bills",
        "answer_index": 0,
    },
    # "Max" occurs only inside "Maximum" and in an undated article: nowhere
    {
        "id": "q2",
        "date": "2023-01-25",
        "source": "CNN",
        "question": "Who won?",
        "choices": ["Max", "Lewis"],
        "answer": "Max",
        "answer_index": 0,
    },
    # in an article 28 days old
    {
        "id": "q3",
        "date": "2023-01-30",
        "source": "THE WEEK",
        "question": "Which team?",
        "choices": ["Buffalo Bills", "Miami Dolphins"],
        "answer": "Buffalo Bills",
        "answer_index": 0,
    },
    # a yes/no question is not counted (as in score.py's answer_recall)
    {
        "id": "q4",
        "date": "2023-01-30",
        "source": "THE WEEK",
        "question": "Did they win?",
        "choices": ["Yes", "No"],
        "answer": "Yes",
        "answer_index": 0,
    },
]


def _contains(score):  # the scorer's token-boundary-aware match on normalised text
    return lambda text, needle: bool(score._spans(text, needle))


def test_newest_age_is_the_age_of_the_newest_article_up_to_the_date_holding_the_answer() -> None:
    score = load_scorer(SCORER)
    ceiling = AnswerCeiling(ARTICLES, score.normalize_text)
    contains = _contains(score)
    assert ceiling.newest_age("Buffalo Bills", date(2023, 1, 5), contains) == 3
    assert ceiling.newest_age("Buffalo Bills", date(2023, 1, 30), contains) == 28
    assert ceiling.newest_age("Buffalo Bills", date(2023, 2, 10), contains) == 0
    assert ceiling.newest_age("Buffalo Bills", date(2023, 1, 1), contains) is None
    assert ceiling.newest_age("Max", date(2023, 3, 1), contains) is None
    assert ceiling.newest_age("maximum SECURITY", date(2023, 3, 1), contains) == 40


def test_the_command_prints_each_sources_share_per_window_and_the_runs_recall(tmp_path: Path) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    shutil.copyfile(SCORER, tmp_path / "score.py")  # found above the bench folder
    with gzip.open(bench / "corpus.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(a) + "\n" for a in ARTICLES)
    (bench / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    run = tmp_path / "run.jsonl"
    run.write_text(
        json.dumps({"id": "q1", "retrieved": [{"url": "u", "text": "the Buffalo Bills"}]})
        + "\n"
        + json.dumps({"id": "q3", "retrieved": [{"url": "u", "text": "nothing here"}]})
        + "\n"
        + json.dumps({"id": "q2", "retrieved": [{"url": "u", "text": "Maximum"}]})
        + "\n"
    )
    args = ["-m", "benchmarks.answer_ceiling", str(bench), "--run", str(run), "--days", "7", "30"]
    out = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines() == [
        "source | questions | ≤7d | ≤30d | any | run ans_rec@5 | missed, in ≤7d",
        "CNN | 2 | 0.500 | 0.500 | 0.500 | 0.500 | 0.000",
        "THE WEEK | 1 | 0.000 | 1.000 | 1.000 | 0.000 | 0.000",
        "ALL | 3 | 0.333 | 0.667 | 0.667 | 0.333 | 0.000",
    ]
