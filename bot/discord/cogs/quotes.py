"""/quotes speaker [topic] [since]: what someone said, from the attribution index (as
`newsdesk quotes`): newest story first, grouped by story with outlet, date and link, each
statement marked direct or reported. The speaker autocompletes from the index within
Discord's 3 s (the database call runs in a thread and is given up after a timeout)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.interactions import defer, namespace_of
from retrieval.attribution.store import AttributionStore, Quote
from retrieval.text.timewindow import parse_since

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

log = logging.getLogger(__name__)

AUTOCOMPLETE_MAX = 25  # Discord shows at most 25 choices
AUTOCOMPLETE_SECONDS = 2.0  # Discord drops an autocomplete answered after 3 s
MAX_STORIES = 10
QUOTE_LINK_MAX = 300  # a statement links to its place in the article when the link is this short


def quotes_embed(speaker: str, found: Sequence[Quote]) -> discord.Embed:
    """The statements, one field per story (newest first), within Discord's limits."""
    title = render.clip(f"What {speaker} said", 200)
    if not found:
        text = f"No statements by {render.safe(speaker)} are indexed in this server."
        return render.notice(render.clip(text, 400), title=title)
    people = sorted({q.speaker for q in found})
    several = len(people) > 1
    head = f"{len(people)} speakers match: {', '.join(people)}. " if several else ""
    stories = [list(g) for _, g in groupby(found, key=lambda q: q.article_id)]
    description = head + f"{len(found)} statement{'s' if len(found) != 1 else ''} in {len(stories)} "
    description += "stories, newest first." if len(stories) != 1 else "story."
    embed = discord.Embed(title=title, description=render.safe(description), colour=render.FOUND)
    for group in stories[:MAX_STORIES]:
        first = group[0]
        name = render.clip(f"{first.source or 'unknown source'}, {first.published or 'undated'}", 250)
        embed.add_field(name=name, value=_story_value(group, several), inline=False)
    if len(stories) > MAX_STORIES:
        embed.set_footer(text=f"…and {len(stories) - MAX_STORIES} more stories (newsdesk quotes lists all)")
    while len(embed) > render.EMBED_TOTAL_MAX and len(embed.fields) > 1:
        embed.remove_field(-1)
    return embed


def _story_value(group: Sequence[Quote], several: bool) -> str:
    """The story's link, then its statements; each statement's mark links to its place in the
    article when every link fits in the field, else the marks are plain (no statement is lost
    to make room for links)."""
    first = group[0]
    head = render.link(render.clip(first.title or first.url or "untitled", 150), first.url)

    def lines(linked: bool) -> list[str]:
        out = [head]
        for q in group:
            mark = "“direct”" if q.direct else "reported"
            who = f"{q.speaker}: " if several else ""
            short = linked and len(q.url_at_quote) <= QUOTE_LINK_MAX
            marked = render.link(mark, q.url_at_quote) if short else f"*{mark}*"
            out.append(f"- {marked} {render.safe(render.clip(who + ' '.join(q.text.split()), 300))}")
        return out

    linked = lines(True)
    if len("\n".join(linked)) <= render.FIELD_VALUE_MAX:
        return "\n".join(linked)
    return render.fit_lines(lines(False), limit=render.FIELD_VALUE_MAX)


class Quotes(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.autocomplete_seconds = AUTOCOMPLETE_SECONDS

    @property
    def index(self) -> AttributionStore:
        attributions = self.bot.engine.store.attributions
        if attributions is None:
            raise RuntimeError("this engine keeps no attribution index")
        return attributions

    @app_commands.command(name="quotes")
    @app_commands.describe(
        speaker="Who: a surname, a full name or a title and name (suggested from the index)",
        topic="Only statements about this",
        since="Only statements since: 24h, 7d, 2w or a date (YYYY-MM-DD)",
    )
    async def quotes(
        self,
        interaction: discord.Interaction,
        speaker: app_commands.Range[str, 1, 100],
        topic: app_commands.Range[str, 1, 200] | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        """What someone said in the news indexed here, newest first, quoted."""
        day = parse_since(since)  # bad input is answered privately at once
        await defer(interaction)
        found = await asyncio.to_thread(self.index.find, namespace_of(interaction), speaker, topic, day)
        embed = quotes_embed(speaker.strip(), found)
        await interaction.followup.send(embed=embed, allowed_mentions=render.NO_MENTIONS)

    @quotes.autocomplete("speaker")
    async def speaker_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        lookup = asyncio.ensure_future(
            asyncio.to_thread(self.index.speakers, namespace_of(interaction), current, AUTOCOMPLETE_MAX)
        )
        # the thread cannot be stopped: past the timeout it finishes unheard, and no choices are shown
        if not (await asyncio.wait({lookup}, timeout=self.autocomplete_seconds))[0]:
            lookup.add_done_callback(lambda f: f.cancelled() or f.exception())
            log.warning("speaker autocomplete gave up after %.1f s", self.autocomplete_seconds)
            return []
        names = lookup.result()
        return [
            app_commands.Choice(name=render.clip(n, 100), value=render.clip(n, 100))
            for n in names[:AUTOCOMPLETE_MAX]
        ]


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Quotes(bot))
