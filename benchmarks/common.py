"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import gzip
import json
import resource
import shutil
import statistics
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from retrieval.engine import Engine
from retrieval.ingest.embedding import minilm_files

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO.parent / "shared" / "bench"


def read_corpus(path: Path, limit: int | None = None) -> Iterator[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def time_asks(
    engine: Engine, questions: list[str], k: int = 5, as_of: list[date] | None = None
) -> list[float]:
    """Milliseconds per warm `engine.ask` (one untimed warm-up question first); with `as_of`,
    each question is asked as of its date (`newsdesk ask --as-of`, as `newsdesk eval` asks)."""
    engine.ask(questions[0])  # warm-up: model, caches
    times = []
    for i, q in enumerate(questions):
        t0 = time.perf_counter()
        engine.ask(q, k=k, as_of=as_of[i] if as_of else None)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def install_chroma_default_model() -> Path:
    """Put the MiniLM files where Chroma's default embedding function looks, so the newcomer's
    path (`collection.add(documents=...)`) runs offline. Chroma only checks the files exist."""
    target = Path.home() / ".cache" / "chroma" / "onnx_models" / "all-MiniLM-L6-v2" / "onnx"
    target.mkdir(parents=True, exist_ok=True)
    model, tokenizer = minilm_files()
    for src, name in ((model, "model.onnx"), (tokenizer, "tokenizer.json")):
        if not (target / name).exists():
            shutil.copyfile(src, target / name)
    for name in ("config.json", "special_tokens_map.json", "tokenizer_config.json"):
        if not (target / name).exists():
            (target / name).write_text("{}", encoding="utf-8")
    if not (target / "vocab.txt").exists():
        (target / "vocab.txt").write_text("", encoding="utf-8")
    return target
