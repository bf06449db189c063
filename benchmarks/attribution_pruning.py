"""Find the cue words whose attributions are mostly wrong, on the PolNeAR training split (never
dev or test), and write them to retrieval/attribution/pruned.py.

    .venv/bin/python -m benchmarks.attribution_pruning ../shared/bench/polnear/train.jsonl.gz

Runs the extractor with no cue pruned, scores every predicted attribution as the bench's
`score.py` does (content token F1 >= 0.5, one-to-one, greedy; then the source), and counts, per
cue word, how many predictions were right. A word with at least MIN_PREDICTIONS predictions of
which fewer than MIN_PRECISION are right ("known", "seemed", "appeared") costs more precision
than it brings recall: below about half the run's F1, a prediction lowers F1.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.attribution import _lines
from retrieval.attribution import extract as extraction
from retrieval.attribution.speakers import extract

MIN_PREDICTIONS = 8
MIN_PRECISION = 0.25
TARGET = Path(__file__).resolve().parent.parent / "retrieval" / "attribution" / "pruned.py"


def _scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("polnear_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["polnear_score"] = module
    spec.loader.exec_module(module)
    return module


def _right(score: ModuleType, article: Any, preds: list[dict[str, Any]]) -> list[bool]:
    """For each prediction: does it match a gold attribution, content and source?"""
    gold = article.gold
    gtok = [article.tokens([tuple(p[:2]) for p in g["content"]]) for g in gold]
    ptok = [article.tokens(p["content"]) for p in preds]
    pairs = []
    for i, g in enumerate(gtok):
        for j, p in enumerate(ptok):
            if g & p and 2 * len(g & p) / (len(g) + len(p)) >= score.MATCH_F1:
                pairs.append((-2 * len(g & p) / (len(g) + len(p)), i, j))
    used: set[int] = set()
    match: dict[int, int] = {}
    for _, i, j in sorted(pairs):
        if i not in used and j not in match:
            used.add(i)
            match[j] = i
    out = []
    for j, p in enumerate(preds):
        g = match.get(j)
        src = [tuple(x[:2]) for x in gold[g]["source"]] if g is not None else []
        out.append(g is not None and score.source_ok(article, src, p["source"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("train", type=Path)
    ap.add_argument("--scorer", type=Path, help="the bench's score.py (default: beside the data)")
    args = ap.parse_args()
    score = _scorer(args.scorer or args.train.parent / "score.py")
    extraction.PRUNED = frozenset()  # measure every cue
    right: Counter[str] = Counter()
    made: Counter[str] = Counter()
    for row in _lines(args.train):
        article = score.Article(row)
        text = str(row["text"])
        found = extract(text)
        preds = [{"content": list(a.content), "source": [a.source] if a.source else []} for a in found]
        for a, ok in zip(found, _right(score, article, preds), strict=True):
            word = text[a.cue[0] : a.cue[1]].split()[0].lower()
            made[word] += 1
            right[word] += ok
    weak = sorted(w for w, n in made.items() if n >= MIN_PREDICTIONS and right[w] < MIN_PRECISION * n)
    body = "".join(f'        "{w}",  # {right[w]} of {made[w]} right\n' for w in weak)
    TARGET.write_text(
        '"""Cue words whose attributions were mostly wrong on the PolNeAR training split, found by\n'
        "benchmarks/attribution_pruning.py (fewer than 25% of at least 8 right). Generated: do not\n"
        'edit by hand."""\n\nPRUNED_CUES = frozenset(\n    [\n' + body + "    ]\n)\n",
        encoding="utf-8",
    )
    print(f"{len(weak)} cue words pruned: {', '.join(weak)}")


if __name__ == "__main__":
    main()
