"""Mentions and threads: a mention opens a thread with the answer; follow-ups in the thread
are answered with the earlier questions as context."""

from __future__ import annotations

import discord

from bot.discord import render
from bot.discord.app import NewsBot
from bot.discord.cogs.threads import Threads
from bot.discord.conversation import with_context
from bot.discord.interactions import Cooldown
from retrieval.engine import Engine, namespace_for_guild
from tests.support.discord_world import (
    SAMPLE_TITLE,
    SAMPLE_URL,
    VALK,
    OpenNewsroom,
    answers_in,
    open_thread,
)
from tests.support.fake_discord import FakeDiscord

pytest_plugins = ("tests.support.discord_fixtures",)


async def test_mention_opens_a_thread_and_follow_ups_keep_context(
    fake: FakeDiscord, newsroom: OpenNewsroom, bot_engine: Engine
) -> None:
    async with newsroom() as (_, guild, reader, channel, asked):
        assert fake.intents & (1 << 15)  # asked for message content: plain follow-ups work
        question = await fake.post_message(
            channel, f"<@{fake.app_id}> {VALK}", author_id=reader, mention_bot=True
        )
        (start,) = await fake.wait_request("POST", f"/channels/{channel}/messages/{question['id']}/threads")
        assert start.json["name"] == VALK
        thread = int(question["id"])
        (first,) = await answers_in(fake, thread, 1)
        assert first["allowed_mentions"] == {"parse": []}
        (embed,) = first["embeds"]
        assert embed["title"] == VALK
        assert "not something we will trade away" in embed["description"]
        assert embed["fields"][0]["value"].startswith(f"[1] [{SAMPLE_TITLE}](<{SAMPLE_URL}#:~:text=")
        assert [b["custom_id"][:10] for b in first["components"][0]["components"]] == [
            "nd:quotes:",
            "nd:vote:up",
            "nd:vote:do",
        ]

        await fake.post_message(thread, "and what did Ambrel say?", author_id=reader)
        second = (await answers_in(fake, thread, 2))[1]
        assert asked == [VALK, "what did Ambrel say about the drills?"]
        namespace = namespace_for_guild(guild.id)
        expected = bot_engine.ask("what did Ambrel say about the drills?", namespace)
        (embed,) = second["embeds"]
        assert embed["title"] == "and what did Ambrel say?"
        assert embed["description"] == render.safe(expected.text)  # the sample quotes no Ambrel
        assert embed["footer"]["text"] == "newsdesk · nothing found"

        await fake.post_message(thread, "and what did Oskar Brenn say?", author_id=reader)
        third = (await answers_in(fake, thread, 3))[2]
        assert asked[-1] == "what did Oskar Brenn say about the drills?"
        (embed,) = third["embeds"]
        assert embed["description"].startswith("Oskar Brenn, a vice chairman of Tarva’s powerful")
        assert embed["fields"][0]["value"].startswith(f"[1] [{SAMPLE_TITLE}](<{SAMPLE_URL}#:~:text=")
    # the typing indicator was shown while answering
    assert fake.sent("POST", f"/channels/{thread}/typing")


async def test_without_message_content_only_mentions_are_answered(
    fake: FakeDiscord, newsroom: OpenNewsroom
) -> None:
    async with newsroom(discord_message_content=False) as (_, _, reader, channel, asked):
        assert not fake.intents & (1 << 15)
        await fake.post_message(channel, "what did Valk say? (no mention)", author_id=reader)
        thread = await open_thread(fake, channel, reader, VALK)
        await fake.post_message(thread, "and what did Ambrel say?", author_id=reader)  # blanked
        await fake.post_message(thread, f"<@{fake.app_id}> and Ambrel?", author_id=reader, mention_bot=True)
        answers = await answers_in(fake, thread, 2)
    assert asked == [VALK, "Ambrel about the drills?"]
    assert [a["embeds"][0]["title"] for a in answers] == [VALK, "and Ambrel?"]
    assert len(fake.sent("POST", f"/channels/{channel}/messages/{thread}/threads")) == 1


def test_follow_up_context() -> None:
    earlier = ["what did Valk say about the drills?"]
    assert with_context("and what did Ambrel say?", earlier) == "what did Ambrel say about the drills?"
    assert with_context("What did Ambrel say on Guam?", earlier) == "What did Ambrel say on Guam?"
    assert with_context("who is Fan Changlong?", []) == "who is Fan Changlong?"
    assert with_context("and Vell?", ["what did Valk tell reporters in Beijing"]) == ("Vell in Beijing?")
    assert with_context("and Kono?", ["Valk drills readiness"]) == "Kono? Valk drills readiness"


async def test_follow_up_after_restart_reads_the_thread(fake: FakeDiscord, newsroom: OpenNewsroom) -> None:
    async with newsroom() as (bot, _, reader, channel, asked):
        thread = await open_thread(fake, channel, reader, VALK)
        threads = bot.get_cog("Threads")
        assert threads is not None
        threads.questions.clear()  # type: ignore[attr-defined]  # as after a restart
        await fake.post_message(thread, "and what did Oskar Brenn say?", author_id=reader)
        await answers_in(fake, thread, 2)
    assert asked == [VALK, "what did Oskar Brenn say about the drills?"]
    assert fake.sent("GET", f"/channels/{channel}/messages/{thread}")  # the starter message
    assert [
        r.path
        for r in fake.requests
        if r.method == "GET" and r.path.startswith(f"/channels/{thread}/messages")
    ] == [f"/channels/{thread}/messages"]


async def test_only_a_mention_in_the_text_is_a_question_not_a_reply_ping(
    fake: FakeDiscord, newsroom: OpenNewsroom
) -> None:
    async with newsroom(bot_role=True) as (bot, guild, reader, channel, asked):
        news = bot.get_channel(channel)
        assert isinstance(news, discord.TextChannel)
        sent = await news.send("New from meridianwire.example: Arvenia and Kestria tighten defence ties")
        announcement = fake.messages[sent.id]
        thanks = await fake.post_message(channel, "thanks!", author_id=reader, reply_to=announcement)
        assert (thanks["type"], thanks["mentions"]) == (19, [fake.bot_user])  # the reply ping
        question = await fake.post_message(
            channel, f"<@{fake.app_id}> {VALK}", author_id=reader, reply_to=announcement
        )
        thread = int(question["id"])
        await answers_in(fake, thread, 1)
        await fake.post_message(thread, "Valk on the drills", author_id=reader, message_type=4)  # rename
        assert guild.bot_role is not None
        by_role = await fake.post_message(
            channel,
            f"<@&{guild.bot_role}> who is Oskar Brenn?",
            author_id=reader,
            mention_roles=(guild.bot_role,),
        )
        (role_answer,) = await answers_in(fake, int(by_role["id"]), 1)
        await fake.post_message(thread, "and what did Ambrel say?", author_id=reader)
        answers = await answers_in(fake, thread, 2)
    starts = [r.path for r in fake.requests if r.method == "POST" and r.path.endswith("/threads")]
    assert starts == [
        f"/channels/{channel}/messages/{question['id']}/threads",
        f"/channels/{channel}/messages/{by_role['id']}/threads",
    ]
    assert asked == [VALK, "who is Oskar Brenn?", "what did Ambrel say about the drills?"]
    assert role_answer["embeds"][0]["title"] == "who is Oskar Brenn?"
    assert [a["embeds"][0]["title"] for a in answers] == [VALK, "and what did Ambrel say?"]
    assert [r.json["content"] for r in fake.sent("POST", f"/channels/{channel}/messages")] == [sent.content]


async def restart_threads(bot: NewsBot) -> None:
    """A fresh Threads cog, with nothing in memory: what the bot has after a restart."""
    await bot.remove_cog("Threads")
    await bot.add_cog(Threads(bot))


async def test_follow_ups_after_restart_keep_the_first_question(
    fake: FakeDiscord, newsroom: OpenNewsroom, bot_engine: Engine
) -> None:
    async with newsroom() as (bot, guild, reader, channel, asked):
        thread = await open_thread(fake, channel, reader, VALK)
        await restart_threads(bot)
        await fake.post_message(thread, "and what did Oskar Brenn say?", author_id=reader)
        await answers_in(fake, thread, 2)
        await fake.post_message(thread, "and what did Ambrel say?", author_id=reader)
        third = (await answers_in(fake, thread, 3))[2]
    assert asked == [
        VALK,
        "what did Oskar Brenn say about the drills?",
        "what did Ambrel say about the drills?",
    ]
    expected = bot_engine.ask("what did Ambrel say about the drills?", namespace_for_guild(guild.id))
    (embed,) = third["embeds"]
    assert embed["title"] == "and what did Ambrel say?"
    assert embed["description"] == render.safe(expected.text)
    # the thread is read once; the second follow-up finds the questions in memory
    assert len(fake.sent("GET", f"/channels/{thread}/messages")) == 1


async def test_follow_up_after_restart_reads_the_latest_messages_before_it(
    fake: FakeDiscord, newsroom: OpenNewsroom
) -> None:
    async with newsroom() as (bot, _, reader, channel, asked):
        thread = await open_thread(fake, channel, reader, "Valk Dravia drills")
        await bot.remove_cog("Threads")  # the bot is down while 56 more messages are posted
        for _ in range(55):
            await fake.post_message(thread, "thanks!", author_id=reader, deliver=False)
        await fake.post_message(thread, "Tabor missile defence", author_id=reader, deliver=False)
        await bot.add_cog(Threads(bot))
        follow_up = await fake.post_message(thread, "and Ambrel?", author_id=reader)
        await answers_in(fake, thread, 2)
    # the latest question before the follow-up, not the thread's first 50 messages nor itself
    assert asked == ["Valk Dravia drills", "Ambrel? Tabor missile defence"]
    (history,) = fake.sent("GET", f"/channels/{thread}/messages")
    assert history.query == {"before": follow_up["id"], "limit": "50"}


async def test_mentions_and_follow_ups_share_the_ask_cooldown(
    fake: FakeDiscord, newsroom: OpenNewsroom
) -> None:
    now = 0.0
    async with newsroom(ask_cooldown_seconds=30.0) as (bot, guild, reader, channel, asked):
        bob = fake.add_user("bob")
        cooldown = getattr(bot.get_cog("Ask"), "cooldown", None)
        assert isinstance(cooldown, Cooldown)
        cooldown.clock = lambda: now  # the test's clock: nothing waits
        thread = await open_thread(fake, channel, reader, VALK)
        now = 10.0
        await fake.post_message(thread, "and what did Ambrel say?", author_id=reader)
        await answers_in(fake, thread, 2)  # told to slow down, once
        now = 12.0
        await fake.post_message(thread, "and what did Ambrel say???", author_id=reader)  # silent
        await fake.post_message(
            channel, f"<@{fake.app_id}> who is Tabor?", author_id=reader, mention_bot=True
        )
        await fake.post_message(thread, "and what did Ambrel say?", author_id=bob)  # bob's own cooldown
        await answers_in(fake, thread, 3)
        inter = await fake.slash(
            "ask", [{"type": 3, "name": "question", "value": VALK}], guild_id=guild.id, user_id=reader
        )
        (refusal,) = await fake.wait_request("POST", inter.callback_path)  # /ask shares the cooldown
        now = 30.0
        await fake.post_message(thread, "and what did Oskar Brenn say?", author_id=reader)
        answers = await answers_in(fake, thread, 4)
    assert [a["embeds"][0]["title"] if a.get("embeds") else a["content"] for a in answers] == [
        VALK,
        "⛔ Slow down: you can ask again in 20 s.",
        "and what did Ambrel say?",
        "and what did Oskar Brenn say?",
    ]
    assert asked == [
        VALK,
        "what did Ambrel say about the drills?",
        "what did Oskar Brenn say about the drills?",
    ]
    assert refusal.json["data"]["content"] == "⛔ Slow down: you can ask again in 18 s."  # /ask, shared
    assert [r.path for r in fake.requests if r.method == "POST" and r.path.endswith("/threads")] == [
        f"/channels/{channel}/messages/{thread}/threads"
    ]
    assert not fake.sent("POST", f"/channels/{channel}/messages")
