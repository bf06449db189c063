"""Feed announcements, digests and feed lists as Discord embeds and lines, within Discord's
limits (bot/discord/render.py holds the shared limits and the mention-safe text helpers)."""

from __future__ import annotations

import discord

from bot.discord import render
from retrieval.answer.digest import Digest, Story
from retrieval.web.feedstore import Feed, format_every
from retrieval.web.poller import FeedPollResult

ANNOUNCE_MAX = 10  # articles listed per announcement
STORY_MAX = 1500  # characters of one digest story: its headline and the quoted sentences that fit


def _story_text(i: int, story: Story) -> tuple[str, set[int]]:
    """`**i. Headline** (coverage)` and the story's quoted sentences, each whole with its [n],
    while they fit in STORY_MAX (the first one is clipped if it must be); and the [n] it cites."""
    head = render.clip(render.safe(story.headline), 200)
    text = f"**{i}. {head}** ({len(story.outlets)} outlet(s), {story.reports} report(s))"
    cited: set[int] = set()
    for sentence, n in story.sentences:
        said, marker = render.safe(sentence), f" [{n}]"
        if not cited:
            text += "\n" + render.clip(said, STORY_MAX - len(text) - 1 - len(marker)) + marker
        elif len(text) + 1 + len(said) + len(marker) <= STORY_MAX:
            text += " " + said + marker
        else:
            break
        cited.add(n)
    return text, cited


def _digest_embed(digest: Digest, shown: list[tuple[str, set[int]]]) -> discord.Embed:
    """The embed of the first len(shown) stories, with a note on the rest and the sources they cite."""
    parts = [text for text, _ in shown]
    left_out = len(digest.stories) - len(shown)
    if left_out:
        stories = "story" if left_out == 1 else "stories"
        parts.append(f"*…and {left_out} more {stories}, left out to keep within Discord's limits.*")
    embed = discord.Embed(
        title=render.clip(digest.heading(), render.TITLE_MAX),
        description="\n\n".join(parts),
        colour=render.FOUND,
    )
    cited = set().union(*(numbers for _, numbers in shown))
    values: list[str] = []
    for c in digest.citations:
        if c.n not in cited:
            continue
        line = render.clip(render.citation_line(c), render.FIELD_VALUE_MAX)
        if values and len(values[-1]) + 1 + len(line) <= render.FIELD_VALUE_MAX:
            values[-1] += "\n" + line
        else:
            values.append(line)
    for n, value in enumerate(values):
        embed.add_field(name="Sources" if n == 0 else "Sources (cont.)", value=value, inline=False)
    embed.set_footer(text="newsdesk · daily digest")
    return embed


def digest_embeds(digest: Digest) -> list[discord.Embed]:
    """The digest as one embed within Discord's limits: whole stories while they fit (a note
    says how many were left out), the sources they cite in fields."""
    if digest.empty:
        return [render.notice(render.safe(digest.to_text()))]
    stories = [_story_text(i, story) for i, story in enumerate(digest.stories, 1)]
    # one story (≤ STORY_MAX) and its few sources always fit; then as many more as fit
    best = _digest_embed(digest, stories[:1])
    for k in range(2, len(stories) + 1):
        embed = _digest_embed(digest, stories[:k])
        if not render.within_limits(render.Message([embed])):
            break
        best = embed
    return [best]


def announcement(feed: Feed, result: FeedPollResult) -> discord.Embed | None:
    """The new articles, one line each, as many as fit (up to ANNOUNCE_MAX), then how many more."""
    new = result.new_articles
    if not new:
        return None
    lines = [f"• {render.link(render.clip(o.title or o.url, 150), o.url)}" for o in new[:ANNOUNCE_MAX]]
    return discord.Embed(
        title=render.clip(f"New from {feed.label}", render.TITLE_MAX),
        description=render.fit_lines(lines, total=len(new)),
        colour=render.FOUND,
    )


def feed_line(f: Feed, now: float) -> str:
    state = "ok" if not f.failures else f"⚠️ {f.failures} failure(s)"
    line = (
        f"**#{f.id}** {render.link(render.clip(f.label, 100), f.url)} · every "
        f"{format_every(f.every_seconds)} · {f.items_ingested} article(s) · {state}"
    )
    if f.channel_id:
        line += f" · <#{f.channel_id}>"
    if f.last_error:
        line += f"\n  last problem: {render.safe(render.clip(f.last_error, 300))}"
    return line
