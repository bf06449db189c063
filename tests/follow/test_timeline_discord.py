"""/timeline on the loopback fake Discord: the developments with their sources in one embed,
the coverage chart attached as a PNG (multipart upload) and shown in the embed, no pings; the
chart's data is the story's coverage per day."""

from __future__ import annotations

import struct
from datetime import date

from bot.discord import render
from bot.discord.app import NewsBot
from bot.discord.cogs.timeline import timeline_embed
from retrieval.engine import Engine, namespace_for_guild
from retrieval.follow.chart import DayCoverage, coverage_per_day
from retrieval.generate.chat import build_client
from retrieval.generate.llm import LLMAnswerer
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from tests.follow.story import DEAL, ENTRIES, TOPIC, VOTE, ingest_story, respond
from tests.support.discord_world import OpenNewsroom, World, answers_in, open_thread, running_bot
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_openai import FakeOpenAI, Reply

pytest_plugins = ("tests.support.discord_fixtures",)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_timeline_posts_the_entries_and_the_chart(world: World) -> None:
    ingest_story(world.engine, world.engine.stories, world.namespace)
    options = [
        {"type": 3, "name": "topic", "value": TOPIC},
        {"type": 3, "name": "since", "value": "2026-03-01"},
    ]
    inter = await world.command("timeline", options)
    requests = await world.done(inter)
    assert requests[0].json == {"type": 5}  # deferred in public
    post = requests[-1].json
    assert post["allowed_mentions"] == {"parse": []}
    (embed,) = post["embeds"]
    assert embed["title"] == "Timeline: Lowmoor ferry strike"
    lines = embed["description"].split("\n")
    assert len(lines) == 5
    assert lines[0] == f"**2026-03-02** · {render.safe(ENTRIES[0][1])} · 2 outlets"
    assert lines[4] == f"**2026-03-12** · {render.safe(ENTRIES[4][1])} · 1 outlet"
    # five source lines, each linking at its quote, over two fields of at most 1024 characters
    assert [f["name"] for f in embed["fields"]] == ["Sources", "Sources (continued)"]
    sources = "\n".join(f["value"] for f in embed["fields"]).split("\n")
    assert len(sources) == 5
    assert sources[0].startswith(
        f"[1] [{VOTE.title}](<{VOTE.url}#:~:text=Ferry%20crews%20on%20the%20Lowmoor,"
    )
    assert sources[0].endswith(">) — harbourtimes.example, 2026-03-02")
    assert sources[4].startswith(f"[5] [{DEAL.title}](<{DEAL.url}#:~:text=")
    assert embed["image"]["url"] == "attachment://timeline.png"
    assert embed["footer"]["text"] == "5 developments from 6 reports, 2026-03-02 to 2026-03-12"
    (attachment,) = post["attachments"]
    assert attachment["filename"] == "timeline.png"
    (png,) = post["_files"].values()
    assert png_size(png) == (800, 400)


async def test_a_story_nobody_covered_gets_no_chart(world: World) -> None:
    ingest_story(world.engine, world.engine.stories, world.namespace)
    inter = await world.command(
        "timeline", [{"type": 3, "name": "topic", "value": "Quillon volcano eruption"}]
    )
    post = (await world.done(inter))[-1].json
    (embed,) = post["embeds"]
    assert embed["description"].startswith("No reports about “Quillon volcano eruption” since ")
    assert "_files" not in post and "image" not in embed


async def test_a_bad_window_is_answered_privately(world: World) -> None:
    options = [{"type": 3, "name": "topic", "value": TOPIC}, {"type": 3, "name": "since", "value": "soon"}]
    inter = await world.command("timeline", options)
    (reply,) = await world.fake.wait_request("POST", inter.callback_path)
    assert reply.json["data"]["flags"] == 64 and "soon" in reply.json["data"]["content"]


async def test_the_chart_plots_each_days_reports_outlets_and_entries(world: World) -> None:
    ingest_story(world.engine, world.engine.stories, world.namespace)
    timeline = world.bot.answering.timelines.build(TOPIC, world.namespace, as_of=date(2026, 3, 14))
    days = coverage_per_day(timeline)
    assert [d for d in days if d.reports] == [
        DayCoverage(date(2026, 3, 2), reports=2, outlets=2, entries=1),  # the vote and its wire copy
        DayCoverage(date(2026, 3, 5), reports=3, outlets=3, entries=2),  # the first day, and the buses
        DayCoverage(date(2026, 3, 9), reports=1, outlets=1, entries=1),
        DayCoverage(date(2026, 3, 12), reports=1, outlets=1, entries=1),
    ]
    assert len(days) == 11 and days[1] == DayCoverage(date(2026, 3, 3), 0, 0, 0)


def test_a_long_timeline_shows_its_newest_developments_within_discords_limits(world: World) -> None:
    ingest_story(world.engine, world.engine.stories, world.namespace)
    timeline = world.bot.answering.timelines.build(TOPIC, world.namespace, as_of=date(2026, 3, 14))
    first, last = timeline.entries[0], timeline.entries[-1]
    timeline.entries = [first] * 79 + [last]
    embed = timeline_embed(timeline, chart=True)
    assert render.within_limits(render.Message([embed]))
    assert embed.description is not None
    lines = embed.description.split("\n")
    shown = len(lines) - 1
    assert 5 < shown < 80
    assert lines[0] == f"…{80 - shown} earlier developments (newsdesk timeline lists all)"
    assert lines[-1] == f"**2026-03-12** · {render.safe(ENTRIES[4][1])} · 1 outlet"  # the newest
    sources = "\n".join(f.value or "" for f in embed.fields).split("\n")
    assert len(sources) == shown and sources[-1].startswith(f"[5] [{DEAL.title}](<{DEAL.url}#:~:text=")


LATEST = "what's the latest on the Lowmoor ferry strike?"


async def test_ask_for_the_latest_answers_newest_first(world: World) -> None:
    ingest_story(world.engine, world.engine.stories, world.namespace)
    post = (await world.ask(LATEST))[-1].json
    (embed,) = post["embeds"]
    lines = embed["description"].split("\n")
    assert lines[:2] == [
        "Newest report: 2026-03-12 (citypost.example).",
        "2026-03-12: " + render.safe(ENTRIES[4][1].replace("[5]", "[1]")),
    ]
    assert [f["value"] for f in embed["fields"] if f["name"] == "Note"] == [
        "⚠️ Newest first: the newest report used is from 2026-03-12."
    ]


async def test_a_thread_asking_for_the_latest_gets_the_newest(
    fake: FakeDiscord, newsroom: OpenNewsroom, bot_engine: Engine
) -> None:
    async with newsroom() as (_, guild, reader, channel, asked):
        ingest_story(bot_engine, bot_engine.stories, namespace_for_guild(guild.id))
        thread = await open_thread(fake, channel, reader, LATEST)
        (answer,) = await answers_in(fake, thread, 1)
    assert asked == []  # answered from the timeline, not by the question answerer
    assert answer["embeds"][0]["description"].startswith("Newest report: 2026-03-12 (citypost.example).\n")


async def test_with_a_model_the_entries_are_checked_summaries(
    fake: FakeDiscord, bot_settings: Settings, bot_engine: Engine, feedback: FeedbackStore
) -> None:
    async with FakeOpenAI() as server:
        settings = bot_settings.model_copy(
            update={"openai_api_key": "k", "openai_base_url": server.base_url, "verify": "offline"}
        )
        client = build_client(settings)
        llm = LLMAnswerer.from_settings(client, settings)
        server.queue(*[Reply.dynamic(respond) for _ in range(5)])
        guild = fake.add_guild("Newsroom")
        reader = fake.add_user("reader")
        ingest_story(bot_engine, bot_engine.stories, namespace_for_guild(guild.id))
        bot = NewsBot(settings, bot_engine, feedback, llm=llm, guild_ready_timeout=0.5)
        async with running_bot(bot):
            world = World(fake, bot, bot_engine, feedback, guild, reader, reader)
            options = [
                {"type": 3, "name": "topic", "value": TOPIC},
                {"type": 3, "name": "since", "value": "2026-03-01"},
            ]
            post = (await world.done(await world.command("timeline", options)))[-1].json
        await client.close()
    (embed,) = post["embeds"]
    lines = embed["description"].split("\n")
    assert (
        lines[0]
        == "**2026-03-02** · "
        + render.safe("Ferry crews on the Lowmoor crossing voted by 212 to 31 to strike from Thursday [1].")
        + " · 2 outlets"
    )
    assert lines[2] == f"**2026-03-05** · {render.safe(ENTRIES[2][1].replace('[3]', '[4]'))} · 1 outlet"
    sources = "\n".join(f["value"] for f in embed["fields"]).split("\n")
    assert [line.split(" ", 1)[0] for line in sources] == ["[1]", "[2]", "[3]", "[4]", "[5]", "[6]"]
    assert len(server.requests) == 5
