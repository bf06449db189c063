"""Fixtures for the Discord tests; a test module loads them with
`pytest_plugins = ("tests.support.discord_fixtures",)`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from bot.discord.app import NewsBot
from retrieval.app import App
from retrieval.engine import Engine, namespace_for_guild
from retrieval.generate.llm import LLMAnswerer
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from tests.support.discord_world import Newsroom, OpenNewsroom, World, running_bot, sample_article, spy_on_ask
from tests.support.fake_discord import FakeDiscord


@pytest.fixture
def bot_settings(tmp_path: Path) -> Settings:
    """No cooldown unless a test asks for one; admins by Manage Server or the role 'editors'."""
    return Settings(  # type: ignore[call-arg]
        NEWSDESK_DATA_DIR=tmp_path / "data", NEWSDESK_ASK_COOLDOWN=0, NEWSDESK_ADMIN_ROLE="editors"
    )


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
        yield server


@pytest.fixture
def bot_engine(bot_settings: Settings, embedder: Embedder) -> Iterator[Engine]:
    engine_app = App(bot_settings, embedder=embedder)
    engine = engine_app.engine
    yield engine
    engine_app.close()


@pytest.fixture
def feedback(bot_settings: Settings) -> Iterator[FeedbackStore]:
    store = FeedbackStore(bot_settings.sqlite_path)
    yield store
    store.close()


@pytest.fixture
async def world(
    fake: FakeDiscord, bot_settings: Settings, bot_engine: Engine, feedback: FeedbackStore
) -> AsyncIterator[World]:
    guild = fake.add_guild("Newsroom", roles=("editors",))
    user = fake.add_user("reader")
    admin = fake.add_user("chief")
    bot = NewsBot(bot_settings, bot_engine, feedback, guild_ready_timeout=0.5)
    async with running_bot(bot):
        yield World(fake, bot, bot_engine, feedback, guild, user, admin)


@pytest.fixture
def newsroom(
    fake: FakeDiscord,
    bot_settings: Settings,
    bot_engine: Engine,
    feedback: FeedbackStore,
    monkeypatch: pytest.MonkeyPatch,
) -> OpenNewsroom:
    """`async with newsroom(**update) as (bot, guild, reader, channel, asked):` a server with a
    reader, the sample article in its namespace, questions to the engine recorded, and a bot
    running with `base` (default `bot_settings`) updated by message content on and `update`."""

    @contextlib.asynccontextmanager
    async def open_newsroom(
        base: Settings | None = None, *, bot_role: bool = False, llm: LLMAnswerer | None = None, **update: Any
    ) -> AsyncIterator[Newsroom]:
        guild = fake.add_guild("Newsroom", bot_role=bot_role)
        reader = fake.add_user("reader")
        bot_engine.ingest([sample_article()], namespace_for_guild(guild.id))
        asked = spy_on_ask(bot_engine, monkeypatch)
        settings = (base or bot_settings).model_copy(update={"discord_message_content": True, **update})
        bot = NewsBot(settings, bot_engine, feedback, llm=llm, guild_ready_timeout=0.5)
        async with running_bot(bot):
            yield Newsroom(bot, guild, reader, guild.channel_ids[0], asked)

    return open_newsroom
