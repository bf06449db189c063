"""benchmarks/answer_replay.py: cached passages replay to the answers `newsdesk eval` gives."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from benchmarks.answer_ceiling import load_scorer
from benchmarks.answer_replay import accuracy, fill_cache, kinds, read_cache, replay
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.engine import Engine
from retrieval.ingest.articles import Article
from tests.conftest import TEST_DATA

RAHM = (
    "Jon Rahm of Spain led the field after the third round on Saturday at Augusta National. "
    "Rahm won the Masters at Augusta on Sunday, finishing four shots clear of the field. "
    "The crowd cheered as the green jacket was presented in the Butler Cabin."
)
QUESTIONS = [
    {
        "id": "q1",
        "date": "2023-04-12",
        "question": "Who won the Masters at Augusta on Sunday?",
        "choices": ["Brooks Koepka", "Jon Rahm"],
        "answer": "Jon Rahm",
        "answer_index": 1,
    },
    # asked before the report was published: nothing can be found as of that date
    {
        "id": "q2",
        "date": "2023-04-01",
        "question": "Who won the Masters at Augusta on Sunday?",
        "choices": ["Brooks Koepka", "Jon Rahm"],
        "answer": "Jon Rahm",
        "answer_index": 1,
    },
]


def test_replayed_answers_are_the_ones_eval_gives_and_are_sorted_by_the_scorers_rule(
    engine: Engine, tmp_path: Path
) -> None:
    engine.ingest(
        [
            Article(
                title="Rahm wins the Masters",
                url="https://golf.example/rahm",
                published=date(2023, 4, 10),
                text=RAHM,
            ),
            Article(
                title="Ferry timetable",
                url="https://harbour.example/ferry",
                published=date(2023, 4, 9),
                text="The night ferry will run twice on Sundays from May, the harbour authority said.",
            ),
        ]
    )
    questions_file = tmp_path / "questions.jsonl"
    questions_file.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    cache = tmp_path / "passages.jsonl.gz"
    fill_cache(engine, questions_file, cache, k=10, limit=None)
    cached = read_cache(cache)
    assert [p.url for p in cached["q1"][1]] == ["https://golf.example/rahm", "https://harbour.example/ferry"]
    assert cached["q1"][1][0].published == date(2023, 4, 10)
    assert cached["q2"][1] == []

    answers = replay(engine.answerer, cached)
    for q in QUESTIONS:  # the same as asking through the engine, as `newsdesk eval` does
        asked = engine.ask(str(q["question"]), k=10, as_of=date.fromisoformat(str(q["date"])))
        assert answers[str(q["id"])] == (asked.text if asked.found else "")
    assert answers["q1"].startswith("Rahm [Jon Rahm] won the Masters at Augusta on Sunday")

    score = load_scorer(TEST_DATA / "score.py")
    by_id = {str(q["id"]): q for q in QUESTIONS}
    counts = kinds(answers, cached, by_id, score)
    assert counts == {("correct", True): 1, ("no answer", False): 1}
    assert accuracy(counts) == 0.5
    # without the full name the short mention names no choice
    short = replay(ExtractiveAnswerer(doc_frequency=engine.catalog.doc_frequency, full_names=False), cached)
    assert short["q1"].startswith("Rahm won the Masters at Augusta on Sunday")
    assert kinds(short, cached, by_id, score) == {("no choice", True): 1, ("no answer", False): 1}
