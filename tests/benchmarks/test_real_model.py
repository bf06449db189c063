"""benchmarks/real_model.py: the figures it prints from the rows it records (no server needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.real_model import questions, summary


def row(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "verify_mode": "model",
        "asked_model": True,
        "latency_s": 10.0,
        "prompt_tokens": 1500,
        "reply_tokens": 60,
        "fell_back": True,
        "removed": 4,
        "left_out": {"echo": 3},
        "verify": {},
        "finish_s": 0.02,
    }
    return {**base, **kw}


def test_summary_row() -> None:
    rows = [
        row(),
        row(
            latency_s=20.0,
            fell_back=False,
            removed=0,
            left_out={},
            finish_s=4.0,
            verify={"prompt_tokens": 700, "completion_tokens": 40},
        ),
        row(asked_model=False, latency_s=0.1, prompt_tokens=0, reply_tokens=0, removed=0, left_out={}),
    ]
    line = summary(rows)
    assert line.startswith("| model | 3 (2 asked the model) | 10.0 / ")
    assert "| 1500 | 60 | 1/2 | 2.0 (echo 3) |" in line
    assert line.endswith("| 1 requests, 370 tokens/answer, check+verify p50 2010 ms |")


def test_the_seed_question_comes_first(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"q{i}", "question": f"Q{i}?", "date": "2023-01-05"}) for i in range(3)]
    (tmp_path / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = questions(tmp_path, 2)
    assert [(r["id"], r["namespace"]) for r in rows] == [
        ("seed", "seed"),
        ("q0", "default"),
        ("q1", "default"),
    ]
