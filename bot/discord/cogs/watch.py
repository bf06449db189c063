"""/watch add|list|remove, and the checker that posts new reports about watched topics.

Changing and listing watches needs Manage Server or the admin role from settings (checked here
whatever the server's command permissions say). The checker runs in one process of several (the
holder of the watch lease): every WATCH_TICK seconds it reads what was stored since each watch
last looked (by any process), records the matches and posts the stories due, one message each,
pinging nobody; a story's message is edited when later reports join it (its count).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.interactions import defer, namespace_of, require_manager
from bot.discord.watch_render import watch_embed, watch_line
from retrieval.follow.checker import Notice, build_checker
from retrieval.follow.watches import WEEK, WatchStore
from retrieval.store.lease import Lease, process_id

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

log = logging.getLogger(__name__)

WATCH_LEASE = "watch-checker"
WATCH_TICK = 30.0  # seconds between passes


class Watches(commands.Cog):
    watch = app_commands.Group(
        name="watch",
        description="Watch topics: new reports about them are posted in a channel",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: NewsBot, tick: float = WATCH_TICK) -> None:
        self.bot = bot
        self.store = WatchStore(bot.engine.catalog.db)  # on the one state database (the App closes it)
        self.checker = build_checker(
            bot.engine, self.store, bot.settings.watch_max_per_hour, clock=lambda: bot.clock().timestamp()
        )
        holder = process_id(bot.settings.discord_shard_ids or "")
        self.lease = Lease(self.store.db, WATCH_LEASE, holder, tick * 2.5)
        self.tick = tick
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pass = asyncio.Lock()  # one pass at a time in this process (the lease: across them)

    async def cog_load(self) -> None:
        self._task = asyncio.create_task(self._check_forever(), name="watch-checker")

    async def cog_unload(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            self.lease.release()  # hand it on at once

    def nudge(self) -> None:
        """Run a pass now (a watch was added, articles were stored here)."""
        self._wake.set()

    @commands.Cog.listener()
    async def on_articles_stored(self, namespace: str) -> None:
        """`/ingest` and the feed poller stored articles (other processes' are seen next tick)."""
        self.nudge()

    # --- background ----------------------------------------------------------------------

    async def _check_forever(self) -> None:
        await self.bot.wait_until_ready()
        while not self._stop.is_set():
            try:
                await self.tick_once()
            except Exception:
                log.exception("checking the watches failed")
            waiters = [asyncio.ensure_future(self._stop.wait()), asyncio.ensure_future(self._wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=self.tick, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
            self._wake.clear()

    async def tick_once(self) -> int | None:
        """A pass if this process holds the watch lease (None if another does): match, record,
        post what is due. Returns the messages posted."""
        async with self._pass:
            if not await asyncio.to_thread(self.lease.acquire):
                return None
            notices = await asyncio.to_thread(self.checker.check)
            posted = 0
            for notice in notices:
                posted += await self._post(notice)
            for notice in await asyncio.to_thread(self.checker.grown):
                await self._recount(notice)
            return posted

    async def _post(self, notice: Notice) -> int:
        w = notice.watch
        channel = await self.bot.channel_in(w.namespace, w.channel_id)
        if channel is None:
            log.warning("watch #%s: no channel to post in (channel %s); skipped", w.id, w.channel_id)
            await asyncio.to_thread(self.checker.posted, notice, None)
            return 0
        try:
            message = await channel.send(embed=watch_embed(notice), allowed_mentions=render.NO_MENTIONS)
        except discord.HTTPException as exc:
            if exc.status == 429 or exc.status >= 500:  # Discord's trouble: the next pass retries
                log.warning("watch #%s: Discord answered %s; retrying", w.id, exc.status)
                return 0
            log.warning("watch #%s: post refused (%s %s: %s); skipped", w.id, exc.status, exc.code, exc.text)
            await asyncio.to_thread(self.checker.posted, notice, None)
            return 0
        await asyncio.to_thread(self.checker.posted, notice, message.id, getattr(channel, "id", None))
        return 1

    async def _recount(self, notice: Notice) -> None:
        """Edit a story's message: more reports joined it (its footer counts them)."""
        story = notice.story
        channel = await self.bot.channel_in(notice.watch.namespace, story.channel_id)
        if channel is not None and story.message_id is not None and hasattr(channel, "get_partial_message"):
            message = channel.get_partial_message(story.message_id)
            try:
                await message.edit(embed=watch_embed(notice), allowed_mentions=render.NO_MENTIONS)
            except discord.HTTPException as exc:
                if exc.status == 429 or exc.status >= 500:
                    return  # the next pass tries again
                log.warning(
                    "watch #%s: editing message %s refused (%s)",
                    notice.watch.id,
                    story.message_id,
                    exc.status,
                )
        await asyncio.to_thread(self.checker.shown, notice)

    # --- /watch ---------------------------------------------------------------------------

    @watch.command(name="add")
    @app_commands.describe(
        topic="What to watch: a story, a place, a name (e.g. Kestrel Bay ferry)",
        channel="Where to post new reports (default: here)",
        min_reports="Post a story once it has this many reports (default 1)",
    )
    async def watch_add(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 200],
        channel: discord.TextChannel | None = None,
        min_reports: app_commands.Range[int, 1, 20] = 1,
    ) -> None:
        """Watch a topic: new reports about it are posted, one message per story."""
        require_manager(interaction, self.bot.settings, "watch add")
        target = channel.id if channel is not None else interaction.channel_id
        await defer(interaction, ephemeral=True)
        w = await asyncio.to_thread(self.checker.add, namespace_of(interaction), topic, target, min_reports)
        self.nudge()
        wait = f" once a story has {w.min_reports} reports" if w.min_reports > 1 else ""
        text = f"Watching **#{w.id}** {render.safe(w.topic)}: new reports go to <#{target}>{wait}."
        await interaction.followup.send(
            embed=render.notice(text, colour=render.FOUND),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    @watch.command(name="list")
    async def watch_list(self, interaction: discord.Interaction) -> None:
        """The topics watched here, each with its last match and its matches this week."""
        require_manager(interaction, self.bot.settings, "watch list")
        await defer(interaction, ephemeral=True)
        now = self.checker.clock()

        def lines() -> list[str]:
            watches = self.store.list_watches(namespace_of(interaction))
            return [watch_line(self.store.summary(w, now - WEEK), now) for w in watches]

        found = await asyncio.to_thread(lines)
        text = render.fit_lines(found) if found else "No topics watched here yet: add one with `/watch add`."
        await interaction.followup.send(
            embed=render.notice(text, title="Watches"), ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )

    @watch.command(name="remove")
    @app_commands.describe(watch="The watch's number (see /watch list) or its topic")
    async def watch_remove(
        self, interaction: discord.Interaction, watch: app_commands.Range[str, 1, 200]
    ) -> None:
        """Stop watching a topic."""
        require_manager(interaction, self.bot.settings, "watch remove")
        await defer(interaction, ephemeral=True)
        gone = await asyncio.to_thread(self.store.remove, namespace_of(interaction), watch)
        await interaction.followup.send(
            embed=render.notice(
                f"Stopped watching **#{gone.id}** {render.safe(gone.topic)}.", colour=render.FOUND
            ),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Watches(bot))
