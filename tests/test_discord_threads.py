"""Mentions and threads: a mention opens a thread with the answer; follow-ups in the thread
are answered with the earlier questions as context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot import render
from bot.conversation import with_context
from bot.discord_app import NewsBot
from retrieval.engine import Engine, namespace_for_guild
from retrieval.feedback import FeedbackStore
from retrieval.results import Answer
from retrieval.settings import Settings
from tests.discord_world import DUNFORD, SAMPLE_TITLE, SAMPLE_URL, running_bot, sample_article
from tests.fake_discord import FakeDiscord, Json

pytest_plugins = ("tests.discord_fixtures",)


def spy_on_ask(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the questions the bot sends to the engine (the real engine still answers)."""
    asked: list[str] = []
    real: Callable[..., Answer] = engine.ask

    def ask(question: str, *args: Any, **kwargs: Any) -> Answer:
        asked.append(question)
        return real(question, *args, **kwargs)

    monkeypatch.setattr(engine, "ask", ask)
    return asked


async def answers_in(fake: FakeDiscord, channel_id: int, count: int) -> list[Json]:
    await fake.wait_request("POST", f"/channels/{channel_id}/messages", count=count)
    return [r.json for r in fake.sent("POST", f"/channels/{channel_id}/messages")]


async def test_mention_opens_a_thread_and_follow_ups_keep_context(
    fake: FakeDiscord,
    bot_settings: Settings,
    bot_engine: Engine,
    feedback: FeedbackStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guild = fake.add_guild("Newsroom")
    reader = fake.add_user("reader")
    channel = guild.channel_ids[0]
    bot_engine.ingest([sample_article()], namespace_for_guild(guild.id))
    asked = spy_on_ask(bot_engine, monkeypatch)
    settings = bot_settings.model_copy(update={"discord_message_content": True})
    async with running_bot(NewsBot(settings, bot_engine, feedback, guild_ready_timeout=0.5)):
        assert fake.intents & (1 << 15)  # asked for message content: plain follow-ups work
        question = await fake.post_message(
            channel, f"<@{fake.app_id}> {DUNFORD}", author_id=reader, mention_bot=True
        )
        (start,) = await fake.wait_request("POST", f"/channels/{channel}/messages/{question['id']}/threads")
        assert start.json["name"] == DUNFORD
        thread = int(question["id"])
        (first,) = await answers_in(fake, thread, 1)
        assert first["allowed_mentions"] == {"parse": []}
        (embed,) = first["embeds"]
        assert embed["title"] == DUNFORD
        assert "not currently on the table" in embed["description"]
        assert embed["fields"][0]["value"].startswith(f"[1] [{SAMPLE_TITLE}](<{SAMPLE_URL}>)")
        assert [b["custom_id"][:10] for b in first["components"][0]["components"]] == [
            "nd:quotes:",
            "nd:vote:up",
            "nd:vote:do",
        ]

        await fake.post_message(thread, "and what did Mattis say?", author_id=reader)
        second = (await answers_in(fake, thread, 2))[1]
        assert asked == [DUNFORD, "what did Mattis say about the drills?"]
        namespace = namespace_for_guild(guild.id)
        expected = bot_engine.ask("what did Mattis say about the drills?", namespace)
        (embed,) = second["embeds"]
        assert embed["title"] == "and what did Mattis say?"
        assert embed["description"] == render.safe(expected.text)  # the sample quotes no Mattis
        assert embed["footer"]["text"] == "newsdesk · nothing found"

        await fake.post_message(thread, "and what did Fan Changlong say?", author_id=reader)
        third = (await answers_in(fake, thread, 3))[2]
        assert asked[-1] == "what did Fan Changlong say about the drills?"
        (embed,) = third["embeds"]
        assert embed["description"].startswith("Fan Changlong, a vice chairman of China’s powerful")
        assert embed["fields"][0]["value"].startswith(f"[1] [{SAMPLE_TITLE}](<{SAMPLE_URL}>)")
    # the typing indicator was shown while answering
    assert fake.sent("POST", f"/channels/{thread}/typing")


async def test_without_message_content_only_mentions_are_answered(
    fake: FakeDiscord,
    bot_settings: Settings,
    bot_engine: Engine,
    feedback: FeedbackStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guild = fake.add_guild("Newsroom")
    reader = fake.add_user("reader")
    channel = guild.channel_ids[0]
    bot_engine.ingest([sample_article()], namespace_for_guild(guild.id))
    asked = spy_on_ask(bot_engine, monkeypatch)
    async with running_bot(NewsBot(bot_settings, bot_engine, feedback, guild_ready_timeout=0.5)):
        assert not fake.intents & (1 << 15)
        await fake.post_message(channel, "what did Dunford say? (no mention)", author_id=reader)
        question = await fake.post_message(
            channel, f"<@{fake.app_id}> {DUNFORD}", author_id=reader, mention_bot=True
        )
        thread = int(question["id"])
        await answers_in(fake, thread, 1)
        await fake.post_message(thread, "and what did Mattis say?", author_id=reader)  # blanked
        await fake.post_message(thread, f"<@{fake.app_id}> and Mattis?", author_id=reader, mention_bot=True)
        answers = await answers_in(fake, thread, 2)
    assert asked == [DUNFORD, "Mattis about the drills?"]
    assert [a["embeds"][0]["title"] for a in answers] == [DUNFORD, "and Mattis?"]
    assert len(fake.sent("POST", f"/channels/{channel}/messages/{question['id']}/threads")) == 1


def test_follow_up_context() -> None:
    earlier = ["what did Dunford say about the drills?"]
    assert with_context("and what did Mattis say?", earlier) == "what did Mattis say about the drills?"
    assert with_context("What did Mattis say on Guam?", earlier) == "What did Mattis say on Guam?"
    assert with_context("who is Fan Changlong?", []) == "who is Fan Changlong?"
    assert with_context("and Tillerson?", ["what did Dunford tell reporters in Beijing"]) == (
        "Tillerson in Beijing?"
    )
    assert with_context("and Kono?", ["Dunford drills readiness"]) == "Kono? Dunford drills readiness"


async def test_follow_up_after_restart_reads_the_thread(
    fake: FakeDiscord,
    bot_settings: Settings,
    bot_engine: Engine,
    feedback: FeedbackStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guild = fake.add_guild("Newsroom")
    reader = fake.add_user("reader")
    channel = guild.channel_ids[0]
    bot_engine.ingest([sample_article()], namespace_for_guild(guild.id))
    asked = spy_on_ask(bot_engine, monkeypatch)
    settings = bot_settings.model_copy(update={"discord_message_content": True})
    async with running_bot(NewsBot(settings, bot_engine, feedback, guild_ready_timeout=0.5)) as bot:
        question = await fake.post_message(
            channel, f"<@{fake.app_id}> {DUNFORD}", author_id=reader, mention_bot=True
        )
        thread = int(question["id"])
        await answers_in(fake, thread, 1)
        threads = bot.get_cog("Threads")
        assert threads is not None
        threads.questions.clear()  # type: ignore[attr-defined]  # as after a restart
        await fake.post_message(thread, "and what did Fan Changlong say?", author_id=reader)
        await answers_in(fake, thread, 2)
    assert asked == [DUNFORD, "what did Fan Changlong say about the drills?"]
    assert fake.sent("GET", f"/channels/{channel}/messages/{thread}")  # the starter message
    assert [
        r.path
        for r in fake.requests
        if r.method == "GET" and r.path.startswith(f"/channels/{thread}/messages")
    ] == [f"/channels/{thread}/messages"]
