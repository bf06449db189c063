"""/timeline topic [since]: a story's developments, oldest first, each a quoted sentence cited
[n] with outlet and date (as `newsdesk timeline`; with a model, a checked one-line summary of
the day's reports where one passes), with a PNG of the coverage per day. The timeline and the
chart are made off the event loop (`asyncio.to_thread`)."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.interactions import defer, namespace_of
from retrieval.follow.chart import timeline_chart
from retrieval.follow.summaries import summarize_entries
from retrieval.follow.timeline import Entry, Timeline
from retrieval.results import Citation
from retrieval.text.timewindow import parse_since

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

CHART_FILE = "timeline.png"
ENTRIES_MAX = 3000  # characters of entries in the description; the sources get the rest
SOURCES_MAX = 2400  # characters of source lines, over fields of 1024


def _entry_line(e: Entry) -> str:
    outlets = len(e.outlets)
    coverage = f"{outlets} outlet{'' if outlets == 1 else 's'}"
    return f"**{e.day.isoformat()}** · {render.safe(render.clip(e.text, 400))} · {coverage}"


def _source_line(e: Entry, c: Citation) -> str:
    at = e.link(c)
    url = at if render.link_url(at) else c.url
    title = render.clip(c.title.strip() or c.url or "untitled", 120)
    source = render.safe(c.source or "unknown source")
    return f"[{c.n}] {render.link(title, url)} — {source}, {render.day(c.published)}"


def _fields(lines: list[str]) -> list[str]:
    """Source lines as field values of at most 1024 characters, SOURCES_MAX in all."""
    values: list[str] = []
    current = ""
    used = 0
    for i, line in enumerate(lines):
        if used + len(line) > SOURCES_MAX:
            current += f"\n…and {len(lines) - i} more (newsdesk timeline lists all)"
            break
        if current and len(current) + len(line) + 1 > render.FIELD_VALUE_MAX - 60:
            values.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
        used += len(line)
    if current:
        values.append(current)
    return values


def shown_entries(entries: list[Entry]) -> list[Entry]:
    """The newest entries whose lines and sources fit in one embed, oldest of them first: a
    long story is cut at its start, so the latest developments are always shown."""
    shown: list[Entry] = []
    chars = sources = 0
    for e in reversed(entries):
        line = len(_entry_line(e)) + 1
        cited = sum(len(_source_line(e, c)) + 1 for c in e.citations)
        if shown and (chars + line > ENTRIES_MAX - 100 or sources + cited > SOURCES_MAX):
            break
        shown.append(e)
        chars, sources = chars + line, sources + cited
    return shown[::-1]


def timeline_embed(timeline: Timeline, chart: bool) -> discord.Embed:
    """The entries, oldest first (the newest that fit), and their sources, within Discord's limits."""
    title = render.clip(f"Timeline: {timeline.topic}", render.TITLE_MAX)
    if timeline.empty:
        return render.notice(render.safe(timeline.heading()), title=title)
    shown = shown_entries(timeline.entries)
    lines = [_entry_line(e) for e in shown]
    earlier = len(timeline.entries) - len(shown)
    if earlier:
        plural = "s" if earlier != 1 else ""
        lines.insert(0, f"…{earlier} earlier development{plural} (newsdesk timeline lists all)")
    embed = discord.Embed(
        title=title, description=render.fit_lines(lines, limit=ENTRIES_MAX), colour=render.FOUND
    )
    for i, value in enumerate(_fields([_source_line(e, c) for e in shown for c in e.citations])):
        embed.add_field(name="Sources" if i == 0 else "Sources (continued)", value=value, inline=False)
    if chart:
        embed.set_image(url=f"attachment://{CHART_FILE}")
    embed.set_footer(text=render.clip(timeline.heading().split(" — ", 1)[-1], 200))
    return embed


class TimelineCog(commands.Cog, name="Timeline"):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline")
    @app_commands.describe(
        topic="The story, e.g. Lowmoor ferry strike",
        since="From: 24h, 7d, 2w or a date (YYYY-MM-DD); the last 30 days by default",
    )
    async def timeline(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 300],
        since: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        """How a story developed, day by day, each development quoted and cited."""
        day = parse_since(since)  # bad input is answered privately at once
        await defer(interaction)
        timelines = self.bot.answering.timelines
        namespace = namespace_of(interaction)
        timeline = await asyncio.to_thread(timelines.build, topic, namespace, day)
        if self.bot.llm is not None:  # each entry a checked one-line summary where it passes
            await summarize_entries(timeline, self.bot.llm, self.bot.engine.catalog, namespace)
        png = await asyncio.to_thread(timeline_chart, timeline)
        embed = timeline_embed(timeline, chart=png is not None)
        if png is None:
            await interaction.followup.send(embed=embed, allowed_mentions=render.NO_MENTIONS)
            return
        picture = discord.File(io.BytesIO(png), filename=CHART_FILE, description=f"Coverage per day: {topic}")
        await interaction.followup.send(embed=embed, file=picture, allowed_mentions=render.NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(TimelineCog(bot))
