"""A generated answer written into Discord as it streams.

One message is posted at once (orange, "writing…"), edited with the model's draft at most
about once a second, and finally replaced by the checked answer with its sources (the
cog hands `post_answer` a `send` whose first call edits that message). Drafts are escaped
like any model text and sent with no allowed mentions; a failed edit stops the drafts but
never the answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import discord

from bot.discord import render
from retrieval.generate.llm import AnswerStream
from retrieval.results import Answer

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[Any]]
DRAFT_INTERVAL = 1.0  # seconds between edits (Discord allows ~5 edits per 5 s per message)
CURSOR = " ▌"


def draft_embed(title: str, text: str) -> discord.Embed:
    body = render.clip(render.safe(text), render.CHUNK) if text.strip() else "…"
    embed = discord.Embed(
        title=render.clip(render.safe(title), render.TITLE_MAX),
        description=body + CURSOR,
        colour=render.WARNING,
    )
    embed.set_footer(text="newsdesk · writing…")
    return embed


async def stream_into(
    stream: AnswerStream,
    edit: Callable[[str], Awaitable[Any]],
    interval: float = DRAFT_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Consume `stream`, calling `edit(draft)` with the latest draft at most every
    `interval` seconds; returns the checked answer."""
    last = clock()
    editing = True
    async for draft in stream:
        now = clock()
        if editing and now - last >= interval:
            last = now
            try:
                await edit(draft)
            except discord.HTTPException as exc:
                log.warning("draft edit failed (%s); the final answer will still be posted", exc)
                editing = False
    assert stream.answer is not None
    return stream.answer


async def write_live(
    send: Send,
    title: str,
    stream: AnswerStream,
    interval: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Answer, Send]:
    """Post a draft message with `send`, stream into it, and return the final answer plus
    a `send` for `post_answer` that replaces the draft, then posts any further parts."""
    interval = DRAFT_INTERVAL if interval is None else interval
    draft = await send(embeds=[draft_embed(title, "")], allowed_mentions=render.NO_MENTIONS)

    async def edit(text: str) -> None:
        await draft.edit(embeds=[draft_embed(title, text)], allowed_mentions=render.NO_MENTIONS)

    answer = await stream_into(stream, edit, interval, clock)
    replaced = False

    async def send_final(**kwargs: Any) -> Any:
        nonlocal replaced
        if replaced:
            return await send(**kwargs)
        replaced = True
        kwargs.setdefault("view", None)
        try:
            return await draft.edit(**kwargs)
        except discord.NotFound:  # the draft was deleted meanwhile: post the answer anew
            return await send(**kwargs)

    return answer, send_final


async def deliver(send: Send, title: str, stream: AnswerStream) -> tuple[Answer, Send]:
    """The answer `stream` ends with, and the `send` that posts it: a model's drafts are written
    live into one message that the answer then replaces; an extractive answer is posted as is."""
    if not stream.generated:
        return await stream.result(), send
    return await write_live(partial(send, wait=True), title, stream)
