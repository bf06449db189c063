"""`newsdesk eval`: run a RealTime QA-style benchmark through the same path as `newsdesk ask`.

Each question is asked as of its own date (nothing published later is searched), and one line
per question is written in the format of the benchmark's score.py. Runs are resumable: questions
already in the output file are not asked again.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.engine import Engine
from retrieval.errors import BadInputError
from retrieval.ingest.articles import parse_date


@dataclass(frozen=True)
class BenchQuestion:
    id: str
    date: str
    question: str


def read_questions(path: Path, limit: int | None = None) -> list[BenchQuestion]:
    """Only id, date and question are read: answers, choices and evidence never reach the system."""
    if not path.exists():
        raise BadInputError(f"no questions file at {path}")
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    out: list[BenchQuestion] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                out.append(BenchQuestion(str(row["id"]), str(row["date"]), str(row["question"])))
            except (json.JSONDecodeError, KeyError) as exc:
                raise BadInputError(f"{path}:{lineno}: not a benchmark question ({exc})") from None
            if limit is not None and len(out) >= limit:
                break
    return out


def done_ids(out: Path) -> set[str]:
    if not out.exists():
        return set()
    ids = set()
    with out.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                ids.add(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError):
                continue  # a line cut by an interruption is asked again
    return ids


def run_line(engine: Engine, q: BenchQuestion, k: int, namespace: str = "default") -> dict[str, Any]:
    answer = engine.ask(q.question, namespace, k=k, as_of=parse_date(q.date))
    cited: list[str] = []
    for c in answer.citations:
        if c.url and c.url not in cited:
            cited.append(c.url)
    return {
        "id": q.id,
        "retrieved": [{"url": p.url, "text": p.text} for p in answer.passages],
        "answer": answer.text if answer.found else None,
        "cited_urls": cited,
    }


def run_questions(
    engine: Engine,
    questions: list[BenchQuestion],
    out: Path,
    k: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Ask every question not yet in `out`, appending one JSON line each; returns how many were asked."""
    done = done_ids(out)
    _trim_partial_line(out)
    asked = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fh:
        for q in questions:
            if q.id in done:
                if progress:
                    progress(1)
                continue
            fh.write(json.dumps(run_line(engine, q, k), ensure_ascii=False) + "\n")
            fh.flush()
            asked += 1
            if progress:
                progress(1)
    return asked


def _trim_partial_line(out: Path) -> None:
    if out.exists() and out.stat().st_size and not out.read_bytes().endswith(b"\n"):
        data = out.read_bytes()
        out.write_bytes(data[: data.rfind(b"\n") + 1])


def find_scorer(questions: Path) -> Path | None:
    for folder in (questions.parent, questions.parent.parent):
        candidate = folder / "score.py"
        if candidate.exists():
            return candidate
    return None


def score(scorer: Path, questions: Path, run: Path, subset: bool) -> dict[str, Any]:
    args = [sys.executable, str(scorer), str(questions), str(run), "--json"]
    if subset:
        args.append("--subset-to-run")
    res = subprocess.run(args, capture_output=True, text=True, check=True, timeout=600)
    # score.py prints its table first, then the JSON object
    data: dict[str, Any] = json.loads(res.stdout[res.stdout.index("\n{") + 1 :])
    return data


def flatten(metrics: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in metrics.items():
        if isinstance(value, dict):
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value
