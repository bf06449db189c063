"""The buttons under an answer — "Show quotes", 👍, 👎 — and posting an answer with them.

The buttons are persistent (`DynamicItem`): their custom id carries the answer's reference,
and the answer is stored by the feedback store, so they keep working after a restart.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.discord import render
from bot.discord.app import NewsBot
from bot.discord.interactions import defer, report_error
from retrieval.results import Answer

Send = Callable[..., Awaitable[Any]]


def _bot(interaction: discord.Interaction) -> NewsBot:
    client = interaction.client
    assert isinstance(client, NewsBot)
    return client


class QuotesButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"nd:quotes:(?P<ref>[0-9a-f]{12})"
):
    """Shows the quoted passages behind an answer, privately."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show quotes",
                emoji="📰",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nd:quotes:{ref}",
            )
        )
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QuotesButton:
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await defer(interaction, ephemeral=True)
            citations = await asyncio.to_thread(_bot(interaction).feedback.citations, self.ref)
            if citations is None:
                await interaction.followup.send("That answer is no longer stored.", ephemeral=True)
                return
            for message in render.quote_messages(citations):
                await interaction.followup.send(
                    embeds=message.embeds, ephemeral=True, allowed_mentions=render.NO_MENTIONS
                )
        except Exception as exc:
            await report_error(interaction, exc)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"nd:vote:(?P<vote>up|down):(?P<ref>[0-9a-f]{12})",
):
    """👍 or 👎 on an answer; one vote per user, the last one counts."""

    def __init__(self, vote: str, ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nd:vote:{vote}:{ref}",
            )
        )
        self.vote = vote
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match["vote"], match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await defer(interaction, ephemeral=True)
            value = 1 if self.vote == "up" else -1
            stored = await asyncio.to_thread(
                _bot(interaction).feedback.vote, self.ref, interaction.user.id, value
            )
            text = (
                f"Thanks: your {'👍' if value > 0 else '👎'} is recorded."
                if stored
                else "That answer is no longer stored."
            )
            await interaction.followup.send(text, ephemeral=True)
        except Exception as exc:
            await report_error(interaction, exc)


def answer_view(ref: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(QuotesButton(ref))
    view.add_item(VoteButton("up", ref))
    view.add_item(VoteButton("down", ref))
    return view


async def post_answer(bot: NewsBot, send: Send, namespace: str, question: str, answer: Answer) -> list[Any]:
    """Send an answer (split over several messages if it must be) with the buttons under the
    last message; returns what `send` returned for each message."""
    ref = None
    if answer.found:
        ref = await asyncio.to_thread(bot.feedback.save_answer, namespace, question, answer)
    messages = render.answer_messages(question, answer)
    sent = []
    for i, message in enumerate(messages):
        kwargs: dict[str, Any] = {"embeds": message.embeds, "allowed_mentions": render.NO_MENTIONS}
        if ref and i == len(messages) - 1:
            kwargs["view"] = answer_view(ref)
        sent.append(await send(**kwargs))
    return sent
