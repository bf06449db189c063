"""/summary: a cited summary of an article, a topic or a period."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.buttons import post_answer
from bot.discord.interactions import defer, namespace_of
from bot.discord.live import deliver
from retrieval.engine import check_summary_request
from retrieval.errors import NotFoundError
from retrieval.text.timewindow import parse_since

if TYPE_CHECKING:
    from bot.discord.app import NewsBot


LOOKUP_BEFORE_DEFER = 1.5  # seconds of Discord's 3 to answer a missing article privately at once


class Summary(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="summary")
    @app_commands.describe(
        topic="Summarise the coverage of a topic, e.g. North Korea missile tests",
        url="Summarise one indexed article (its URL or id)",
        since="Summarise everything since: 24h, 7d, 2w or a date (YYYY-MM-DD)",
    )
    async def summary(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 300] | None = None,
        url: app_commands.Range[str, 1, 2000] | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        """Summarise an article, a topic or a period, with citations."""
        namespace = namespace_of(interaction)
        # bad input is answered privately at once, before the public "thinking…"
        day = parse_since(since)
        check_summary_request(url, topic, day)
        article = None
        if url:
            lookup = asyncio.ensure_future(asyncio.to_thread(self.bot.engine.get_article, url, namespace))
            # the lookup is quick, but worker threads can all be busy (ingests): past a moment,
            # acknowledge first; a missing article is then still answered privately (on_error)
            if not (await asyncio.wait({lookup}, timeout=LOOKUP_BEFORE_DEFER))[0]:
                await defer(interaction)
            info = await lookup
            if info is None:
                raise NotFoundError(f"no article {url.strip()!r} is indexed in this server (see /sources)")
            article = info.id
        await defer(interaction)
        stream = await self.bot.answering.summarize(namespace, article=article, topic=topic, since=day)
        what = f"Summary: {url or topic or ''}".strip().rstrip(":")
        if not (url or topic) and since:
            what = f"Summary of the news since {day.isoformat() if day else since}"
        answer, send = await deliver(interaction.followup.send, what, stream)
        await post_answer(self.bot, send, namespace, what, answer)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Summary(bot))
