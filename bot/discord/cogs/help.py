"""/help (what the bot can do and what is indexed) and /newsdesk stats (counts and feedback)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.interactions import defer, namespace_of

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

COMMANDS = (
    ("/ask question [source] [since]", "Answer from the indexed news, with numbered citations."),
    ("/summary [topic] [url] [since]", "A cited summary of an article, a topic or a period."),
    ("/sources [query]", "What is indexed here, newest first."),
    ("/quotes speaker [topic] [since]", "What someone said, quoted, newest story first."),
    ("/timeline topic [since]", "How a story developed, day by day, quoted, with a coverage chart."),
    ("/ingest url | file", "Add an article from a web page or an attached file (admins)."),
    ("/forget article", "Remove an article (admins)."),
    ("/feeds add url [every] [channel] · list · remove", "Follow RSS/Atom feeds in this server (admins)."),
    ("/digest [since] [channel] [time]", "The most covered stories, now or daily at a time (admins)."),
    ("/watch add topic [channel] [min_reports] · list · remove", "Post new reports on a topic (admins)."),
    ("/newsdesk stats", "Articles, passages and 👍/👎 feedback in this server."),
    ("@newsdesk question", "Answers in a new thread; ask follow-ups there."),
)


class Help(commands.Cog):
    newsdesk = app_commands.Group(name="newsdesk", description="About this newsdesk bot")

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What newsdesk can do, and what is indexed in this server."""
        await defer(interaction, ephemeral=True)
        namespace = namespace_of(interaction)
        total = await asyncio.to_thread(self.bot.engine.count_articles, namespace)
        latest = await asyncio.to_thread(self.bot.engine.sources, namespace, None, 3)
        lines = [f"`{usage}` — {what}" for usage, what in COMMANDS]
        embed = render.notice("\n".join(lines), colour=render.FOUND, title="newsdesk")
        indexed = f"{total} article{'s' if total != 1 else ''} indexed in this server."
        if latest:
            indexed += "\nLatest: " + "; ".join(
                render.link(render.clip(i.title or i.url, 80), i.url) for i in latest
            )
        embed.add_field(name="Indexed", value=render.clip(indexed, render.FIELD_VALUE_MAX), inline=False)
        embed.set_footer(text="Answers quote the articles; every [n] links to its source.")
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=render.NO_MENTIONS)

    @newsdesk.command(name="stats")
    async def stats(self, interaction: discord.Interaction) -> None:
        """Articles, passages and answer feedback in this server."""
        await defer(interaction, ephemeral=True)
        namespace = namespace_of(interaction)
        data = await asyncio.to_thread(self.bot.engine.stats, namespace)
        votes = await asyncio.to_thread(self.bot.feedback.counts, namespace)
        embed = render.notice("", colour=render.FOUND, title="newsdesk stats")
        embed.description = None
        for key in ("articles", "chunks", "vectors", "embedding_model"):
            if key in data:
                embed.add_field(name=key.replace("_", " ").capitalize(), value=str(data[key]))
        embed.add_field(name="Answers posted", value=str(votes["answers"]))
        embed.add_field(name="Feedback", value=f"👍 {votes['up']} · 👎 {votes['down']}")
        await interaction.followup.send(embed=embed, ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Help(bot))
