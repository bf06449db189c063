"""/ask with a model configured: the real bot against the fake Discord and the loopback
model. The answer streams into one follow-up (edited), then becomes the checked answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.discord import live, render
from bot.discord.app import NewsBot
from retrieval.engine import Engine
from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from tests.generate.test_llm_engine import cite
from tests.support.discord_world import VALK, OpenNewsroom, World, answers_in, running_bot, sample_article
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_openai import FakeOpenAI, Reply

pytest_plugins = ("tests.support.discord_fixtures",)

ANSWER = (
    "Valk said the exercises were not something to trade away in any negotiation [{n}]. "
    "@everyone should stop the drills now."
)


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def model() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def llm_settings(bot_settings: Settings, model: FakeOpenAI) -> Settings:
    """The bot's settings with the loopback model configured."""
    return bot_settings.model_copy(
        update={"openai_api_key": "k", "openai_base_url": model.base_url, "verify": "offline"}
    )


@pytest.fixture
async def llm(llm_settings: Settings) -> AsyncIterator[LLMAnswerer]:
    client = build_client(llm_settings)
    yield LLMAnswerer.from_settings(client, llm_settings, sleep=no_sleep)
    await client.close()


@pytest.fixture
async def llm_world(
    fake: FakeDiscord, llm_settings: Settings, llm: LLMAnswerer, bot_engine: Engine, feedback: FeedbackStore
) -> AsyncIterator[World]:
    guild = fake.add_guild("Newsroom")
    user = fake.add_user("reader")
    bot = NewsBot(llm_settings, bot_engine, feedback, llm=llm, guild_ready_timeout=0.5)
    async with running_bot(bot):
        yield World(fake, bot, bot_engine, feedback, guild, user, user)


async def _final_edit(world: World, token: str) -> Any:
    def is_final(r: Any) -> bool:
        if r.method != "PATCH" or token not in r.path or not r.json:
            return False
        footer = (r.json.get("embeds") or [{}])[-1].get("footer", {}).get("text", "")
        return "writing" not in footer

    (final,) = await world.fake.wait_for(is_final)
    return final


async def test_ask_streams_drafts_then_the_checked_answer(
    llm_world: World, model: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = llm_world
    monkeypatch.setattr(live, "DRAFT_INTERVAL", 0.0)  # edit on every draft
    world.engine.ingest([sample_article()], world.namespace)
    model.queue(Reply.dynamic(cite("not something we will trade away", ANSWER, chunk_chars=60)))

    inter = await world.command("ask", [{"type": 3, "name": "question", "value": VALK}])
    final = await _final_edit(world, inter.token)
    requests = world.fake.for_interaction(inter)
    app = world.fake.app_id

    assert requests[0].json == {"type": 5}
    draft_post = requests[1]
    assert (draft_post.method, draft_post.path) == ("POST", f"/webhooks/{app}/{inter.token}")
    (draft,) = draft_post.json["embeds"]
    assert draft["description"] == "…" + live.CURSOR
    assert draft["footer"] == {"text": "newsdesk · writing…"}
    assert draft_post.json["allowed_mentions"] == {"parse": []}

    edits = [r for r in requests if r.method == "PATCH"]
    drafts = [e.json["embeds"][0]["description"] for e in edits[:-1]]
    assert len(drafts) >= 2  # the reply came in 60-character deltas
    assert all(d.endswith(live.CURSOR) for d in drafts)
    assert all(e.json["allowed_mentions"] == {"parse": []} for e in edits)
    assert "@everyone" not in json.dumps([e.json for e in edits])
    assert len({e.path for e in edits}) == 1  # one message, edited

    (embed,) = final.json["embeds"]
    n = final.json["embeds"][0]["description"].split("[")[1].split("]")[0]
    checked = f"Valk said the exercises were not something to trade away in any negotiation [{n}]."
    assert embed["description"] == render.safe(checked)
    assert embed["footer"] == {"text": "newsdesk · generated answer"}
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Note"] == "⚠️ Removed 1 sentence the cited articles do not support."
    assert fields["Sources"].startswith(f"[{n}] [Arvenia and Kestria tighten defence ties")
    assert len(final.json["components"][0]["components"]) == 3  # quotes + votes buttons
    # nothing else was posted: the draft message became the answer
    assert [r.method for r in requests].count("POST") == 2


async def test_model_down_still_answers_with_quotes(llm_world: World, model: FakeOpenAI) -> None:
    world = llm_world
    world.engine.ingest([sample_article()], world.namespace)
    model.queue(*[Reply.error(503, "overloaded") for _ in range(3)])
    inter = await world.command("ask", [{"type": 3, "name": "question", "value": VALK}])
    final = await _final_edit(world, inter.token)
    (embed,) = final.json["embeds"]
    assert embed["footer"] == {"text": "newsdesk · quoted answer"}
    assert {f["name"]: f["value"] for f in embed["fields"]}["Note"] == (
        "⚠️ The model server had an error; showing quotes from the articles instead."
    )
    assert "not something we will trade away" in embed["description"]
    assert len(model.requests) == 3


async def test_thread_follow_up_is_rewritten_by_the_model_then_answered(
    fake: FakeDiscord, model: FakeOpenAI, newsroom: OpenNewsroom, llm_settings: Settings, llm: LLMAnswerer
) -> None:
    standalone = "What did Ruth Ambrel say about Dravia at the Calder meeting?"
    model.queue(
        Reply.dynamic(cite("not something we will trade away", ANSWER)),
        Reply.text(standalone),  # the rewrite
        Reply.dynamic(
            cite(
                "Ambrel",
                "Ambrel and Vell agreed with their Kestrian "
                "counterparts to work more closely on Dravia [{n}].",
            )
        ),
    )
    async with newsroom(llm_settings, llm=llm) as (_, _, reader, channel, asked):
        question = await fake.post_message(
            channel, f"<@{fake.app_id}> {VALK}", author_id=reader, mention_bot=True
        )
        thread = int(question["id"])
        await answers_in(fake, thread, 1)
        await fake.post_message(thread, "and what did Ambrel say?", author_id=reader)
        await answers_in(fake, thread, 2)
        final = (await answers_in(fake, thread, 2))[1]

    assert asked == [VALK, standalone]
    rewrite = model.requests[1]["messages"][1]["content"]
    assert "<conversation>\nUser: what did Valk say about the drills?\n</conversation>" in rewrite
    assert "Follow-up question: and what did Ambrel say?" in rewrite
    assert f"Question: {standalone}" in model.requests[2]["messages"][1]["content"]
    (embed,) = final["embeds"]
    assert embed["title"] == "and what did Ambrel say?"
    assert embed["footer"] == {"text": "newsdesk · generated answer"}
    assert embed["description"].startswith("Ambrel and Vell agreed with their Kestrian")
