"""Fixtures for the Discord tests; a test module loads them with
`pytest_plugins = ("tests.discord_fixtures",)`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest
import yarl

from bot.discord_app import NewsBot
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.feedback import FeedbackStore
from retrieval.settings import Settings
from tests.discord_world import World, running_bot
from tests.fake_discord import FakeDiscord


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
    engine = Engine.from_settings(bot_settings, embedder=embedder)
    yield engine
    engine.close()


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
