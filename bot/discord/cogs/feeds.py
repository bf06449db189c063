"""/feeds add|list|remove, /digest, and the feed poller running in the background.

Following feeds and posting digests to a channel need Manage Server or the admin role from
settings (checked here whatever the server's command permissions say). New articles from a
feed are announced in the feed's channel (or NEWSDESK_FEEDS_CHANNEL when it is in the same
server). The poller and the daily-digest clock start with the cog and stop with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.feed_render import announcement, digest_embeds, feed_line
from bot.discord.interactions import defer, namespace_of, require_manager
from retrieval.answer.digest import Digest, build_digest, collect_articles
from retrieval.errors import BadInputError
from retrieval.store.lease import FEED_POLLER, Lease, hold, process_id
from retrieval.text.timewindow import parse_since
from retrieval.web.feeds import parse_feed
from retrieval.web.feedstore import Feed, FeedStore, feed_url, format_every, parse_every
from retrieval.web.ingest import WebIngestor
from retrieval.web.policy import check_url
from retrieval.web.poller import FeedPollResult, Poller

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

log = logging.getLogger(__name__)

DIGEST_TICK = 60.0  # seconds between checks of the daily-digest clock
STOP_GRACE = 5.0  # seconds a stopping cog gives the cancelled feed poll to wind up


def parse_time_of_day(value: str) -> int:
    """'07:30' (UTC) → minutes after midnight."""
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*(utc)?\s*", value.lower())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise BadInputError(f"can't read the time {value!r}: use HH:MM in UTC, e.g. 07:30")
    return int(m.group(1)) * 60 + int(m.group(2))


class Feeds(commands.Cog):
    feeds = app_commands.Group(
        name="feeds",
        description="Follow RSS/Atom feeds in this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.store = FeedStore(bot.engine.catalog.db)  # on the one state database (the App closes it)
        # the engine's one StoryIndex, shared with `/ingest url:` so that a story arriving both
        # ways at once is stored once (StoryIndex.claim); the engine closes it
        self.stories = bot.engine.stories
        self.poller: Poller | None = None
        if bot.fetcher is not None:
            self.poller = Poller(
                self.store,
                bot.fetcher,
                WebIngestor(bot.engine, self.stories),
                concurrency=bot.settings.feed_concurrency,
            )
        # the poller runs in one process of several (shards): whoever holds this lease
        self.lease = Lease(
            self.store.db,
            FEED_POLLER,
            process_id(bot.settings.discord_shard_ids or ""),
            bot.settings.poller_lease_seconds,
        )
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def cog_load(self) -> None:
        if self.poller is not None and self.bot.settings.feeds_poll_in_bot:
            self._tasks.append(asyncio.create_task(self._poll_forever(), name="feed-poller"))
        self._tasks.append(asyncio.create_task(self._digest_clock(), name="digest-clock"))

    async def cog_unload(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # --- background ----------------------------------------------------------------------

    async def _poll_forever(self) -> None:
        """Poll while this process holds the poller lease; stand by (and retry) while another does."""
        await self.bot.wait_until_ready()
        try:
            await self._lease_loop()
        finally:  # a clean stop hands the lease on at once
            with contextlib.suppress(Exception):
                self.lease.release()

    async def _lease_loop(self) -> None:
        renew_every = self.lease.ttl / 3
        standing_by = False
        while not self._stop.is_set():
            if await asyncio.to_thread(self.lease.acquire):
                log.info("feed poller: running in this process (%s)", self.lease.holder)
                standing_by = False
                await self._poll_while_held(renew_every)
            elif not standing_by:
                holder = await asyncio.to_thread(self.lease.current_holder)
                log.info("feed poller: standing by; %s runs it", holder)
                standing_by = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), renew_every)

    async def _poll_while_held(self, renew_every: float) -> None:
        assert self.poller is not None
        lost = asyncio.Event()
        # feeds added by other processes (other shards, the CLI) are seen within renew_every
        polling = asyncio.create_task(
            self.poller.run(lost, self.announce, max_sleep=min(60.0, renew_every)), name="feed-poll"
        )
        try:
            if not await hold(self.lease, self._stop, renew_every):
                log.warning("feed poller: lease lost; polling stops here")
        finally:
            lost.set()
            if not self._stop.is_set():
                await polling  # the lease was lost: the round in progress finishes
            else:  # the cog is stopping: the round in progress is abandoned, not waited for
                polling.cancel()
                await asyncio.wait({polling}, timeout=STOP_GRACE)

    async def announce(self, result: FeedPollResult) -> None:
        """Post a poll's new articles to the feed's channel (or the configured one)."""
        if result.new_articles:
            self.bot.dispatch("articles_stored", result.feed.namespace)  # the watches look at once
        embed = announcement(result.feed, result)
        if embed is None:
            return
        channel = await self.bot.channel_in(result.feed.namespace, result.feed.channel_id)
        if channel is None:
            return
        await channel.send(embed=embed, allowed_mentions=render.NO_MENTIONS)

    async def _digest_clock(self) -> None:
        """Daily digests are posted by one process of several: the holder of their own lease."""
        await self.bot.wait_until_ready()
        lease = Lease(self.store.db, "digest-clock", self.lease.holder, DIGEST_TICK * 2.5)
        while not self._stop.is_set():
            try:
                if await asyncio.to_thread(lease.acquire):
                    await self.post_due_digests(self.bot.clock())
            except Exception:
                log.exception("posting the daily digests failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), DIGEST_TICK)

    async def post_due_digests(self, now: datetime) -> int:
        """Post every daily digest whose time has come today; returns how many were posted."""
        day = now.date().isoformat()
        posted = 0
        due = await asyncio.to_thread(self.store.digests_due, day, now.hour * 60 + now.minute)
        for channel_id, namespace in due:
            try:
                channel = await self.bot.channel_in(namespace, channel_id)
                if channel is not None:
                    digest = await self._digest(namespace, "24h")
                    await channel.send(embeds=digest_embeds(digest), allowed_mentions=render.NO_MENTIONS)
                    posted += 1
            except discord.HTTPException as exc:
                if exc.status == 429 or exc.status >= 500:  # Discord's trouble: try again next tick
                    log.warning(
                        "daily digest for %s in channel %s: Discord answered %s; retrying",
                        namespace,
                        channel_id,
                        exc.status,
                    )
                    continue
                # refused (no permission, channel gone, bad request): not retried every minute
                log.warning(
                    "daily digest for %s in channel %s refused (%s %s: %s); skipped today",
                    namespace,
                    channel_id,
                    exc.status,
                    exc.code,
                    exc.text,
                )
            except Exception:  # a bug in one digest must not stop the others
                log.exception("daily digest for %s in channel %s failed", namespace, channel_id)
                continue
            await asyncio.to_thread(self.store.digest_sent, channel_id, day)
        return posted

    async def _digest(self, namespace: str, since: str) -> Digest:
        first_day = parse_since(since)
        assert first_day is not None

        def build() -> Digest:
            articles = collect_articles(self.bot.engine.catalog, self.stories, namespace, first_day)
            return build_digest(articles, since=first_day)

        return await asyncio.to_thread(build)

    # --- /feeds ---------------------------------------------------------------------------

    @feeds.command(name="add")
    @app_commands.describe(
        url="The feed's address (RSS or Atom)",
        every="How often to check it: 15m, 1h, 1d (default 15m)",
        channel="Where to announce its new articles (default: none)",
    )
    async def feeds_add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000],
        every: app_commands.Range[str, 1, 10] = "15m",
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Follow a feed: its new articles are indexed for this server."""
        require_manager(interaction, self.bot.settings, "feeds add")
        if self.bot.fetcher is None:
            raise BadInputError("fetching from the web is not set up on this bot")
        seconds = parse_every(every)
        checked = feed_url(str(check_url(url, self.bot.fetcher.policy)))  # as the store keeps it
        await defer(interaction, ephemeral=True)
        result = await self.bot.fetcher.fetch(checked, kind="feed")
        parsed = await asyncio.to_thread(parse_feed, result.content, result.url, result.content_type)
        now = time.time()
        feed = await asyncio.to_thread(
            self._follow, namespace_of(interaction), checked, seconds, now, channel, parsed.title
        )
        if self.poller is not None:
            self.poller.nudge()
        where = f"; new articles go to <#{channel.id}>" if channel else ""
        text = (
            f"Following **#{feed.id}** {render.link(render.clip(parsed.title or checked, 150), checked)}"
            f" every {format_every(seconds)}{where}."
        )
        await interaction.followup.send(
            embed=render.notice(text, colour=render.FOUND), allowed_mentions=render.NO_MENTIONS
        )

    def _follow(
        self,
        namespace: str,
        url: str,
        seconds: int,
        now: float,
        channel: discord.abc.GuildChannel | None,
        title: str,
    ) -> Feed:
        """Store a new feed, due for its first poll right away (a worker thread: the state
        database may be PostgreSQL across the network)."""
        feed = self.store.add(namespace, url, seconds, now, channel.id if channel else None)
        self.store.record_success(feed, now - seconds, None, None, title=title)
        self.store.make_due(feed.namespace, now)
        return feed

    @feeds.command(name="list")
    async def feeds_list(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows, and the last problem of each."""
        require_manager(interaction, self.bot.settings, "feeds list")
        await defer(interaction, ephemeral=True)  # the state database may be slow to answer
        feeds = await asyncio.to_thread(self.store.list_feeds, namespace_of(interaction))
        now = time.time()
        text = (
            render.fit_lines([feed_line(f, now) for f in feeds])
            if feeds
            else "No feeds followed here yet: add one with `/feeds add`."
        )
        await interaction.followup.send(
            embed=render.notice(text, title="Feeds"), ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )

    @feeds.command(name="remove")
    @app_commands.describe(feed="The feed's number (see /feeds list) or its address")
    async def feeds_remove(
        self, interaction: discord.Interaction, feed: app_commands.Range[str, 1, 2000]
    ) -> None:
        """Stop following a feed (its articles stay indexed)."""
        require_manager(interaction, self.bot.settings, "feeds remove")
        await defer(interaction, ephemeral=True)
        gone = await asyncio.to_thread(self.store.remove, namespace_of(interaction), feed)
        text = f"Stopped following **#{gone.id}** {render.link(render.clip(gone.label, 150), gone.url)}."
        await interaction.followup.send(
            embed=render.notice(text, colour=render.FOUND),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    # --- /digest --------------------------------------------------------------------------

    @app_commands.command(name="digest")
    @app_commands.describe(
        since="The window: 24h (default), 7d or a date",
        channel="Post it in this channel instead of here",
        time="Post it every day at this time (HH:MM, UTC), or 'off' to stop",
    )
    @app_commands.guild_only()
    async def digest(
        self,
        interaction: discord.Interaction,
        since: app_commands.Range[str, 1, 40] = "24h",
        channel: discord.TextChannel | None = None,
        time: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        """The most covered stories, grouped by story, each sentence cited."""
        namespace = namespace_of(interaction)
        target = channel or interaction.channel
        if time is not None or channel is not None:
            require_manager(interaction, self.bot.settings, "digest")
        if time is not None:
            target_id = target.id if target is not None else 0
            off = time.strip().lower() == "off"
            minute = None if off else parse_time_of_day(time)  # a bad time is refused at once
            await defer(interaction, ephemeral=True)
            if minute is None:
                removed = await asyncio.to_thread(self.store.drop_digest, target_id)
                text = "Daily digest stopped." if removed else "No daily digest was set here."
            else:
                await asyncio.to_thread(self.store.set_digest, namespace, target_id, minute)
                at = f"{minute // 60:02d}:{minute % 60:02d}"
                text = f"The last 24 hours' digest will be posted in <#{target_id}> daily at {at} UTC."
            await interaction.followup.send(
                embed=render.notice(text, colour=render.FOUND),
                ephemeral=True,
                allowed_mentions=render.NO_MENTIONS,
            )
            return
        parse_since(since)  # a bad window is refused before deferring
        await defer(interaction, ephemeral=channel is not None)
        result = await self._digest(namespace, since)
        embeds = digest_embeds(result)
        if channel is None:
            await interaction.followup.send(embeds=embeds, allowed_mentions=render.NO_MENTIONS)
            return
        await channel.send(embeds=embeds, allowed_mentions=render.NO_MENTIONS)
        await interaction.followup.send(
            embed=render.notice(f"Digest posted in <#{channel.id}>.", colour=render.FOUND),
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Feeds(bot))
