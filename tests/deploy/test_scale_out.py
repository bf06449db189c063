"""Scale-out: two `newsdesk bot` processes, each running one of two shards, against the loopback
Discord, one `chroma run` server and one PostgreSQL. Each shard gets its own servers' events;
the feed poller runs in exactly one process (a lease in the shared database) and moves to the
other when that one stops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from retrieval.store.lease import Lease
from retrieval.web.feedstore import FeedStore
from tests.conftest import drop_collections
from tests.discord.test_discord_process import NEWSDESK, bot_env
from tests.support.discord_world import SAMPLE_TITLE, VALK, sample_article
from tests.support.fake_discord import FakeDiscord
from tests.support.feed_samples import Item, article_page, rss20
from tests.support.http_server import LoopbackSite
from tests.support.servers import ChromaServer, PostgresServer

pytest_plugins = ("tests.support.discord_fixtures",)

RUNNING = "feed poller: running in this process"
STANDING_BY = "feed poller: standing by"


@dataclass
class BotProcess:
    shard: int
    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def wait_said(self, *texts: str, timeout: float = 180) -> str:
        async def found() -> str:
            while True:
                for t in texts:
                    if self.said(t):
                        return t
                if self.proc.returncode is not None:
                    raise AssertionError(f"shard {self.shard} exited:\n{''.join(self.lines)[-3000:]}")
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(found(), timeout)

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.terminate()
        code = await asyncio.wait_for(self.proc.wait(), 60)
        if self.reader is not None:
            await self.reader
        return code


@pytest.fixture
async def site() -> AsyncIterator[LoopbackSite]:
    async with LoopbackSite() as s:
        yield s


def _feed(site: LoopbackSite, n: int) -> None:
    items = []
    for i in range(1, n + 1):
        items.append(Item(f"story-{i}", f"Harbour story {i}", site.url(f"/story-{i}"), f"Story {i}."))
        site.page(
            f"/story-{i}",
            article_page(
                f"Harbour story {i}",
                [f"Harbour story number {i} is about the ferries and the new timetable for the port."] * 3,
            ),
        )
    site.feed("/rss", rss20("Harbour news", items))


async def test_two_shard_processes_share_one_server_and_poll_once(
    fake: FakeDiscord,
    site: LoopbackSite,
    chroma_srv: ChromaServer,
    postgres_srv: PostgresServer,
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    zero = fake.add_guild("Shard zero", guild_id=(1000 << 22) | 7)  # (id >> 22) % 2 == 0
    one = fake.add_guild("Shard one", guild_id=(1001 << 22) | 7)
    reader = fake.add_user("reader")
    db_url = postgres_srv.new_database()
    settings = Settings(  # type: ignore[call-arg]
        NEWSDESK_DATA_DIR=tmp_path / "data",
        CHROMA_HOST=chroma_srv.host,
        CHROMA_PORT=chroma_srv.port,
        NEWSDESK_DATABASE_URL=db_url,
    )
    engine_app = App(settings, embedder=embedder)
    engine = engine_app.engine
    engine.ingest([sample_article()], namespace_for_guild(one.id))
    engine_app.close()
    _feed(site, 1)
    feeds = FeedStore(db_url)
    channel = zero.channel_ids[0]
    feeds.add(namespace_for_guild(zero.id), site.url("/rss"), 900, now=time.time(), channel_id=channel)

    env = bot_env(fake, settings.data_dir) | {
        "CHROMA_HOST": chroma_srv.host,
        "CHROMA_PORT": str(chroma_srv.port),
        "NEWSDESK_DATABASE_URL": db_url,
        "NEWSDESK_SHARDS": "2",
        "NEWSDESK_POLLER_LEASE": "3",
        "NEWSDESK_FETCH_ALLOW": f"127.0.0.1:{site.port}",
    }
    bots: list[BotProcess] = []
    try:
        for shard in (0, 1):
            proc = await asyncio.create_subprocess_exec(
                NEWSDESK,
                "bot",
                env=env | {"NEWSDESK_SHARD_IDS": str(shard)},
                cwd=tmp_path,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            bot = BotProcess(shard, proc)
            bot.reader = asyncio.create_task(bot.read())
            bots.append(bot)
        await fake.wait_identified(timeout=180, count=2)
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]

        # both processes decide; exactly one polls
        decisions = [await b.wait_said(RUNNING, STANDING_BY) for b in bots]
        assert sorted(decisions) == sorted([RUNNING, STANDING_BY])
        poller = bots[decisions.index(RUNNING)]
        other = bots[1 - decisions.index(RUNNING)]
        lease = Lease(db_url, "feed-poller", "test", 3)
        assert (lease.current_holder() or "").endswith(f":{poller.proc.pid}:{poller.shard}")

        (post,) = await fake.wait_request("POST", f"/channels/{channel}/messages", timeout=180)
        assert post.json["embeds"][0]["title"] == "New from Harbour news"
        assert len(site.hits_for("/rss")) == 1

        # shard 1's server is served by shard 1's process, from the shared Chroma + PostgreSQL
        inter = await fake.slash(
            "ask", [{"type": 3, "name": "question", "value": VALK}], guild_id=one.id, user_id=reader
        )
        (follow_up,) = await fake.wait_request("POST", inter.webhook_path(fake.app_id), timeout=180)
        assert SAMPLE_TITLE in follow_up.json["embeds"][0]["fields"][0]["value"]

        # the poller's process stops: the other takes the lease over and polls from then on
        assert await poller.stop() == 0
        await other.wait_said(RUNNING)
        assert (lease.current_holder() or "").endswith(f":{other.proc.pid}:{other.shard}")
        _feed(site, 2)
        feeds.make_due(now=0.0)
        await fake.wait_request("POST", f"/channels/{channel}/messages", count=2, timeout=180)
        second = fake.sent("POST", f"/channels/{channel}/messages")[1]
        assert "Harbour story 2" in second.json["embeds"][0]["description"]
        assert len(site.hits_for("/rss")) == 2
        assert await other.stop() == 0
        assert lease.current_holder() is None  # released on a clean stop
        lease.close()
    finally:
        for b in bots:
            if b.proc.returncode is None:
                b.proc.kill()
                await b.proc.wait()
        feeds.close()
        drop_collections(chroma_srv)
