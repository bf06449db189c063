"""A watch's post and `/watch list` lines as Discord embeds and text, within Discord's limits
(bot/discord/render.py holds the limits and the mention-safe helpers)."""

from __future__ import annotations

import discord

from bot.discord import render
from retrieval.follow.checker import Notice
from retrieval.follow.watches import WatchSummary, activity
from retrieval.text.fragments import url_at_sentence

QUOTE_MAX = 1500  # characters of the quoted sentence


def coverage(reports: int, outlets: int) -> str:
    text = f"{reports} report{'' if reports == 1 else 's'}"
    if outlets > 1:
        text += f" from {outlets} outlets"
    return text


def watch_embed(notice: Notice) -> discord.Embed:
    """One story: headline (linked), the matching sentence quoted as written, outlet and date,
    and in the footer the watch and how many reports the story has."""
    a = notice.article
    quote = render.safe(render.clip(notice.story.sentence, QUOTE_MAX))
    outlet = render.safe(a.source or "unknown source")
    embed = discord.Embed(
        title=render.clip(a.title or a.url or "untitled", render.TITLE_MAX),
        url=render.link_url(url_at_sentence(a.url, notice.story.sentence, a.text)) or render.link_url(a.url),
        description=f"> {quote}\n— **{outlet}**, {render.day(a.published)}",
        colour=render.FOUND,
    )
    footer = f"Watch #{notice.watch.id}: {notice.watch.topic} · "
    footer += coverage(notice.reports, len(notice.outlets))
    embed.set_footer(text=render.clip(footer, render.FOOTER_MAX))
    return embed


def watch_line(summary: WatchSummary, now: float) -> str:
    w = summary.watch
    where = f" → <#{w.channel_id}>" if w.channel_id else ""
    wait = f" · posts at {w.min_reports} reports" if w.min_reports > 1 else ""
    topic = render.safe(render.clip(w.topic, 200))
    return f"**#{w.id}** {topic}{where}{wait}\n  {activity(summary, now)}"
