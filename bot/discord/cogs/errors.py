"""The central error handler: every failed slash command ends as a short private message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.interactions import report_error

if TYPE_CHECKING:
    from bot.discord.app import NewsBot


class Errors(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Errors(bot))
