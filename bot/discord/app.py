"""The Discord bot: a `commands.Bot` holding the clients it was given; one cog per feature.

Nothing is built at import time. `run_bot` (bot/cli/run_bot.py) takes the engine, the feedback
store, the HTTP fetcher and the model from the App (retrieval/app.py), hands them to `NewsBot`,
and the App closes them when the bot stops (the shape of discord.py's
examples/advanced_startup.py). Commands are not synced on start: run
`newsdesk bot sync` once after changing them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.discord.interactions import DMsDisabled
from retrieval.answering import Answering
from retrieval.engine import Engine, namespace_for_guild
from retrieval.errors import BadInputError
from retrieval.generate.llm import LLMAnswerer
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from retrieval.web.fetch import Fetcher

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord.cogs.errors",
    "bot.discord.cogs.ask",
    "bot.discord.cogs.summary",
    "bot.discord.cogs.sources",
    "bot.discord.cogs.quotes",
    "bot.discord.cogs.timeline",
    "bot.discord.cogs.ingest",
    "bot.discord.cogs.threads",
    "bot.discord.cogs.help",
    "bot.discord.cogs.feeds",
    "bot.discord.cogs.watch",
)


def intents_for(settings: Settings) -> discord.Intents:
    """Only what the features need. Slash commands need no privileged intent; messages that
    mention the bot carry their content without one; plain follow-ups in a thread need the
    privileged message content intent (opt in with NEWSDESK_DISCORD_MESSAGE_CONTENT)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = settings.discord_allow_dms
    intents.message_content = settings.discord_message_content
    return intents


def point_client_at(settings: Settings) -> None:
    """Send REST calls and the gateway connection elsewhere (a proxy, or the tests' fake).

    discord.py keeps both as class attributes; this is the one place that sets them."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class NewsTree(app_commands.CommandTree):
    """The command tree; refuses commands in DMs unless they are enabled in settings."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        client = interaction.client
        dms_off = isinstance(client, NewsBot) and not client.settings.discord_allow_dms
        if interaction.guild_id is None and dms_off:
            raise DMsDisabled("newsdesk answers in servers only; DMs are turned off here.")
        return True


class NewsBot(commands.Bot):
    """The bot. Cogs reach the shared clients through `bot.settings`, `bot.engine`,
    `bot.feedback`, `bot.fetcher` and `bot.answering`."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        feedback: FeedbackStore,
        fetcher: Fetcher | None = None,
        *,
        llm: LLMAnswerer | None = None,
        extensions: tuple[str, ...] = EXTENSIONS,
        guild_ready_timeout: float = 2.0,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: no prefix commands
            help_command=None,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=NewsTree,
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
            **options,
        )
        self.settings = settings
        self.engine = engine
        self.feedback = feedback
        self.fetcher = fetcher
        self.llm = llm  # answers written by an OpenAI-compatible model, when configured
        self.answering = Answering(engine, llm)  # extractive first, then the model
        self._extensions = extensions
        # the wall clock the daily-digest schedule reads (tests pass a fixed one)
        self.clock = clock or (lambda: datetime.now(tz=UTC))

    async def setup_hook(self) -> None:
        for name in self._extensions:
            await self.load_extension(name)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the threads cog listens for mentions itself."""

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s)", self.user, len(self.guilds))

    async def channel_in(self, namespace: str, channel_id: int | None) -> discord.abc.Messageable | None:
        """Where a feed, digest or watch posts: its channel, else NEWSDESK_FEEDS_CHANNEL, from the
        cache or else over REST (with several shards this process does not see every server's
        channels), and only in the server whose namespace it belongs to."""
        for cid in (channel_id, self.settings.feeds_channel):
            if not cid:
                continue
            channel: object = self.get_channel(cid)
            if channel is None:
                with contextlib.suppress(discord.HTTPException, discord.InvalidData):
                    channel = await self.fetch_channel(cid)
            guild = getattr(channel, "guild", None)
            if guild is not None and namespace_for_guild(guild.id) == namespace:
                return channel  # type: ignore[return-value]
        return None


class ShardedNewsBot(NewsBot, commands.AutoShardedBot):
    """The same bot on discord.py's AutoShardedBot: one gateway connection per shard.

    Several processes can each run some of the shards (NEWSDESK_SHARD_IDS) against one Chroma
    server and one state database; the feed poller runs in whichever holds its lease."""


def shard_options(settings: Settings) -> dict[str, Any] | None:
    """NEWSDESK_SHARDS=auto|N and NEWSDESK_SHARD_IDS=0,1 → AutoShardedBot's options (None: unsharded)."""
    ids_text = (settings.discord_shard_ids or "").strip()
    ids: list[int] | None = None
    if ids_text:
        if not all(p.strip().isdigit() for p in ids_text.split(",")):
            raise BadInputError(f"NEWSDESK_SHARD_IDS={ids_text!r}: use shard numbers, e.g. 0,1")
        ids = sorted({int(p) for p in ids_text.split(",")})
    value = (settings.discord_shards or "").strip().lower()
    if not value:
        if ids:
            raise BadInputError("NEWSDESK_SHARD_IDS needs NEWSDESK_SHARDS=N (the total number of shards)")
        return None
    if value == "auto":
        if ids:
            raise BadInputError("NEWSDESK_SHARD_IDS needs NEWSDESK_SHARDS=N, not auto: the ids must add up")
        return {"shard_count": None}  # Discord's recommendation, from GET /gateway/bot
    if not value.isdigit() or int(value) < 1:
        raise BadInputError(f"NEWSDESK_SHARDS={value!r}: use auto or a number of shards")
    count = int(value)
    if ids and ids[-1] >= count:
        raise BadInputError(f"NEWSDESK_SHARD_IDS: shard ids run from 0 to {count - 1} with {count} shards")
    return {"shard_count": count, "shard_ids": ids}


def build_bot(settings: Settings, engine: Engine, feedback: FeedbackStore, **kwargs: Any) -> NewsBot:
    """NewsBot, or ShardedNewsBot when NEWSDESK_SHARDS is set."""
    options = shard_options(settings)
    if options is None:
        return NewsBot(settings, engine, feedback, **kwargs)
    return ShardedNewsBot(settings, engine, feedback, **kwargs, **options)


async def sync_commands(bot: NewsBot, guild_id: int | None = None) -> list[app_commands.AppCommand]:
    """Register the slash commands with Discord: globally, or in one server (instant)."""
    if guild_id is None:
        return await bot.tree.sync()
    guild = discord.Object(id=guild_id)
    bot.tree.copy_global_to(guild=guild)
    return await bot.tree.sync(guild=guild)
