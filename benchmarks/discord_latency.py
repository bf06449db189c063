"""Discord latency: INTERACTION_CREATE → defer callback, and → the answer's follow-up.

    .venv/bin/python -m benchmarks.discord_latency [--questions 50] [--concurrency 10] [--articles 200]

The real `newsdesk bot` process runs against the loopback fake Discord from tests/ (REST +
gateway); this script plays Discord: it dispatches /ask interactions over the gateway, at most
`--concurrency` in flight, and times when the bot's callback and follow-up requests arrive.
The index holds the tests' sample wire story (tests/data), the bundled sample news and the first `--articles`
articles of the realtimeqa-2022 corpus (embedded for real before the bot starts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import BENCH, percentile, read_corpus
from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.ingest.loaders import article_from_record
from retrieval.settings import Settings
from tests.support.discord_world import sample_article
from tests.support.fake_discord import FakeDiscord

QUESTIONS = [
    "what did Valk say about the drills?",
    "what did Oskar Brenn tell Valk?",
    "how much will Kestria provide for maritime security?",
    "what did Vell say about talks with Dravia?",
    "why are night ferries being cut in Port Aldery?",
    "what did the union say about the ferry schedule?",
    "when does the library reopen?",
    "what happened to the seal colony?",
    "what did Sarrow say after the talks in Calder?",
    "what missile interceptor system will Kestria buy?",
]


def build_index(data_dir: Path, guild_id: int, n_articles: int) -> int:
    settings = Settings(NEWSDESK_DATA_DIR=data_dir)
    services = App(settings)
    engine = services.engine
    try:
        ns = namespace_for_guild(guild_id)
        engine.ingest([sample_article()], ns)
        engine.ingest_paths([Path(__file__).resolve().parent.parent / "samples" / "news"], ns)
        corpus = BENCH / "realtimeqa-2022" / "corpus.jsonl.gz"
        if n_articles and corpus.exists():
            engine.ingest((article_from_record(r) for r in read_corpus(corpus, n_articles)), ns)
        return engine.count_articles(ns)
    finally:
        services.close()


async def run(args: argparse.Namespace) -> dict[str, list[float]]:
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Bench")
        users = [fake.add_user(f"user{i}") for i in range(args.questions)]
        with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
            data = Path(tmp) / "data"
            t = time.perf_counter()
            n = await asyncio.to_thread(build_index, data, guild.id, args.articles)
            print(f"index: {n} articles in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DISCORD_"))}
            env.update(
                DISCORD_TOKEN="bench-token",
                NEWSDESK_DATA_DIR=str(data),
                NEWSDESK_ASK_COOLDOWN="0",
                NEWSDESK_DISCORD_API_BASE=fake.api_base,
                NEWSDESK_DISCORD_GATEWAY_URL=fake.gateway_url,
            )
            newsdesk = str(Path(sys.executable).parent / "newsdesk")
            bot = await asyncio.create_subprocess_exec(
                newsdesk, "bot", env=env, cwd=tmp, stderr=asyncio.subprocess.DEVNULL
            )
            try:
                await fake.wait_identified(timeout=300)
                await asyncio.sleep(1.0)  # let GUILD_CREATE settle before timing
                # one warm-up question (loads the ONNX session, first Chroma query)
                await one(fake, guild.id, users[0], QUESTIONS[0])
                gate = asyncio.Semaphore(args.concurrency)
                results = await asyncio.gather(
                    *(
                        limited(gate, fake, guild.id, users[i], QUESTIONS[i % len(QUESTIONS)])
                        for i in range(args.questions)
                    )
                )
            finally:
                bot.terminate()
                await bot.wait()
    return {
        "defer": [d for d, _ in results],
        "follow_up": [f for _, f in results],
    }


async def limited(
    gate: asyncio.Semaphore, fake: FakeDiscord, guild_id: int, user: int, question: str
) -> tuple[float, float]:
    async with gate:
        return await one(fake, guild_id, user, question)


async def one(fake: FakeDiscord, guild_id: int, user: int, question: str) -> tuple[float, float]:
    start = time.perf_counter()
    inter = await fake.slash(
        "ask", [{"type": 3, "name": "question", "value": question}], guild_id=guild_id, user_id=user
    )
    (callback,) = await fake.wait_request("POST", inter.callback_path, timeout=300)
    (follow_up,) = await fake.wait_request("POST", inter.webhook_path(fake.app_id), timeout=300)
    return (callback.at - start) * 1000, (follow_up.at - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    times = asyncio.run(run(args))
    print(f"{args.questions} questions, {args.concurrency} in flight (ms):")
    print("                      median     p95     max")
    for name, label in (("defer", "→ defer callback"), ("follow_up", "→ follow-up")):
        v = times[name]
        print(f"{label:<20} {statistics.median(v):8.0f} {percentile(v, 95):7.0f} {max(v):7.0f}")


if __name__ == "__main__":
    main()
