"""Polling N feeds on loopback: wall time and peak memory of a first poll and of a 304 poll.

    .venv/bin/python -m benchmarks.feeds_poll --feeds 200 --items 5            # no embedding
    .venv/bin/python -m benchmarks.feeds_poll --feeds 200 --items 1 --engine   # real engine

The news site runs in a separate process (aiohttp on 127.0.0.1), so the figures are the
poller's own: real fetcher (SSRF checks, streaming caps), feedparser, trafilatura, feed state
in SQLite. Without --engine, articles go to a counting stand-in for the engine (measures the
web side); with --engine they are embedded and stored in a temporary data dir.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import peak_rss_mb
from retrieval.app import App
from retrieval.ingest.articles import Article
from retrieval.results import IngestReport
from retrieval.settings import Settings
from retrieval.web.ingest import WebIngestor
from retrieval.web.poller import Poller


def story(i: int) -> list[str]:
    """Three sentences of distinct (seeded random) text: every story differs from the others."""
    rng = random.Random(i)
    vocab = VOCAB.split()

    def sentence() -> str:
        words = rng.choices(vocab, k=rng.randint(18, 28))
        return f"Report {i}: " + " ".join(words) + "."

    return [sentence() for _ in range(3)]


VOCAB = """council harbour ferry budget school bridge election court river police hospital station
market festival library museum rail airport storm drought minister mayor union strike teachers
nurses farmers prices wages housing rent tenants landlord permit zoning tower park garden
stadium league coach season match trial judge jury verdict appeal senator governor agency
report audit contract tender bid company shares profit loss factory plant workers jobs
energy solar wind grid outage water pipe flood wildfire heat snow road tunnel bus tram""".replace("\n", " ")


def serve(feeds: int, items: int, port_queue: Any) -> None:
    from aiohttp import web

    from tests.support.feed_samples import Item, article_page, rss20

    async def main() -> None:
        app = web.Application()
        runner = web.AppRunner(app)
        pages: dict[str, bytes] = {}
        feed_docs: dict[str, bytes] = {}

        async def handler(request: web.Request) -> web.StreamResponse:
            path = request.path
            if path in feed_docs:
                etag = f'"{path}"'
                if request.headers.get("If-None-Match") == etag:
                    return web.Response(status=304, headers={"ETag": etag})
                return web.Response(
                    body=feed_docs[path],
                    headers={"Content-Type": "application/rss+xml", "ETag": etag},
                )
            if path in pages:
                return web.Response(body=pages[path], content_type="text/html")
            return web.Response(status=404)

        app.router.add_get("/{tail:.*}", handler)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        for f in range(feeds):
            entries = []
            for j in range(items):
                n = f * items + j
                pages[f"/a/{n}"] = article_page(f"Headline {n}", story(n)).encode()
                entries.append(Item(f"id-{n}", f"Headline {n}", f"{base}/a/{n}", story(n)[0]))
            feed_docs[f"/feed/{f}"] = rss20(f"Feed {f}", entries).encode()
        port_queue.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


class CountingEngine:
    """Stands in for the engine when only the web side is measured."""

    def __init__(self) -> None:
        self.hashes: dict[str, str] = {}

    @property
    def catalog(self) -> CountingEngine:
        return self

    def content_hashes(self, namespace: str, ids: Any) -> dict[str, str]:
        return {i: self.hashes[i] for i in ids if i in self.hashes}

    def ingest(
        self,
        articles: list[Article],
        namespace: str = "default",
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        for a in articles:
            self.hashes[a.id] = a.content_hash
        if progress:
            progress(len(articles))
        return IngestReport(articles_added=len(articles))


async def run(args: argparse.Namespace, port: int, data: Path) -> dict[str, Any]:
    settings = Settings(
        NEWSDESK_DATA_DIR=data,
        NEWSDESK_FETCH_ALLOW=f"127.0.0.1:{port}",
        NEWSDESK_FETCH_TIMEOUT=30,
        NEWSDESK_FEED_CONCURRENCY=args.concurrency,
    )
    with App(settings) as services:
        engine: Any = services.engine if args.engine else CountingEngine()
        feeds = services.feeds
        now = time.time()
        for f in range(args.feeds):
            feeds.add("default", f"http://127.0.0.1:{port}/feed/{f}", 900, now)
        out: dict[str, Any] = {}
        async with services.online():
            poller = Poller(feeds, services.fetcher, WebIngestor(engine, services.stories), args.concurrency)
            for label in ("first poll", "second poll (304)"):
                feeds.make_due(None, time.time())
                t0 = time.perf_counter()
                results = await poller.poll_due()
                wall = time.perf_counter() - t0
                out[label] = {
                    "wall_s": round(wall, 2),
                    "feeds_ok": sum(r.status == "ok" for r in results),
                    "not_modified": sum(r.status == "not-modified" for r in results),
                    "failed": sum(r.status == "failed" for r in results),
                    "articles": sum(len(r.new_articles) for r in results),
                    "peak_rss_mb": round(peak_rss_mb(), 1),
                }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--engine", action="store_true", help="embed and store with the engine")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    server = ctx.Process(target=serve, args=(args.feeds, args.items, queue), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=120)
        with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
            result = asyncio.run(run(args, port, Path(tmp)))
    finally:
        server.terminate()
        server.join(10)
    mode = "engine (embedding + Chroma)" if args.engine else "counting stand-in (no embedding)"
    print(f"{args.feeds} feeds × {args.items} items, concurrency {args.concurrency}, ingest: {mode}")
    for label, r in result.items():
        print(f"  {label}: {r}")


if __name__ == "__main__":
    main()
