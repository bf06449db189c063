"""/ask: a question answered from the server's articles, with numbered citations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.buttons import QuotesButton, VoteButton, post_answer
from bot.discord.interactions import Cooldown, defer, namespace_of
from bot.discord.live import deliver
from retrieval.text.timewindow import parse_since

if TYPE_CHECKING:
    from bot.discord.app import NewsBot


class Ask(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.cooldown = Cooldown(bot.settings.ask_cooldown_seconds)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(QuotesButton, VoteButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(QuotesButton, VoteButton)

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What you want to know, e.g. what did Dunford say about the drills?",
        source="Only articles from this outlet, e.g. reuters.com",
        since="Only articles since: 24h, 7d, 2w or a date (YYYY-MM-DD)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 1000],
        source: app_commands.Range[str, 1, 100] | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        """Ask a question about the news indexed in this server; the answer cites its sources."""
        day = parse_since(since)  # a typo is answered at once and costs no cooldown
        self.cooldown.hit(interaction.user.id)
        await defer(interaction)
        namespace = namespace_of(interaction)
        stream = await self.bot.answering.ask(question, namespace, since=day, source=source)
        answer, send = await deliver(interaction.followup.send, question, stream)
        await post_answer(self.bot, send, namespace, question, answer)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
