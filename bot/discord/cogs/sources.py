"""/sources: what is indexed in this server, newest first, paginated with buttons."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.interactions import defer, namespace_of, report_error
from retrieval.engine import Engine

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

log = logging.getLogger(__name__)

PAGE_SIZE = 10
# The buttons live in memory: before the interaction's token expires (15 min) the pager greys
# them out, so a later click does not meet "This interaction failed".
PAGER_MINUTES = 14.0


class SourcesPager(discord.ui.View):
    """◀ / ▶ buttons that page through the list by editing the message."""

    def __init__(self, engine: Engine, namespace: str, query: str | None, total: int) -> None:
        super().__init__(timeout=PAGER_MINUTES * 60)
        self.message: discord.WebhookMessage | None = None
        self.engine = engine
        self.namespace = namespace
        self.query = query
        self.total = total
        self.page = 1
        self.pages = max(1, math.ceil(total / PAGE_SIZE))
        self._refresh_buttons()

    def _refresh_buttons(self) -> None:
        self.newer.disabled = self.page <= 1
        self.older.disabled = self.page >= self.pages

    async def embed(self) -> discord.Embed:
        infos = await asyncio.to_thread(
            self.engine.sources, self.namespace, self.query, PAGE_SIZE, (self.page - 1) * PAGE_SIZE
        )
        return render.sources_embed(
            infos, page=self.page, pages=self.pages, total=self.total, query=self.query
        )

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.info("could not grey out the /sources buttons (message gone?)")

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        try:
            await interaction.response.defer()
            self.page = min(self.pages, max(1, self.page + step))
            self._refresh_buttons()
            await interaction.edit_original_response(embed=await self.embed(), view=self)
        except Exception as exc:
            await report_error(interaction, exc)

    @discord.ui.button(label="Newer", emoji="◀️", custom_id="nd:sources:newer")
    async def newer(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Older", emoji="▶️", custom_id="nd:sources:older")
    async def older(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, +1)


class Sources(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources")
    @app_commands.describe(query="Only articles whose title, outlet or URL matches this")
    async def sources(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 200] | None = None
    ) -> None:
        """List the articles indexed in this server, newest first."""
        await defer(interaction)
        namespace = namespace_of(interaction)
        total = await asyncio.to_thread(self.bot.engine.count_articles, namespace, query)
        pager = SourcesPager(self.bot.engine, namespace, query, total)
        embed = await pager.embed()
        if pager.pages > 1:
            pager.message = await interaction.followup.send(
                embed=embed, view=pager, allowed_mentions=render.NO_MENTIONS, wait=True
            )
        else:
            await interaction.followup.send(embed=embed, allowed_mentions=render.NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Sources(bot))
