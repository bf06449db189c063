"""Prompt tokens per generated answer on benchmark questions (no model is called).

For each question the engine retrieves passages as of the question's date; the prompt the
LLM answerer would send (system + answer template + packed passages) is built and counted
with tiktoken (cl100k_base, plus OpenAI's ~4 tokens per chat message). Run on an existing
index (a copy of one: opening an index can write to it):

    .venv/bin/python -m benchmarks.prompt_tokens --data-dir /tmp/slice2022 \\
        --bench ../shared/bench/realtimeqa-2022 --questions 50 --k 5 10 \\
        --context 16000 4096
"""

from __future__ import annotations

import argparse
import json
import statistics
from datetime import date
from pathlib import Path

from benchmarks.common import BENCH, percentile
from retrieval.app import App
from retrieval.generate.chat import Chat
from retrieval.generate.llm import LLMAnswerer
from retrieval.settings import Settings
from retrieval.text.tokens import load_encoding


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--bench", type=Path, default=BENCH / "realtimeqa-2022")
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--k", type=int, nargs="+", default=[5, 10])
    ap.add_argument("--context", type=int, nargs="+", default=[16000, 4096])
    ap.add_argument("--reply", type=int, default=800)
    a = ap.parse_args()

    settings = Settings(NEWSDESK_DATA_DIR=a.data_dir)
    services = App(settings)
    engine = services.engine
    encoding = load_encoding()
    with (a.bench / "questions.jsonl").open(encoding="utf-8") as fh:
        questions = [json.loads(line) for line in fh][: a.questions]

    print(
        f"{len(questions)} questions from {a.bench.name}; index {a.data_dir} "
        f"({engine.count_articles()} articles)"
    )
    print(
        "| k | context | reply | prompt tokens mean | median | p90 | max "
        "| passages packed (mean) | dropped for room |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    try:
        retrieved = {
            k: [engine.search(q["question"], k=k, as_of=date.fromisoformat(q["date"])) for q in questions]
            for k in a.k
        }
        for k in a.k:
            for context in a.context:
                # packing only: no request is sent, so no client
                chat = Chat(client=None, model="-", context_tokens=context, reply_tokens=a.reply)  # type: ignore[arg-type]
                llm = LLMAnswerer(chat, encoding)
                counts, packed_n, dropped = [], [], 0
                for q, passages in zip(questions, retrieved[k], strict=True):
                    messages, packed = llm.prepare("answer", llm.answer_fill(q["question"]), passages)
                    counts.append(llm.prompt_tokens(messages))
                    packed_n.append(len(packed.passages))
                    dropped += packed.dropped
                print(
                    f"| {k} | {context} | {a.reply} | {statistics.mean(counts):.0f} "
                    f"| {statistics.median(counts):.0f} | {percentile([float(c) for c in counts], 90):.0f} "
                    f"| {max(counts)} | {statistics.mean(packed_n):.1f} | {dropped} |"
                )
    finally:
        services.close()


if __name__ == "__main__":
    main()
