"""/watch and the watch checker through the real discord.py client and the loopback fake
Discord: permissions, one message per story with no mentions, and one poster among two bots."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, cast

from bot.discord.app import NewsBot, ShardedNewsBot
from bot.discord.cogs.watch import WATCH_LEASE, Watches
from retrieval.engine import Engine, namespace_for_guild
from retrieval.ingest.articles import Article
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from tests.follow.stories import FARES, FIRE, FIRE_COPY, FIRE_FOLLOW_UP, HARVEST
from tests.support.discord_world import World, running_bot
from tests.support.fake_discord import FakeDiscord, FakeInteraction, Json

pytest_plugins = ("tests.support.discord_fixtures",)

STRIKE = Article(
    title="Kestrel Bay harbour faces a walkout @here",
    text=(
        "Harbour staff in Kestrel Bay will walk out on Friday, their union said on Monday.\n\n"
        "Union leader <@123456789012345678> said the pilots strike was about night shifts and "
        "would stop ships entering the harbour."
    ),
    url="https://harbourgazette.example/2026/05/08/pilots-strike",
    published=None,
)


def cog_of(bot: NewsBot) -> Watches:
    cog = bot.get_cog("Watches")  # loaded as an extension: its own module object
    assert cog is not None and type(cog).__name__ == Watches.__name__
    return cast(Watches, cog)


def sub(name: str, options: list[Json] | None = None) -> list[Json]:
    return [{"type": 1, "name": name, "options": options or []}]


async def admin(world: World, options: list[Json], **kw: Any) -> FakeInteraction:
    return await world.command("watch", options, user=world.admin, roles=("editors",), **kw)


async def followup(world: World, inter: FakeInteraction) -> Json:
    requests = await world.done(inter)
    return next(r for r in requests if r.method == "POST" and "/webhooks/" in r.path).json


def posts(fake: FakeDiscord, channel: int) -> list[Json]:
    return [r.json for r in fake.sent("POST", f"/channels/{channel}/messages")]


async def test_watch_commands_need_manage_server_or_the_role(world: World) -> None:
    for options in (sub("add", [{"type": 3, "name": "topic", "value": "ferry fire"}]), sub("list")):
        inter = await world.command("watch", options)
        (cb,) = await world.fake.wait_request("POST", inter.callback_path)
        name = options[0]["name"]
        assert cb.json["data"]["content"] == (
            f"⛔ /watch {name} needs the Manage Server permission or the “editors” role."
        )
    assert cog_of(world.bot).store.list_watches() == []


async def test_a_watch_posts_one_message_per_story_and_pings_nobody(world: World) -> None:
    channel = world.guild.channel_ids[0]
    resolved = {"channels": {str(channel): dict(world.fake.channels[channel], permissions="0")}}
    inter = await admin(
        world,
        sub(
            "add",
            [
                {"type": 3, "name": "topic", "value": "ferry fire"},
                {"type": 7, "name": "channel", "value": str(channel)},
            ],
        ),
        resolved=resolved,
    )
    assert (await followup(world, inter))["embeds"][0]["description"] == (
        f"Watching **#1** ferry fire: new reports go to <#{channel}>."
    )
    inter = await admin(world, sub("add", [{"type": 3, "name": "topic", "value": "pilots strike"}]))
    assert (await followup(world, inter))["embeds"][0]["description"] == (
        f"Watching **#2** pilots strike: new reports go to <#{channel}>."  # the channel it was asked in
    )

    world.engine.ingest([FIRE, FIRE_COPY, HARVEST], world.namespace)
    world.bot.dispatch("articles_stored", world.namespace)  # as /ingest and the poller do
    (post,) = await world.fake.wait_request("POST", f"/channels/{channel}/messages", timeout=30)
    assert post.json["allowed_mentions"] == {"parse": []}
    assert post.json["embeds"] == [
        {
            "type": "rich",
            "title": FIRE.title,
            "url": f"{FIRE.url}#:~:text=KESTREL%20BAY%20%E2%80%94%20A%20fire,"
            "taken%20off%20by%20lifeboat%20crews.",
            "description": "> KESTREL BAY — A fire broke out in the engine room of the Kestrel Bay ferry "
            "Marram on Tuesday morning, and all 84 passengers were taken off by lifeboat crews.\n"
            "— **harbourgazette.example**, 2026-05-05",
            "color": 0x2ECC71,
            "flags": 0,
            "footer": {"text": "Watch #1: ferry fire · 2 reports from 2 outlets"},
        }
    ]

    cog = cog_of(world.bot)
    world.engine.ingest([FIRE_FOLLOW_UP, FARES, STRIKE], world.namespace)
    assert await cog.tick_once() == 1  # the follow-up joins the posted story; the strike is new
    first_id = next(
        m["id"]
        for m in world.fake.channel_messages(channel)
        if m["embeds"] and m["embeds"][0].get("title") == FIRE.title
    )
    (edit,) = world.fake.sent("PATCH", f"/channels/{channel}/messages/{first_id}")  # its count, updated
    assert edit.json["allowed_mentions"] == {"parse": []}
    assert edit.json["embeds"][0]["footer"] == {"text": "Watch #1: ferry fire · 3 reports from 3 outlets"}
    assert edit.json["embeds"][0]["description"] == post.json["embeds"][0]["description"]
    strike = posts(world.fake, channel)[-1]
    assert len(posts(world.fake, channel)) == 2
    assert strike["allowed_mentions"] == {"parse": []}
    description = strike["embeds"][0]["description"]
    assert description == (
        "> Union leader <@\u200b123456789012345678> said the pilots strike was about night shifts and "
        "would stop ships entering the harbour.\n— **harbourgazette.example**, undated"
    )
    assert strike["embeds"][0]["footer"] == {"text": "Watch #2: pilots strike · 1 report"}

    inter = await admin(world, sub("list"))
    assert (await followup(world, inter))["embeds"][0]["description"].split("\n") == [
        f"**#1** ferry fire → <#{channel}>",
        "  last match just now; 3 matches this week, 1 posted",
        f"**#2** pilots strike → <#{channel}>",
        "  last match just now; 1 match this week, 1 posted",
    ]
    inter = await admin(world, sub("remove", [{"type": 3, "name": "watch", "value": "Ferry Fire"}]))
    assert (await followup(world, inter))["embeds"][0]["description"] == "Stopped watching **#1** ferry fire."
    inter = await admin(world, sub("remove", [{"type": 3, "name": "watch", "value": "2"}]))
    await followup(world, inter)
    inter = await admin(world, sub("list"))
    assert (await followup(world, inter))["embeds"][0]["description"] == (
        "No topics watched here yet: add one with `/watch add`."
    )


@contextlib.asynccontextmanager
async def shard(
    settings: Settings, engine: Engine, feedback: FeedbackStore, shard_id: int
) -> AsyncIterator[NewsBot]:
    """One of two bot processes sharing the store (shard `shard_id` of 2)."""
    own = settings.model_copy(update={"discord_shards": "2", "discord_shard_ids": str(shard_id)})
    bot = ShardedNewsBot(own, engine, feedback, shard_count=2, shard_ids=[shard_id], guild_ready_timeout=0.5)
    async with running_bot(bot):
        yield bot


async def test_only_the_lease_holder_posts(
    fake: FakeDiscord, bot_settings: Settings, bot_engine: Engine, feedback: FeedbackStore
) -> None:
    guild = fake.add_guild("Newsroom")
    channel = guild.channel_ids[0]
    ns = namespace_for_guild(guild.id)
    async with (
        shard(bot_settings, bot_engine, feedback, 0) as first,
        shard(bot_settings, bot_engine, feedback, 1) as second,
    ):
        cogs = {first: cog_of(first), second: cog_of(second)}
        holder = cogs[first].lease.current_holder()
        assert holder in {cogs[first].lease.holder, cogs[second].lease.holder}  # one took it at start
        active, standby = (first, second) if holder == cogs[first].lease.holder else (second, first)
        cogs[active].checker.add(ns, "Kestrel Bay ferry", channel)
        bot_engine.ingest([FIRE], ns)
        assert await cogs[standby].tick_once() is None  # stands by: another process posts
        await cogs[active].tick_once()
        assert [p["embeds"][0]["title"] for p in posts(fake, channel)] == [FIRE.title]
        await active.close()  # a clean stop hands the lease on at once
        bot_engine.ingest([FARES], ns)
        assert await cogs[standby].tick_once() == 1
        assert [p["embeds"][0]["title"] for p in posts(fake, channel)] == [FIRE.title, FARES.title]
        assert cogs[standby].lease.current_holder() == cogs[standby].lease.holder
        assert cogs[standby].lease.name == WATCH_LEASE
