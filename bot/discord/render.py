"""Answers, quotes and source lists as Discord embeds, within every Discord limit.

Pure functions: no I/O, no client. Article and model text is escaped (markdown and mentions)
before it reaches an embed; links are wrapped in `<>` so Discord shows no preview cards.
Long answers are split across embeds and messages; what still does not fit is cut with a
visible note, so Discord never rejects a message.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import discord

from retrieval.results import Answer, ArticleInfo, Citation

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000  # per message, all embeds together
EMBEDS_MAX = 10

# Our own budgets, well inside Discord's
ANSWER_TEXT_MAX = 12_000  # longer answers are cut with a note
SOURCES_MAX = 40  # citation lines listed under an answer
QUOTES_MAX = 25  # quotes shown by "Show quotes"
LINK_URL_MAX = 512
CHUNK = 4000  # description chunk when splitting (leaves room for a title)

FOUND = discord.Colour.green()
NOTHING = discord.Colour.light_grey()
WARNING = discord.Colour.orange()

NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(frozen=True)
class Message:
    """One message to send: some content (maybe empty) and up to 10 embeds."""

    embeds: list[discord.Embed]
    content: str = ""


def safe(text: str) -> str:
    """Article or model text made inert: markdown escaped, @everyone/@here/<@id> broken."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def clip(text: str, limit: int, marker: str = "…") -> str:
    """`text` cut to `limit` characters, ending with `marker` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))].rstrip() + marker


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters, at paragraph, line, sentence or
    word boundaries when there is one in the second half of the piece."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            at = window.rfind(sep)
            if at >= limit // 2:
                cut = at + len(sep)
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def link_url(url: str) -> str | None:
    """The URL as it can sit inside `(<...>)`, or None when it should not be linked."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    quoted = urllib.parse.quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._")
    # Drop characters that would end the masked link early.
    for ch in "<>()":
        quoted = quoted.replace(ch, urllib.parse.quote(ch))
    return quoted if len(quoted) <= LINK_URL_MAX else None


def link(label: str, url: str) -> str:
    """A masked link with no preview card: `[label](<url>)`; the label is escaped."""
    text = safe(label).replace("[", "(").replace("]", ")")
    target = link_url(url)
    return f"[{text}](<{target}>)" if target else text


def citation_url(c: Citation) -> str:
    """The link that opens the article at the quote when Discord can take it, else the article."""
    return c.url_at_quote if link_url(c.url_at_quote) else c.url


def day(d: date | None) -> str:
    return d.isoformat() if d else "undated"


def citation_line(c: Citation) -> str:
    """`[n] Title — source, date`, the title linking to the article."""
    title = clip(c.title.strip() or c.url or "untitled", 150)
    source = safe(c.source or "unknown source")
    return f"[{c.n}] {link(title, citation_url(c))} — {source}, {day(c.published)}"


def _lines_to_values(lines: Sequence[str], limit: int = FIELD_VALUE_MAX) -> list[str]:
    """Join lines into field values of at most `limit` characters (a line never splits)."""
    values: list[str] = []
    current = ""
    for line in lines:
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            values.append(current)
            current = line
        else:
            current = candidate
    if current:
        values.append(current)
    return values


def _add_fields(
    embeds: list[discord.Embed], fields: Sequence[tuple[str, str]], colour: discord.Colour
) -> None:
    """Append fields to the last embed while it has room, then to new embeds."""
    reserve = 200  # for the footer set afterwards
    for name, value in fields:
        last = embeds[-1]
        room = EMBED_TOTAL_MAX - reserve - len(last)
        if len(last.fields) >= FIELDS_MAX or len(name) + len(value) > room:
            last = discord.Embed(colour=colour)
            embeds.append(last)
        last.add_field(name=clip(name, FIELD_NAME_MAX), value=value, inline=False)


def pack(embeds: Sequence[discord.Embed]) -> list[Message]:
    """Group embeds into messages of at most 10 embeds and 6000 characters."""
    messages: list[Message] = []
    current: list[discord.Embed] = []
    size = 0
    for e in embeds:
        n = len(e)
        if current and (len(current) >= EMBEDS_MAX or size + n > EMBED_TOTAL_MAX):
            messages.append(Message(current))
            current, size = [], 0
        current.append(e)
        size += n
    if current:
        messages.append(Message(current))
    return messages


def answer_messages(question: str, answer: Answer, *, footer: str = "newsdesk") -> list[Message]:
    """An answer as messages: the text with [n] markers, a Sources part, notes, a footer."""
    colour = FOUND if answer.found else NOTHING
    notes = list(answer.notes)
    text = answer.text.strip() or "(empty answer)"
    if len(text) > ANSWER_TEXT_MAX:
        notes.append(f"The answer was cut at {ANSWER_TEXT_MAX:,} of {len(text):,} characters.")
        text = clip(split_text(text, ANSWER_TEXT_MAX)[0], ANSWER_TEXT_MAX)
    chunks = split_text(safe(text), CHUNK)
    embeds = [discord.Embed(title=clip(safe(question), TITLE_MAX), description=chunks[0], colour=colour)]
    embeds += [discord.Embed(description=c, colour=colour) for c in chunks[1:]]

    citations = answer.citations
    lines = [citation_line(c) for c in citations[:SOURCES_MAX]]
    if len(citations) > SOURCES_MAX:
        lines.append(f"…and {len(citations) - SOURCES_MAX} more sources (use Show quotes)")
    fields: list[tuple[str, str]] = []
    for i, value in enumerate(_lines_to_values(lines)):
        fields.append(("Sources" if i == 0 else "Sources (continued)", value))
    for value in _lines_to_values([f"⚠️ {safe(n)}" for n in notes]):
        fields.append(("Note", value))
    _add_fields(embeds, fields, colour)
    mode = {"llm": "generated answer", "extractive": "quoted answer", "none": "nothing found"}
    embeds[-1].set_footer(text=clip(f"{footer} · {mode.get(answer.mode, answer.mode)}", FOOTER_MAX))
    return pack(embeds)


def quote_messages(citations: Sequence[Citation]) -> list[Message]:
    """The quoted passages behind an answer, one embed per citation."""
    if not citations:
        return [Message([discord.Embed(description="This answer quotes no passages.", colour=NOTHING)])]
    embeds = []
    for c in citations[:QUOTES_MAX]:
        quote = "\n".join(f"> {line}" for line in split_text(safe(c.quote), 3900)[0].splitlines())
        e = discord.Embed(
            title=clip(f"[{c.n}] {safe(c.title or 'untitled')}", TITLE_MAX),
            description=clip(quote, 3900) + f"\n{link('Read the article', citation_url(c))}",
            colour=FOUND,
        )
        e.set_footer(text=clip(f"{c.source or 'unknown source'} · {day(c.published)}", 200))
        embeds.append(e)
    if len(citations) > QUOTES_MAX:
        embeds[-1].add_field(
            name="Note",
            value=f"⚠️ {len(citations) - QUOTES_MAX} more quotes not shown.",
            inline=False,
        )
    return pack(embeds)


def fit_lines(lines: Sequence[str], total: int | None = None, limit: int = DESCRIPTION_MAX) -> str:
    """Whole lines, joined, while they fit in `limit` with a last "…and N more" line when some
    of the `total` (default: len(lines)) are not shown. A line is never cut: a cut masked link
    shows as raw markdown."""
    total = len(lines) if total is None else total
    kept: list[str] = []
    for line in lines:
        more = total - len(kept) - 1  # left over if this line is kept
        tail = f"\n…and {more} more" if more else ""
        if len("\n".join([*kept, line])) + len(tail) > limit:
            break
        kept.append(line)
    if len(kept) < total:
        kept.append(f"…and {total - len(kept)} more")
    return "\n".join(kept)


def sources_embed(
    infos: Sequence[ArticleInfo], *, page: int, pages: int, total: int, query: str | None
) -> discord.Embed:
    """One page of what is indexed, newest first."""
    title = "Indexed articles" + (f" matching “{clip(safe(query), 80)}”" if query else "")
    if not infos:
        return discord.Embed(title=title, description="Nothing indexed yet.", colour=NOTHING)
    lines = [
        f"{link(clip(i.title or i.url, 150), i.url)} — {safe(i.source)}, {day(i.published)}" for i in infos
    ]
    e = discord.Embed(title=title, description=fit_lines(lines), colour=FOUND)
    e.set_footer(text=f"Page {page}/{pages} · {total} article{'s' if total != 1 else ''}")
    return e


def notice(text: str, *, colour: discord.Colour = NOTHING, title: str | None = None) -> discord.Embed:
    """A short message in an embed (text already safe or our own)."""
    return discord.Embed(title=title, description=clip(text, DESCRIPTION_MAX), colour=colour)


def content(text: str) -> str:
    """Plain message content within 2000 characters."""
    return clip(text, CONTENT_MAX)


def within_limits(message: Message) -> bool:
    """True when Discord would accept this message (checked in tests and before sending)."""
    if len(message.content) > CONTENT_MAX or len(message.embeds) > EMBEDS_MAX:
        return False
    if sum(len(e) for e in message.embeds) > EMBED_TOTAL_MAX:
        return False
    for e in message.embeds:
        if len(e.title or "") > TITLE_MAX or len(e.description or "") > DESCRIPTION_MAX:
            return False
        if len(e.fields) > FIELDS_MAX or len(e.footer.text or "") > FOOTER_MAX:
            return False
        for f in e.fields:
            if len(f.name or "") > FIELD_NAME_MAX or len(f.value or "") > FIELD_VALUE_MAX:
                return False
    return True
