"""Learn the cue verbs from the PolNeAR training split (never dev or test).

    .venv/bin/python -m benchmarks.attribution_lexicon ../shared/bench/polnear/train.jsonl.gz

For every lower-case word that heads an annotated cue (the first word after auxiliaries and
adverbs: "has repeatedly said" → "said"), counts how often it heads a cue and how often it
occurs at all; words heading a cue in at least MIN_PRECISION of their uses, at least MIN_COUNT
times, are written to retrieval/attribution/learned.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from pathlib import Path

from retrieval.attribution.lexicon import BETWEEN

MIN_COUNT = 4
MIN_PRECISION = 0.3
_WORD = re.compile(r"[A-Za-z’']+")
TARGET = Path(__file__).resolve().parent.parent / "retrieval" / "attribution" / "learned.py"


def head(cue: str) -> str | None:
    for w in _WORD.findall(cue):
        low = w.lower()
        if low in BETWEEN or low.endswith("ly") or low in ("not", "n’t", "didn’t", "don’t"):
            continue
        return low if w[0].islower() else None
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("train", type=Path)
    args = ap.parse_args()
    heads: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    with gzip.open(args.train, "rt", encoding="utf-8") as fh:
        for line in fh:
            art = json.loads(line)
            uses.update(w for w in _WORD.findall(art["text"]) if w[0].islower())
            for a in art["attributions"]:
                h = head(" ".join(c[2] for c in a["cue"]))
                if h:
                    heads[h] += 1
    chosen = sorted(w for w, n in heads.items() if n >= MIN_COUNT and n / max(uses[w], 1) >= MIN_PRECISION)
    body = "\n".join(f"        {w!r}," for w in chosen)
    TARGET.write_text(
        '"""Cue verbs learned from the PolNeAR training split by\n'
        "benchmarks/attribution_lexicon.py"
        f" (a word heading a cue in >= {MIN_PRECISION:.0%} of its uses, >= {MIN_COUNT} times).\n"
        'Generated: do not edit by hand."""\n\n'
        f"LEARNED_CUES = frozenset(\n    [\n{body}\n    ]\n)\n",
        encoding="utf-8",
    )
    print(f"{len(chosen)} cue words written to {TARGET}")


if __name__ == "__main__":
    main()
