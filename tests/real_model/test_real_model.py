"""The generation path against a real OpenAI-compatible server and a real model: llama.cpp
serving Gemma 3 270M (`make test-llm`; deselected from `make test`). A base model this small
echoes its prompt and repeats itself, so these tests assert what must hold for any model
(`properties.py`): what reaches the user passes the citation check and holds no prompt text or
passage header, the extractive answer is shown (with a note) when nothing useful is left, and
requests and token counts are recorded. Never a particular wording."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord import live
from bot.discord.app import NewsBot
from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.generate.citations import check
from retrieval.generate.verify import verify
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from tests.conftest import SAMPLE_ARTICLE
from tests.real_model.properties import assert_checked, assert_no_prompt_text, assert_usage
from tests.support.discord_world import VALK, World, running_bot, sample_article
from tests.support.fake_discord import FakeDiscord, Json
from tests.support.llama_server import LlamaServer

pytest_plugins = ("tests.support.discord_fixtures",)
pytestmark = [pytest.mark.real_model, pytest.mark.timeout(1200)]

TRADE = "Valk said the exercises were not something to trade away in any negotiation [{n}]."


def model_settings(server: LlamaServer, data_dir: Path, **update: Any) -> Settings:
    values: dict[str, Any] = {
        "NEWSDESK_DATA_DIR": data_dir,
        "OPENAI_API_KEY": "local",
        "OPENAI_BASE_URL": server.base_url,
        "NEWSDESK_LLM_MODEL": server.model,
        "NEWSDESK_LLM_CONTEXT_TOKENS": server.context,
        "NEWSDESK_LLM_TIMEOUT": 300,
        "NEWSDESK_VERIFY": "offline",
        "NEWSDESK_ASK_COOLDOWN": 0,
        **update,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def app(real_server: LlamaServer, tmp_path: Path, embedder: LocalEmbedder) -> Iterator[App]:
    with App(model_settings(real_server, tmp_path / "data"), embedder=embedder) as built:
        built.engine.ingest_paths([SAMPLE_ARTICLE])
        yield built


async def test_ask(app: App) -> None:
    async with app.online():
        extractive = app.engine.ask(VALK)
        answer = await (await app.answering.ask(VALK, live=False)).result()
    assert_checked(answer, extractive, app.llm.judge if app.llm else None)
    assert_usage(answer.usage)
    totals = app.catalog.usage_totals()
    assert totals["llm_requests"] == 1 and totals["llm_prompt_tokens"] == answer.usage["prompt_tokens"]


async def test_model_verification(real_server: LlamaServer, tmp_path: Path, embedder: LocalEmbedder) -> None:
    """`NEWSDESK_VERIFY=model`: the answer path with verification on, then the verification
    request itself on a checked answer that has a claim to verify."""
    settings = model_settings(real_server, tmp_path / "data", NEWSDESK_VERIFY="model")
    with App(settings, embedder=embedder) as app:
        app.engine.ingest_paths([SAMPLE_ARTICLE])
        async with app.online():
            llm = app.llm
            assert llm is not None and llm.verify
            extractive = app.engine.ask(VALK)
            answer = await (await app.answering.ask(VALK, live=False)).result()
            assert_checked(answer, extractive, llm.judge)

            numbered = dict(enumerate(extractive.passages, start=1))
            n = next(i for i, p in numbered.items() if "trade away" in p.text)
            checked = check(TRADE.format(n=n), numbered, llm.judge)
            assert checked.text == TRADE.format(n=n)
            verified = await verify(llm.chat, checked, numbered, llm.judge)
        assert_usage(verified.usage)  # the request was made and counted, whatever it answered
        assert verified.checked.text in ("", TRADE.format(n=n))  # kept, or dropped by a verdict
        if not verified.ok:
            assert verified.checked.text == TRADE.format(n=n)  # bad JSON: the offline result stands


async def test_summary_map_reduce(real_server: LlamaServer, tmp_path: Path, embedder: LocalEmbedder) -> None:
    """A context so small that the passages need several map requests, then a reduce."""
    settings = model_settings(
        real_server, tmp_path / "data", NEWSDESK_LLM_CONTEXT_TOKENS=1400, NEWSDESK_LLM_REPLY_TOKENS=300
    )
    with App(settings, embedder=embedder) as app:
        app.engine.ingest_paths([SAMPLE_ARTICLE])
        async with app.online():
            extractive = app.engine.summarize(topic="the drills", max_sentences=4)
            stream = await app.answering.summarize(topic="the drills", max_sentences=4)
            drafts = [draft async for draft in stream]
            summary = await stream.result()
        for draft in drafts:
            assert "Title:" not in draft and "<passage" not in draft
        assert_checked(summary, extractive, app.llm.judge if app.llm else None)
        assert_usage(summary.usage)
        assert app.catalog.usage_totals()["llm_requests"] >= 3 or summary.mode != "llm"


# -- Discord: /ask streaming, a thread follow-up with its rewrite -----------------------------


@pytest.fixture
def discord_settings(real_server: LlamaServer, tmp_path: Path) -> Settings:
    return model_settings(real_server, tmp_path / "bot", NEWSDESK_DISCORD_MESSAGE_CONTENT=True)


@pytest.fixture
async def model_world(
    fake: FakeDiscord, discord_settings: Settings, embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[World, App]]:
    monkeypatch.setattr(live, "DRAFT_INTERVAL", 0.2)
    with App(discord_settings, embedder=embedder) as app:
        fb = FeedbackStore(discord_settings.sqlite_path)
        async with app.online():
            guild = fake.add_guild("Newsroom")
            user = fake.add_user("reader")
            app.engine.ingest([sample_article()], namespace_for_guild(guild.id))
            bot = NewsBot(discord_settings, app.engine, fb, llm=app.llm, guild_ready_timeout=0.5)
            async with running_bot(bot):
                yield World(fake, bot, app.engine, fb, guild, user, user), app
        fb.close()


async def answers_in(fake: FakeDiscord, channel: int, count: int) -> list[Json]:
    """The bot's first `count` messages in `channel` (a real model may take minutes)."""
    await fake.wait_request("POST", f"/channels/{channel}/messages", count=count, timeout=900)
    return [r.json for r in fake.sent("POST", f"/channels/{channel}/messages")]


def _descriptions(payloads: list[Any]) -> list[str]:
    return [e.get("description", "") for p in payloads if p for e in p.get("embeds", [])]


async def test_ask_streams_through_discord(model_world: tuple[World, App]) -> None:
    world, app = model_world
    inter = await world.command("ask", [{"type": 3, "name": "question", "value": VALK}])

    def final(r: Any) -> bool:
        if r.method != "PATCH" or inter.token not in r.path or not isinstance(r.body, dict):
            return False
        footer = (r.json.get("embeds") or [{}])[-1].get("footer", {}).get("text", "")
        return "writing" not in footer

    (done,) = await world.fake.wait_for(final, timeout=900)
    requests = world.fake.for_interaction(inter)
    assert requests[0].json == {"type": 5}  # deferred at once
    for text in _descriptions([r.body for r in requests if isinstance(r.body, dict)]):
        assert_no_prompt_text(text.replace(live.CURSOR, ""))
    footer = done.json["embeds"][0]["footer"]["text"]
    assert footer in ("newsdesk · generated answer", "newsdesk · quoted answer")
    assert app.catalog.usage_totals()["llm_requests"] == 1


async def test_thread_follow_up_is_rewritten_and_answered(model_world: tuple[World, App]) -> None:
    world, app = model_world
    channel = world.guild.channel_ids[0]
    mention = f"<@{world.fake.app_id}> {VALK}"
    posted = await world.fake.post_message(channel, mention, author_id=world.user, mention_bot=True)
    thread = int(posted["id"])  # a thread started from a message has the message's id
    await answers_in(world.fake, thread, 1)
    await world.fake.post_message(thread, "and what did Brenn say?", author_id=world.user)
    answers = await answers_in(world.fake, thread, 2)
    for text in _descriptions(answers):
        assert_no_prompt_text(text)
    kinds = [row["kind"] for row in app.catalog.db.execute("SELECT kind FROM llm_usage ORDER BY rowid")]
    assert kinds == ["answer", "rewrite", "answer"]  # the follow-up was rewritten by the model first
