"""Helpers for the Discord tests: sample articles, a `World` (running bot + fake Discord),
and `running_bot`, which connects the real discord.py client to the fake."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import discord
import pytest

from bot.discord.app import NewsBot
from retrieval.engine import Engine, namespace_for_guild
from retrieval.generate.llm import LLMAnswerer
from retrieval.ingest.articles import Article
from retrieval.ingest.loaders import load_text
from retrieval.results import Answer
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from retrieval.web.fetch import Fetcher
from retrieval.web.policy import FetchPolicy, parse_allow_list
from retrieval.web.transport import build_http_client
from tests.support.fake_discord import FakeDiscord, FakeGuild, FakeInteraction, Json, Recorded
from tests.support.http_server import LoopbackSite

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "data" / "drills_article.txt"
SAMPLE_URL = "https://www.meridianwire.example/world/arvenia-kestria-defence-ties"
SAMPLE_TITLE = "Arvenia and Kestria tighten defence ties as Dravia threat grows"
VALK = "what did Valk say about the drills?"


def sample_article() -> Article:
    """The sample wire story (tests/data), with the URL and date a real ingest would have."""
    (article,) = list(load_text(SAMPLE))
    assert isinstance(article, Article)
    return Article(title=article.title, text=article.text, url=SAMPLE_URL, published=date(2023, 3, 9))


FERRY = Article(
    title="Harbor ferry schedule changes for winter",
    text=(
        "The harbor ferry will run every forty minutes from November, the city transit office "
        "said.\n\nMayor Okonkwo said the winter schedule keeps the early commuter boats and drops "
        "late trips."
    ),
    url="https://example.org/local/ferry-winter-schedule",
    published=date(2024, 10, 2),
)


@dataclass
class World:
    """A running bot connected to the fake, with one server and two members."""

    fake: FakeDiscord
    bot: NewsBot
    engine: Engine
    feedback: FeedbackStore
    guild: FakeGuild
    user: int  # an ordinary member
    admin: int  # a member with the "editors" role

    @property
    def namespace(self) -> str:
        return namespace_for_guild(self.guild.id)

    async def command(
        self,
        name: str,
        options: list[Json] | None = None,
        *,
        guild: FakeGuild | None = None,
        user: int | None = None,
        **kw: object,
    ) -> FakeInteraction:
        g = guild or self.guild
        return await self.fake.slash(name, options, guild_id=g.id, user_id=user or self.user, **kw)  # type: ignore[arg-type]

    async def done(self, inter: FakeInteraction, count: int = 1) -> list[Recorded]:
        """Wait for `count` follow-ups; returns every request made for the interaction."""
        await self.fake.wait_request("POST", inter.webhook_path(self.fake.app_id), count=count)
        return self.fake.for_interaction(inter)

    async def ask(
        self,
        question: str,
        *,
        guild: FakeGuild | None = None,
        user: int | None = None,
        **options: str,
    ) -> list[Recorded]:
        """/ask and wait for the follow-up; returns the interaction's requests."""
        opts = [{"type": 3, "name": "question", "value": question}]
        opts += [{"type": 3, "name": k, "value": v} for k, v in options.items()]
        inter = await self.command("ask", opts, guild=guild, user=user)
        return await self.done(inter)


class Newsroom(NamedTuple):
    """A running bot in a server "Newsroom" that holds the sample article, with one reader;
    `asked` records the questions the bot sends to the engine. Unpacks as
    `(bot, guild, reader, channel, asked)`."""

    bot: NewsBot
    guild: FakeGuild
    reader: int
    channel: int  # the server's one text channel
    asked: list[str]


class OpenNewsroom(Protocol):
    """The `newsroom` fixture (tests/support/discord_fixtures.py)."""

    def __call__(
        self,
        base: Settings | None = None,
        *,
        bot_role: bool = False,
        llm: LLMAnswerer | None = None,
        **update: Any,
    ) -> contextlib.AbstractAsyncContextManager[Newsroom]: ...


def spy_on_ask(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the questions the bot sends to the engine (the real engine still answers)."""
    asked: list[str] = []
    real: Callable[..., Answer] = engine.ask

    def ask(question: str, *args: Any, **kwargs: Any) -> Answer:
        asked.append(question)
        return real(question, *args, **kwargs)

    monkeypatch.setattr(engine, "ask", ask)
    return asked


async def answers_in(fake: FakeDiscord, channel_id: int, count: int) -> list[Json]:
    await fake.wait_request("POST", f"/channels/{channel_id}/messages", count=count)
    return [r.json for r in fake.sent("POST", f"/channels/{channel_id}/messages")]


async def open_thread(fake: FakeDiscord, channel: int, reader: int, question: str) -> int:
    """Mention the bot with `question` in `channel`; the id of the thread it answers in, once the
    first answer is posted there (a thread started from a message has the message's id)."""
    posted = await fake.post_message(
        channel, f"<@{fake.app_id}> {question}", author_id=reader, mention_bot=True
    )
    thread = int(posted["id"])
    await answers_in(fake, thread, 1)
    return thread


@contextlib.asynccontextmanager
async def running_bot(bot: NewsBot) -> AsyncIterator[NewsBot]:
    """Log in, connect to the fake gateway, wait for READY; close cleanly afterwards."""
    await bot.login("fake-token")
    task = asyncio.create_task(bot.connect(reconnect=False))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task.done():
            task.result()  # a bad gateway payload kills connect(): show why
        raise AssertionError("the bot did not become ready")
    try:
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, discord.ConnectionClosed):
            await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def web_world(
    fake: FakeDiscord, settings: Settings, engine: Engine, feedback: FeedbackStore, **bot_options: Any
) -> AsyncIterator[tuple[World, LoopbackSite]]:
    """A server with a reader and an editor, and a bot that may fetch from the loopback news site."""
    guild = fake.add_guild("Newsroom", roles=("editors",))
    user = fake.add_user("reader")
    admin = fake.add_user("chief")
    async with LoopbackSite() as site:
        policy = FetchPolicy(allow=parse_allow_list(site.host), timeout=5.0)
        async with build_http_client(policy) as client:
            bot = NewsBot(
                settings, engine, feedback, Fetcher(client, policy), guild_ready_timeout=0.5, **bot_options
            )
            async with running_bot(bot):
                yield World(fake, bot, engine, feedback, guild, user, admin), site


def webhook_posts(requests: list[Recorded], app_id: int) -> list[Recorded]:
    return [r for r in requests if r.method == "POST" and r.path.startswith(f"/webhooks/{app_id}/")]
