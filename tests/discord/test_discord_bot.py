"""The real discord.py bot against the loopback fake Discord: slash commands end to end."""

from __future__ import annotations

import json
import re
import sys
from datetime import date

import discord
import pytest

from bot.discord import render
from bot.discord.app import NewsBot, sync_commands
from retrieval.engine import Engine, namespace_for_guild
from retrieval.ingest.articles import Article
from retrieval.results import Answer, Citation
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from retrieval.web.fetch import Fetcher
from retrieval.web.policy import FetchPolicy
from retrieval.web.transport import build_http_client
from tests.support.discord_world import (
    FERRY,
    SAMPLE_TITLE,
    SAMPLE_URL,
    VALK,
    World,
    running_bot,
    sample_article,
    webhook_posts,
)
from tests.support.fake_discord import EVERYDAY_PERMISSIONS as EVERYDAY
from tests.support.fake_discord import MANAGE_GUILD, FakeDiscord

pytest_plugins = ("tests.support.discord_fixtures",)

FERRY_TXT = b"Ferry timetable\n\nThe harbor ferry runs every forty minutes from November."


async def test_login_identify_and_sync_payload(world: World) -> None:
    fake = world.fake
    assert [r.path for r in fake.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake.intents == (1 << 0) | (1 << 9)  # guilds, guild messages: nothing privileged
    await sync_commands(world.bot, world.guild.id)
    (put,) = fake.sent("PUT", f"/applications/{fake.app_id}/guilds/{world.guild.id}/commands")
    commands = {c["name"]: c for c in put.body}
    assert sorted(commands) == [
        "ask",
        "digest",
        "feeds",
        "forget",
        "help",
        "ingest",
        "newsdesk",
        "quotes",
        "sources",
        "summary",
        "timeline",
        "watch",
    ]
    ask = commands["ask"]
    assert ask["description"] == (
        "Ask a question about the news indexed in this server; the answer cites its sources."
    )
    assert [(o["name"], o["type"], o["required"], o.get("max_length")) for o in ask["options"]] == [
        ("question", 3, True, 1000),
        ("source", 3, False, 100),
        ("since", 3, False, 40),
    ]
    assert ask["default_member_permissions"] is None
    assert commands["watch"]["default_member_permissions"] == 1 << 5
    for admin_only in ("ingest", "forget"):
        assert commands[admin_only]["default_member_permissions"] == 1 << 5  # Manage Server
        assert commands[admin_only]["contexts"] == [0]  # servers only
    assert [(o["name"], o["type"]) for o in commands["ingest"]["options"]] == [("url", 3), ("file", 11)]
    (article_opt,) = commands["forget"]["options"]
    assert article_opt["autocomplete"] is True
    assert [o["name"] for o in commands["newsdesk"]["options"]] == ["stats"]


async def test_ask_defers_then_answers_valk_with_citation(world: World) -> None:
    world.engine.ingest([sample_article()], world.namespace)
    expected = world.engine.ask(VALK, world.namespace)
    assert expected.found and "not something we will trade away" in expected.text

    requests = await world.ask(VALK)

    callback, follow_up = requests[0], requests[1]
    assert callback.path.endswith("/callback") and callback.json == {"type": 5}
    assert follow_up.query["wait"] == "1"
    body = follow_up.json
    assert body["allowed_mentions"] == {"parse": []}
    (embed,) = body["embeds"]
    assert embed["title"] == VALK
    assert embed["description"] == render.safe(expected.text)
    assert "[1]" in embed["description"]
    first = expected.citations[0]
    assert first.title == SAMPLE_TITLE and "Valk" in first.quote
    sources = embed["fields"][0]
    assert sources["name"] == "Sources"
    assert sources["value"].split("\n")[0] == (
        f"[1] [{SAMPLE_TITLE}](<{SAMPLE_URL}#:~:text=Gen.%20Anders%20Valk%2C%20chairman%20of,"
        "partners%20had%20to%20remain%20ready.>) — meridianwire.example, 2023-03-09"
    )
    assert embed["footer"] == {"text": "newsdesk · quoted answer"}
    (row,) = body["components"]
    ids = [b["custom_id"] for b in row["components"]]
    ref = ids[0].removeprefix("nd:quotes:")
    assert ids == [f"nd:quotes:{ref}", f"nd:vote:up:{ref}", f"nd:vote:down:{ref}"]
    assert world.feedback.citations(ref) == expected.citations


async def test_guild_isolation_never_cites_another_servers_articles(world: World) -> None:
    other = world.fake.add_guild("Harbor desk")
    world.engine.ingest([sample_article()], world.namespace)
    world.engine.ingest([FERRY], namespace_for_guild(other.id))

    here = (await world.ask(VALK))[1].json["embeds"]
    there = (await world.ask(VALK, guild=other))[1].json["embeds"]

    assert SAMPLE_URL in here[0]["fields"][0]["value"]
    cited_there = " ".join(f["value"] for e in there for f in e.get("fields", []))
    assert SAMPLE_URL not in cited_there
    assert "not something we will trade away" not in there[0]["description"]
    expected = world.engine.ask(VALK, namespace_for_guild(other.id))
    assert there[0]["description"] == render.safe(expected.text)
    assert all(c.url == FERRY.url for c in expected.citations)


async def test_ingest_refused_without_manage_server_or_role(world: World) -> None:
    page = world.fake.attachment("ferry.txt", b"Ferry news\n\nThe ferry runs late.")
    options = [{"type": 11, "name": "file", "value": page["id"]}]
    resolved = {"attachments": {page["id"]: page}}
    inter = await world.command("ingest", options, resolved=resolved)
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json == {
        "type": 4,
        "data": {
            "tts": False,
            "content": "⛔ /ingest needs the Manage Server permission or the “editors” role.",
            "flags": 64,
            "allowed_mentions": {"parse": []},
        },
    }
    assert world.engine.count_articles(world.namespace) == 0
    assert world.fake.for_interaction(inter) == [callback]  # nothing else was sent


async def test_ingest_file_with_role_and_with_manage_server(world: World) -> None:
    first = world.fake.attachment("ferry.txt", FERRY_TXT)
    inter = await world.command(
        "ingest",
        [{"type": 11, "name": "file", "value": first["id"]}],
        resolved={"attachments": {first["id"]: first}},
        user=world.admin,
        roles=("editors",),
    )
    requests = await world.done(inter)
    assert requests[0].json == {"type": 5}
    (embed,) = requests[1].json["embeds"]
    assert embed["description"] == (
        "**Ingested ferry.txt**: 1 added, 0 updated, 0 unchanged (1 passages indexed)."
    )
    (info,) = world.engine.sources(world.namespace)
    assert info.title == "Ferry timetable"

    lines = b'{"title": "Ferry fares", "url": "https://example.org/fares", "text": "Fares rise."}\n{oops\n'
    batch = world.fake.attachment("batch.jsonl", lines)
    inter = await world.command(
        "ingest",
        [{"type": 11, "name": "file", "value": batch["id"]}],
        resolved={"attachments": {batch["id"]: batch}},
        permissions=EVERYDAY | MANAGE_GUILD,
    )
    (embed,) = (await world.done(inter))[1].json["embeds"]
    assert embed["description"].split("\n") == [
        "**Ingested batch.jsonl**: 1 added, 0 updated, 0 unchanged (1 passages indexed).",
        "⚠️ batch.jsonl:2: bad line skipped (Expecting property name enclosed in double quotes: line 1 "
        "column 2 (char 1))",
    ]

    second = world.fake.attachment("notes.pdf", b"%PDF")
    inter = await world.command(
        "ingest",
        [{"type": 11, "name": "file", "value": second["id"]}],
        resolved={"attachments": {second["id"]: second}},
        permissions=EVERYDAY | MANAGE_GUILD,
    )
    (refusal,) = await world.fake.wait_request("POST", inter.callback_path)
    assert refusal.json["data"]["content"] == (
        "⚠️ can't read notes.pdf: attach a .jsonl, .jsonl.gz, .txt, .md, .html, .htm file"
    )


async def test_ingest_url_fetches_the_page(
    fake: FakeDiscord, bot_settings: Settings, bot_engine: Engine, feedback: FeedbackStore
) -> None:
    guild = fake.add_guild("Newsroom")
    user = fake.add_user("chief")
    page = fake.attachment("story.txt", FERRY_TXT, content_type="text/plain")
    settings = bot_settings.model_copy(update={"fetch_allow": f"127.0.0.1:{fake.port}"})
    policy = FetchPolicy.from_settings(settings)
    async with build_http_client(policy) as http:
        bot = NewsBot(settings, bot_engine, feedback, Fetcher(http, policy), guild_ready_timeout=0.5)
        async with running_bot(bot):
            world = World(fake, bot, bot_engine, feedback, guild, user, user)
            inter = await world.command(
                "ingest", [{"type": 3, "name": "url", "value": page["url"]}], permissions=MANAGE_GUILD
            )
            requests = await world.done(inter)
    assert [r.method for r in requests] == ["POST", "POST"], requests
    (embed,) = requests[1].json["embeds"]
    assert embed["description"] == (
        f"**Ingested [Ferry timetable](<{page['url']}>)**: 1 added, 0 updated, 0 unchanged "
        "(1 passages indexed)."
    )
    (info,) = bot_engine.sources(world.namespace)
    assert (info.title, info.url) == ("Ferry timetable", page["url"])


async def test_forget_autocompletes_titles_and_removes(world: World) -> None:
    world.engine.ingest([sample_article(), FERRY], world.namespace)
    inter = await world.fake.autocomplete(
        "forget",
        [{"type": 3, "name": "article", "value": "ferry", "focused": True}],
        guild_id=world.guild.id,
        user_id=world.user,
    )
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json == {
        "type": 8,
        "data": {"choices": [{"name": f"{FERRY.title} — example.org", "value": FERRY.id}]},
    }
    inter = await world.command(
        "forget", [{"type": 3, "name": "article", "value": FERRY.id}], permissions=MANAGE_GUILD
    )
    requests = await world.done(inter)
    (embed,) = requests[1].json["embeds"]
    assert embed["description"] == f"Removed [{FERRY.title}](<{FERRY.url}>) from the index."
    assert [i.id for i in world.engine.sources(world.namespace)] == [sample_article().id]


async def test_internal_error_becomes_a_private_message_with_a_reference(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(world.engine, "ask", broken)
    requests = await world.ask(VALK)
    app = world.fake.app_id
    token = requests[0].path.split("/")[3]
    assert [(r.method, r.path) for r in requests] == [
        ("POST", requests[0].path),
        ("DELETE", f"/webhooks/{app}/{token}/messages/@original"),
        ("POST", f"/webhooks/{app}/{token}"),
    ]
    body = requests[2].json
    assert body["flags"] == 64 and body["allowed_mentions"] == {"parse": []}
    m = re.fullmatch(
        r"Something went wrong on our side \(reference `([0-9a-f]{8})`\)\. Try again in a moment; "
        r"if it keeps happening, give the reference to the bot's admin\.",
        body["content"],
    )
    assert m is not None
    assert all("hunter2" not in json.dumps(r.body) for r in world.fake.requests)
    (record,) = [r for r in caplog.records if m.group(1) in r.getMessage()]
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])


async def test_bad_input_is_explained_privately_at_once(world: World) -> None:
    opts = [
        {"type": 3, "name": "question", "value": VALK},
        {"type": 3, "name": "since", "value": "last summer"},
    ]
    inter = await world.command("ask", opts)
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json["type"] == 4  # answered privately at once: no public "thinking…" first
    assert callback.json["data"]["content"] == (
        "⚠️ can't read the time window 'last summer': use 24h, 7d, 2w, 3m or YYYY-MM-DD"
    )
    assert callback.json["data"]["flags"] == 64
    assert world.fake.for_interaction(inter) == [callback]


async def test_cooldown_per_user(
    fake: FakeDiscord, bot_settings: Settings, bot_engine: Engine, feedback: FeedbackStore
) -> None:
    guild = fake.add_guild("Newsroom")
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    settings = bot_settings.model_copy(update={"ask_cooldown_seconds": 1000.0})
    async with running_bot(NewsBot(settings, bot_engine, feedback, guild_ready_timeout=0.5)) as bot:
        world = World(fake, bot, bot_engine, feedback, guild, alice, alice)
        opts = [
            {"type": 3, "name": "question", "value": "typo?"},
            {"type": 3, "name": "since", "value": "7x"},
        ]
        inter = await world.command("ask", opts)
        (typo,) = await fake.wait_request("POST", inter.callback_path)
        assert typo.json["data"]["content"].startswith("⚠️ can't read the time window '7x'")
        # the typo cost no cooldown: the next question is answered
        assert (await world.ask("first question?"))[0].json == {"type": 5}
        inter = await world.command("ask", [{"type": 3, "name": "question", "value": "again?"}])
        (refusal,) = await fake.wait_request("POST", inter.callback_path)
        assert refusal.json["data"]["content"] == "⛔ Slow down: you can ask again in 1000 s."
        assert refusal.json["data"]["flags"] == 64
        assert (await world.ask("bob's turn?", user=bob))[0].json == {"type": 5}


async def test_dms_are_refused_unless_enabled(world: World) -> None:
    inter = await world.fake.slash(
        "ask", [{"type": 3, "name": "question", "value": VALK}], guild_id=None, user_id=world.user
    )
    (refusal,) = await world.fake.wait_request("POST", inter.callback_path)
    assert refusal.json["data"]["content"] == (
        "⛔ newsdesk answers in servers only; DMs are turned off here."
    )


async def test_huge_answer_is_split_within_discord_limits(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = sample_article()
    citations = [
        Citation(
            n=i,
            title=f"{article.title} part {i}",
            source="meridianwire.example",
            published=date(2023, 3, 9),
            url=f"{SAMPLE_URL}/{i}",
            quote="Valk said so.",
            article_id=article.id,
            chunk_id=f"{article.id}:{i}",
        )
        for i in range(1, 31)
    ]
    text = " ".join(f"Valk said the drills would go ahead [{i % 30 + 1}]." for i in range(900))
    huge = Answer(text=text, citations=citations, passages=[])
    monkeypatch.setattr(world.engine, "ask", lambda *a, **k: huge)

    inter = await world.command("ask", [{"type": 3, "name": "question", "value": VALK}])
    expected = render.answer_messages(VALK, huge)
    assert len(expected) == 4  # three 4000-character parts of the text, then the sources
    await world.done(inter, count=len(expected))
    posts = webhook_posts(world.fake.for_interaction(inter), world.fake.app_id)
    assert [p.json["embeds"] for p in posts] == [[e.to_dict() for e in m.embeds] for m in expected]
    for post in posts:
        embeds = [discord.Embed.from_dict(e) for e in post.json["embeds"]]
        assert render.within_limits(render.Message(embeds))
        assert post.json["allowed_mentions"] == {"parse": []}
    fields = [f for p in posts for e in p.json["embeds"] for f in e.get("fields", [])]
    assert ("Note", f"⚠️ The answer was cut at 12,000 of {len(text):,} characters.") in [
        (f["name"], f["value"]) for f in fields
    ]
    assert "components" not in posts[0].json or not posts[0].json["components"]
    assert len(posts[-1].json["components"][0]["components"]) == 3  # buttons on the last part


async def test_rate_limited_follow_up_is_retried(world: World) -> None:
    world.engine.ingest([sample_article()], world.namespace)
    world.fake.fail_next("POST", rf"^/webhooks/{world.fake.app_id}/", retry_after=0.05)
    inter = await world.command("ask", [{"type": 3, "name": "question", "value": VALK}])
    await world.done(inter, count=2)
    posts = webhook_posts(world.fake.for_interaction(inter), world.fake.app_id)
    assert len(posts) == 2 and posts[0].body == posts[1].body
    stored = world.fake.channel_messages(world.guild.channel_ids[0])
    assert [m["embeds"][0]["title"] for m in stored] == [VALK]


async def test_article_text_never_pings(world: World) -> None:
    prank = Article(
        title="Drills <@&123456789012345678> @here",
        text=(
            "The drills start Monday, <@&123456789012345678>: **be ready** for the drills, said Valk. "
            "@everyone come and watch the drills start."
        ),
        url="https://example.org/prank",
    )
    world.engine.ingest([prank], world.namespace)
    requests = await world.ask("when do the drills start?")
    body = requests[1].json
    assert body["allowed_mentions"] == {"parse": []}
    (embed,) = body["embeds"]
    # a sentence addressed to the chat is never quoted; a role mention in a quote is defused
    assert "everyone" not in json.dumps(body) and "<@\u200b&123456789012345678>" in embed["description"]
    assert "\\*\\*be ready\\*\\*" in embed["description"]
    assert embed["fields"][0]["value"] == (
        "[1] [Drills <@\u200b&123456789012345678> @\u200bhere](<https://example.org/prank#:~:text="
        "The%20drills%20start%20Monday%2C%20%3C@%26123456789012345678%3E:,"
        "for%20the%20drills%2C%20said%20Valk.>)"
        " — example.org, undated"
    )


async def test_buttons_show_quotes_and_record_votes(world: World) -> None:
    world.engine.ingest([sample_article()], world.namespace)
    requests = await world.ask(VALK)
    message = world.fake.messages[int(requests[1].path and _last_message_id(world))]
    quotes_id, up_id, down_id = [b["custom_id"] for b in message["components"][0]["components"]]
    ref = quotes_id.removeprefix("nd:quotes:")
    citations = world.feedback.citations(ref)
    assert citations is not None

    inter = await world.fake.click(message, quotes_id, user_id=world.user)
    clicked = await world.done(inter)
    assert clicked[0].json == {"type": 5, "data": {"flags": 64}}
    assert clicked[1].json["flags"] == 64
    assert clicked[1].json["embeds"] == [e.to_dict() for e in render.quote_messages(citations)[0].embeds]
    assert "not something we will trade away" in clicked[1].json["embeds"][0]["description"]

    for custom_id, who in ((up_id, world.user), (up_id, world.admin), (down_id, world.user)):
        inter = await world.fake.click(message, custom_id, user_id=who)
        voted = await world.done(inter)
        emoji = "👍" if custom_id == up_id else "👎"
        assert voted[1].json["content"] == f"Thanks: your {emoji} is recorded."
        assert voted[1].json["flags"] == 64
    assert world.feedback.counts(world.namespace) == {"answers": 1, "up": 1, "down": 1}

    inter = await world.command("newsdesk", [{"type": 1, "name": "stats", "options": []}])
    (embed,) = (await world.done(inter))[1].json["embeds"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Articles"] == "1" and fields["Answers posted"] == "1"
    assert fields["Feedback"] == "👍 1 · 👎 1"


def _last_message_id(world: World) -> int:
    return max(world.fake.messages)


async def test_sources_pages_with_buttons(world: World) -> None:
    articles = [
        Article(
            title=f"Story {i:02d}",
            text=f"Body of story {i}.",
            url=f"https://example.org/{i}",
            published=date(2024, 1, i + 1),
        )
        for i in range(12)
    ]
    world.engine.ingest(articles, world.namespace)
    inter = await world.command("sources")
    requests = await world.done(inter)
    body = requests[1].json
    (embed,) = body["embeds"]
    assert embed["footer"]["text"] == "Page 1/2 · 12 articles"
    lines = embed["description"].split("\n")
    assert lines[0] == "[Story 11](<https://example.org/11>) — example.org, 2024-01-12"
    assert len(lines) == 10
    newer, older = body["components"][0]["components"]
    assert (newer["disabled"], older["disabled"]) == (True, False)

    message = world.fake.messages[_last_message_id(world)]
    click = await world.fake.click(message, older["custom_id"], user_id=world.user)
    (patch,) = await world.fake.wait_request(
        "PATCH", f"/webhooks/{world.fake.app_id}/{click.token}/messages/@original"
    )
    assert world.fake.for_interaction(click)[0].json == {"type": 6}
    (page2,) = patch.json["embeds"]
    assert page2["footer"]["text"] == "Page 2/2 · 12 articles"
    assert page2["description"].split("\n") == [
        "[Story 01](<https://example.org/1>) — example.org, 2024-01-02",
        "[Story 00](<https://example.org/0>) — example.org, 2024-01-01",
    ]
    newer, older = patch.json["components"][0]["components"]
    assert (newer["disabled"], older["disabled"]) == (False, True)


async def test_sources_buttons_are_greyed_out_before_the_interaction_expires(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the cog runs from the module discord.py loaded as an extension
    monkeypatch.setattr(sys.modules["bot.discord.cogs.sources"], "PAGER_MINUTES", 0.5 / 60)
    world.engine.ingest(
        [
            Article(title=f"Story {i:02d}", text=f"Body of story {i}.", url=f"https://example.org/{i}")
            for i in range(12)
        ],
        world.namespace,
    )
    inter = await world.command("sources")
    requests = await world.done(inter)
    posted = requests[1].json["components"][0]["components"]
    assert [b["disabled"] for b in posted] == [True, False]
    message_id = _last_message_id(world)
    (patch,) = await world.fake.wait_request(
        "PATCH", f"/webhooks/{world.fake.app_id}/{inter.token}/messages/{message_id}"
    )
    assert [b["disabled"] for b in patch.json["components"][0]["components"]] == [True, True]
    stored = world.fake.messages[message_id]["components"][0]["components"]
    assert [(b["label"], b["disabled"]) for b in stored] == [("Newer", True), ("Older", True)]


async def test_summary_of_a_topic_is_cited(world: World) -> None:
    world.engine.ingest([sample_article(), FERRY], world.namespace)
    expected = world.engine.summarize(world.namespace, topic="military drills")
    inter = await world.command("summary", [{"type": 3, "name": "topic", "value": "military drills"}])
    (embed, *_) = (await world.done(inter))[1].json["embeds"]
    assert embed["title"] == "Summary: military drills"
    assert embed["description"] == render.safe(expected.text)
    assert expected.citations and embed["fields"][0]["value"].startswith(f"[1] [{SAMPLE_TITLE}]")


async def test_help_lists_commands_and_what_is_indexed(world: World) -> None:
    world.engine.ingest([sample_article()], world.namespace)
    inter = await world.command("help")
    requests = await world.done(inter)
    assert requests[0].json == {"type": 5, "data": {"flags": 64}}
    (embed,) = requests[1].json["embeds"]
    assert embed["description"].split("\n")[0] == (
        "`/ask question [source] [since]` — Answer from the indexed news, with numbered citations."
    )
    assert embed["fields"] == [
        {
            "name": "Indexed",
            "value": f"1 article indexed in this server.\nLatest: [{SAMPLE_TITLE}](<{SAMPLE_URL}>)",
            "inline": False,
        }
    ]
