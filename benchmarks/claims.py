"""The cited-claims benchmark: run the real citation check on each item's answer, write a run file.

    python -m benchmarks.claims ../shared/bench/claims/dev.jsonl --out RUN.jsonl
    python3 ../shared/bench/claims/score.py ../shared/bench/claims/dev.jsonl RUN.jsonl

Each item's passages become `Passage`s numbered as in the item, its answer goes through
`retrieval.generate.citations.check` exactly as a model's reply does, and what happened to each
answer sentence (kept or removed, with which markers) is written in the format the benchmark's
README documents. `--timing` also measures the check's cost on answers of 5 passages (the
item's 3 and 2 of the next item's): the p50 and p95 milliseconds per answer; `--verify-tokens`
the size of model verification's extra request per answer.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import prompts
from benchmarks.common import percentile
from retrieval.generate.citations import Checked, Decision, check
from retrieval.generate.support import Judge
from retrieval.generate.verify import claims_of, render
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.results import Passage
from retrieval.text.tokens import load_encoding

_MARKER = re.compile(r"\s*\[\d+\]")


def passages_of(item: dict[str, Any]) -> dict[int, Passage]:
    out: dict[int, Passage] = {}
    for p in item["passages"]:
        out[int(p["n"])] = Passage(
            chunk_id=f"{p['article_id']}:{p['n']}",
            article_id=p["article_id"],
            position=int(p["n"]),
            start=0,
            end=len(p["text"]),
            text=p["text"],
            title=p.get("title") or "",
            url=p.get("url") or "",
            source=p.get("source") or "",
            published=date.fromisoformat(p["published"]) if p.get("published") else None,
        )
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", text)).split())


def claim_outcomes(claims: Sequence[dict[str, Any]], decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    """Each gold claim with what the check did to it: the check's sentences are matched to the
    claims in order (a claim the check split in two is kept if any part is, with all their
    markers; a claim no decision matches is reported as kept unchanged by leaving it out)."""
    out: list[dict[str, Any]] = []
    j = 0
    for claim in claims:
        body = _norm(claim["text"])
        parts: list[Decision] = []
        while j < len(decisions) and _norm(decisions[j].text) in body:
            parts.append(decisions[j])
            j += 1
        if not parts:
            continue
        kept = any(d.kept for d in parts)
        cited = sorted({n for d in parts if d.kept for n in d.cited})
        out.append({"i": claim["i"], "kept": kept, "cited": cited})
    return out


def run_item(item: dict[str, Any], judge: Judge) -> tuple[dict[str, Any], Checked]:
    checked = check(item["answer"], passages_of(item), judge)
    return {"id": item["id"], "claims": claim_outcomes(item["claims"], checked.decisions)}, checked


def timing(items: list[dict[str, Any]], judge: Judge, rounds: int = 3) -> tuple[float, float]:
    """(p50, p95) milliseconds of one check of an answer over 5 passages."""
    times: list[float] = []
    for _ in range(rounds):
        for k, item in enumerate(items):
            nxt = passages_of(items[(k + 1) % len(items)])
            passages = {**passages_of(item), 4: nxt[1], 5: nxt[2]}
            t0 = time.perf_counter()
            judge.forget()  # each answer pays for its own embeddings
            check(item["answer"], passages, judge)
            times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 50), percentile(times, 95)


def verify_tokens(items: list[dict[str, Any]], judge: Judge) -> tuple[float, float, float]:
    """Model verification's request per answer (`NEWSDESK_VERIFY=model`): mean and p95 prompt
    tokens (tiktoken cl100k, +7 for the chat format), and the mean tokens of an all-supported
    JSON reply."""
    encoding = load_encoding()
    asked: list[float] = []
    replies: list[float] = []
    for item in items:
        passages = passages_of(item)
        checked = check(item["answer"], passages, judge)
        claims = claims_of(checked, passages, judge)
        if not claims:
            continue
        prompt = prompts.render("verify", claims=render(claims))
        asked.append(len(encoding.encode(prompt)) + 7)
        verdicts = [{"claim": c.id, "supported": True, "passage": c.decision.cited[0]} for c in claims]
        replies.append(len(encoding.encode(json.dumps({"verdicts": verdicts}))))
    return statistics.mean(asked), percentile(asked, 95), statistics.mean(replies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gold", type=Path, help="the benchmark's dev.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="the run file to write")
    parser.add_argument("--timing", action="store_true", help="also time the check (5 passages)")
    parser.add_argument("--verify-tokens", action="store_true", help="tokens of model verification")
    parser.add_argument("--lexical", action="store_true", help="no embedder (the check without MiniLM)")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="the embedder's threads, as NEWSDESK_EMBED_THREADS (0: up to 4)",
    )
    args = parser.parse_args(argv)
    judge = Judge(None if args.lexical else LocalEmbedder(threads=args.threads))
    items = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = 0
    with args.out.open("w", encoding="utf-8") as fh:
        for item in items:
            row, _ = run_item(item, judge)
            missing += len(item["claims"]) - len(row["claims"])
            fh.write(json.dumps(row) + "\n")
    print(f"{len(items)} items written to {args.out}; {missing} claims not matched to a checked sentence")
    if args.timing:
        p50, p95 = timing(items, judge)
        print(f"check of an answer over 5 passages: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if args.verify_tokens:
        mean, p95_tokens, reply = verify_tokens(items, judge)
        print(
            f"verification request: prompt {mean:.0f} tokens mean, {p95_tokens:.0f} p95; reply ~{reply:.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
