"""The issue's simple reference: BM25 (stemmed) × recency over newsdesk's chunks, in memory, with
no embedder, so a chunking choice can be measured on a whole benchmark in under a minute
instead of re-embedding it for an hour. As of each question's date (nothing published later),
score × 1/(1 + age_days/RECENCY). Writes a run file for score.py and prints its main figures.

    .venv/bin/python -m benchmarks.reference_bm25 ../shared/bench/realtimeqa-2022 \
        --chunk-tokens 220 300 [--overlap 30] [--recency-days 30] [--out-dir runs/reference]

Questions are used as they are (no answers, choices or gold URLs).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import read_corpus
from retrieval.evaluation import find_scorer, score
from retrieval.ingest.chunking import Chunker
from retrieval.text.terms import Terms
from retrieval.text.tokens import load_encoding

K1, B = 1.2, 0.75
FIGURES = ("recall@5", "mrr@10", "answer_recall@5", "answer_recall@10")


@dataclass
class ChunkIndex:
    """Chunks of every dated article, their BM25 postings and their publication days."""

    urls: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)  # in stemmed words, for BM25
    tokens: list[int] = field(default_factory=list)  # in tiktoken tokens, as the chunker counted
    postings: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)

    @classmethod
    def build(cls, articles: Iterable[dict[str, Any]], chunker: Chunker, terms: Terms) -> ChunkIndex:
        index = cls()
        for a in articles:
            published, text = a.get("published"), (a.get("text") or "").strip()
            if not (isinstance(published, str) and published and text):
                continue
            day = date.fromisoformat(published[:10]).toordinal()
            for chunk in chunker.chunk(str(a["id"]), text):
                i = len(index.texts)
                words = terms.of(chunk.text)
                for word, n in Counter(words).items():
                    ids, tfs = index.postings.setdefault(word, ([], []))
                    ids.append(i)
                    tfs.append(n)
                index.urls.append(str(a["url"]))
                index.texts.append(chunk.text)
                index.days.append(day)
                index.lengths.append(len(words))
                index.tokens.append(chunk.n_tokens)
        return index


class ReferenceBM25:
    def __init__(self, index: ChunkIndex, terms: Terms, recency_days: float):
        self.index = index
        self.terms = terms
        self.recency_days = recency_days
        n = len(index.texts)
        lengths = np.array(index.lengths, dtype=float)
        self.norm = K1 * (1 - B + B * lengths / max(lengths.mean(), 1.0))
        self.days = np.array(index.days)
        self.postings = {
            w: (np.array(ids), np.array(tfs, dtype=float)) for w, (ids, tfs) in index.postings.items()
        }
        self.idf = {
            w: math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5)) for w, (ids, _) in self.postings.items()
        }

    def search(self, question: str, as_of: date, k: int) -> list[int]:
        scores = np.zeros(len(self.index.texts))
        for word in set(self.terms.of(question)):
            if word in self.postings:
                ids, tfs = self.postings[word]
                scores[ids] += self.idf[word] * tfs * (K1 + 1) / (tfs + self.norm[ids])
        age = as_of.toordinal() - self.days
        scores = np.where(age >= 0, scores / (1 + np.maximum(age, 0) / self.recency_days), 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [int(i) for i in top if scores[i] > 0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench_dir", type=Path)
    ap.add_argument("--chunk-tokens", type=int, nargs="+", default=[220])
    ap.add_argument("--overlap", type=int, default=30)
    ap.add_argument("--recency-days", type=float, default=30.0)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--out-dir", type=Path, default=Path("runs/reference"))
    a = ap.parse_args()
    questions_file = a.bench_dir / "questions.jsonl"
    with questions_file.open(encoding="utf-8") as fh:
        questions = [json.loads(line) for line in fh]
    scorer = find_scorer(questions_file)
    terms = Terms()
    a.out_dir.mkdir(parents=True, exist_ok=True)
    for size in a.chunk_tokens:
        t0 = time.perf_counter()
        chunker = Chunker(load_encoding(), max_tokens=size, overlap=a.overlap)
        index = ChunkIndex.build(read_corpus(a.bench_dir / "corpus.jsonl.gz"), chunker, terms)
        bm25 = ReferenceBM25(index, terms, a.recency_days)
        out = a.out_dir / f"{a.bench_dir.name}-bm25-{size}.jsonl"
        with out.open("w", encoding="utf-8") as fh:
            for q in questions:
                top = bm25.search(q["question"], date.fromisoformat(q["date"]), a.k)
                retrieved = [{"url": index.urls[i], "text": index.texts[i]} for i in top]
                fh.write(json.dumps({"id": q["id"], "retrieved": retrieved, "answer": None}) + "\n")
        mean_tokens = sum(index.tokens) / max(len(index.tokens), 1)
        line = f"{size}-token chunks: {len(index.texts)} chunks, {mean_tokens:.0f} tokens on average"
        if scorer is not None:
            metrics = score(scorer, questions_file, out, subset=False)["metrics"]
            line += "; " + " ".join(f"{m} {metrics[m]['value']:.3f}" for m in FIGURES)
        print(f"{line}; {time.perf_counter() - t0:.0f} s -> {out}", flush=True)


if __name__ == "__main__":
    main()
