"""Mentions and threads: mention the bot with a question and it answers in a new thread;
follow-up messages in that thread are answered with the thread's earlier questions as context.

Discord sends the content of a message that mentions the bot without any privileged intent.
Plain follow-ups (no mention) in the thread need the message content intent
(NEWSDESK_DISCORD_MESSAGE_CONTENT=true); without it, mention the bot in the thread too.

Only a mention written in the text (the bot, or its managed role) counts: a reply to one of
the bot's messages also lists the bot in `message.mentions` (the reply ping), and "thanks!"
is not a question. Mentions and follow-ups share /ask's per-user cooldown.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord import render
from bot.discord.buttons import post_answer
from bot.discord.conversation import with_context
from bot.discord.interactions import Cooldown, OnCooldown, user_message
from retrieval.engine import namespace_for_guild
from retrieval.generate.llm import Turn
from retrieval.generate.rewrite import standalone_question

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

log = logging.getLogger(__name__)
HISTORY = 10  # earlier questions kept per thread
THREADS_KEPT = 500
THREAD_NAME_MAX = 90
ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)  # not system messages


class Threads(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.questions: OrderedDict[int, list[str]] = OrderedDict()  # thread id -> questions
        self.cooldown = Cooldown(bot.settings.ask_cooldown_seconds)  # used if /ask is not loaded
        self.warned: dict[int, float] = {}  # user id -> end of the cooldown they were told about

    def _mention_pattern(self, message: discord.Message) -> str:
        """The bot's mention, or its managed role's, as written in the text."""
        assert self.bot.user is not None
        role = message.guild.self_role if message.guild else None
        return rf"<@!?{self.bot.user.id}>" + (rf"|<@&{role.id}>" if role else "")

    def _addressed(self, message: discord.Message) -> bool:
        """Mentioned in the text. Not `bot.user in message.mentions`: a reply to the bot's
        message lists it there too (the reply ping)."""
        return re.search(self._mention_pattern(message), message.content) is not None

    def _strip_mentions(self, message: discord.Message) -> str:
        text = re.sub(self._mention_pattern(message), " ", message.content)
        return " ".join(text.split())

    def _may_ask(self, user_id: int) -> bool:
        """/ask's per-user cooldown (shared when /ask is loaded). Over the limit, raise OnCooldown
        the first time in the window (the user is told), then return False (stay silent)."""
        shared = getattr(self.bot.get_cog("Ask"), "cooldown", None)
        cooldown = shared if isinstance(shared, Cooldown) else self.cooldown
        try:
            cooldown.hit(user_id)
        except OnCooldown as exc:
            now = cooldown.clock()
            if now < self.warned.get(user_id, now):
                return False
            if len(self.warned) > 10_000:  # forget windows that are over
                self.warned = {k: t for k, t in self.warned.items() if now < t}
            self.warned[user_id] = now + exc.retry_after
            raise
        return True

    def _remember(self, thread_id: int, question: str) -> None:
        self.questions.setdefault(thread_id, []).append(question)
        self.questions[thread_id] = self.questions[thread_id][-HISTORY:]
        self.questions.move_to_end(thread_id)
        while len(self.questions) > THREADS_KEPT:
            self.questions.popitem(last=False)

    async def _earlier_questions(self, thread: discord.Thread, before: discord.Message) -> list[str]:
        """From memory, or (after a restart) from the thread's starter message and the history
        before `before` (the message being answered); kept in memory from then on."""
        if thread.id in self.questions:
            return list(self.questions[thread.id])
        found: list[str] = []
        async for m in thread.history(limit=50, before=before):  # the latest 50, newest first
            if not m.author.bot and m.content:
                found.append(self._strip_mentions(m))
        found.reverse()
        parent = thread.parent
        if isinstance(parent, discord.TextChannel):
            try:
                starter = await parent.fetch_message(thread.id)
                found.insert(0, self._strip_mentions(starter))
            except discord.HTTPException:
                pass
        earlier = [q for q in found if q][-HISTORY:]
        self.questions[thread.id] = list(earlier)
        return earlier

    def _is_our_thread(self, channel: object) -> bool:
        return (
            isinstance(channel, discord.Thread)
            and self.bot.user is not None
            and channel.owner_id == self.bot.user.id
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.bot.user is None or message.type not in ANSWERED_TYPES:
            return
        if message.guild is None and not self.bot.settings.discord_allow_dms:
            return
        in_our_thread = self._is_our_thread(message.channel)
        if not (in_our_thread or self._addressed(message)):
            return
        question = self._strip_mentions(message)
        if not question:
            return  # no content: a plain follow-up without the message content intent
        try:
            if not self._may_ask(message.author.id):
                return
            if in_our_thread:
                assert isinstance(message.channel, discord.Thread)
                await self._follow_up(message, message.channel, question)
            elif isinstance(message.channel, discord.TextChannel):
                await self._new_thread(message, question)
            else:  # a DM, or a thread someone else started: answer in place
                await self._answer(message.channel, message.guild, question, question)
        except Exception as exc:
            text, ref = user_message(exc)
            if ref:
                log.error("ref %s: answering a message failed", ref, exc_info=exc)
            await message.channel.send(render.content(text), allowed_mentions=render.NO_MENTIONS)

    async def _new_thread(self, message: discord.Message, question: str) -> None:
        name = render.clip(question, THREAD_NAME_MAX)
        thread = await message.create_thread(name=name, auto_archive_duration=1440)
        self._remember(thread.id, question)
        await self._answer(thread, message.guild, question, question)

    async def _follow_up(self, message: discord.Message, thread: discord.Thread, question: str) -> None:
        earlier = await self._earlier_questions(thread, message)
        search = with_context(question, earlier)
        if self.bot.llm is not None and earlier:  # the model rewrites it, the heuristic is the fallback
            history = [Turn("user", q) for q in earlier]
            search = (await standalone_question(self.bot.llm, question, history, search)).query
        self._remember(thread.id, question)
        await self._answer(thread, message.guild, question, search)

    async def _answer(
        self, channel: discord.abc.Messageable, guild: discord.Guild | None, shown: str, search: str
    ) -> None:
        namespace = namespace_for_guild(guild.id if guild else None)
        async with channel.typing():  # a thread's answer is posted when done, not streamed
            answer = await (await self.bot.answering.ask(search, namespace, live=False)).result()
        await post_answer(self.bot, channel.send, namespace, shown, answer)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Threads(bot))
