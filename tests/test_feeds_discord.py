"""/feeds, /digest and the background poller through the real discord.py client and the
loopback fake Discord, with feeds served by the loopback news site."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bot.cogs.feeds import Feeds
from bot.discord_app import EXTENSIONS
from retrieval.engine import Engine, namespace_for_guild
from retrieval.feedback import FeedbackStore
from retrieval.settings import Settings
from tests.discord_world import World, web_world
from tests.fake_discord import FakeDiscord, FakeInteraction, Recorded
from tests.http_server import LoopbackSite
from tests.test_feeds import publish_news

pytest_plugins = ("tests.discord_fixtures",)

MIDNIGHT = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)


@dataclass
class FeedsWorld:
    world: World
    site: LoopbackSite

    @property
    def fake(self) -> FakeDiscord:
        return self.world.fake

    @property
    def channel(self) -> int:
        return self.world.guild.channel_ids[0]

    @property
    def cog(self) -> Feeds:
        cog = self.world.bot.get_cog("Feeds")  # loaded as an extension: its own module object
        assert cog is not None and type(cog).__name__ == Feeds.__name__
        return cast(Feeds, cog)

    def resolved_channel(self) -> dict[str, Any]:
        ch = dict(self.fake.channels[self.channel], permissions="0")
        return {"channels": {str(self.channel): ch}}

    async def admin(self, name: str, options: list[dict[str, Any]], **kw: Any) -> FakeInteraction:
        return await self.world.command(name, options, user=self.world.admin, roles=("editors",), **kw)

    async def callback(self, inter: FakeInteraction) -> Recorded:
        (cb,) = await self.fake.wait_request("POST", inter.callback_path)
        return cb

    async def followup(self, inter: FakeInteraction) -> dict[str, Any]:
        requests = await self.world.done(inter)
        return next(r for r in requests if r.method == "POST" and "/webhooks/" in r.path).json


@pytest.fixture
async def fw(
    fake: FakeDiscord, bot_settings: Settings, bot_engine: Engine, feedback: FeedbackStore
) -> AsyncIterator[FeedsWorld]:
    # the background digest clock reads midnight: only the test's own calls post
    async with web_world(
        fake, bot_settings, bot_engine, feedback, extensions=EXTENSIONS, clock=lambda: MIDNIGHT
    ) as (world, site):
        yield FeedsWorld(world, site)


def sub(name: str, options: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    return [{"type": 1, "name": name, "options": options or []}]


async def test_follow_a_feed_announce_list_digest_and_remove(fw: FeedsWorld) -> None:
    publish_news(fw.site)
    url = fw.site.url("/rss")

    inter = await fw.admin(
        "feeds",
        sub(
            "add",
            [
                {"type": 3, "name": "url", "value": url},
                {"type": 7, "name": "channel", "value": str(fw.channel)},
            ],
        ),
        resolved=fw.resolved_channel(),
    )
    body = await fw.followup(inter)
    assert body["embeds"][0]["description"] == (
        f"Following **#1** [The Test Times](<{url}>) every 15m; new articles go to <#{fw.channel}>."
    )

    # the poller running in the bot picks the feed up at once and announces what is new
    (post,) = await fw.fake.wait_request("POST", f"/channels/{fw.channel}/messages", timeout=30)
    embed = post.json["embeds"][0]
    assert embed["title"] == "New from The Test Times"
    assert embed["description"].split("\n") == [
        f"• [Ferry to run every 20 minutes](<{fw.site.url('/articles/ferry')}>)",
        f"• [Bridge closed to lorries](<{fw.site.url('/articles/bridge')}>)",
    ]
    assert post.json["allowed_mentions"] == {"parse": []}
    assert fw.world.engine.count_articles(fw.world.namespace) == 2

    inter = await fw.admin("feeds", sub("list"))
    listed = (await fw.callback(inter)).json["data"]
    assert listed["flags"] == 64
    description = listed["embeds"][0]["description"]
    assert description.startswith(f"**#1** [The Test Times](<{url}>) · every 15m · 2 article(s) · ok")
    assert "used the feed's text" in description  # the bridge page is a 404: visible here

    inter = await fw.world.command("digest", [{"type": 3, "name": "since", "value": "2024-03-01"}])
    digest = (await fw.followup(inter))["embeds"][0]
    assert digest["title"] == "News digest since 2024-03-01: 2 top stories from 2 articles"
    # equal coverage and date: the stories come in headline order
    assert digest["description"].startswith(
        "**1. Bridge closed to lorries** (1 outlet(s), 1 report(s))\n"
        "Engineers closed the Dunmore bridge to lorries after inspectors found corrosion in two "
        "support cables. [1]"
    )
    assert "**2. Ferry to run every 20 minutes** (1 outlet(s), 1 report(s))" in digest["description"]
    assert digest["fields"][0]["value"].split("\n") == [
        f"[1] [Bridge closed to lorries](<{fw.site.url('/articles/bridge')}>) — 127.0.0.1, 2024-03-04",
        f"[2] [Ferry to run every 20 minutes](<{fw.site.url('/articles/ferry')}>) — 127.0.0.1, 2024-03-04",
    ]

    inter = await fw.admin("feeds", sub("remove", [{"type": 3, "name": "feed", "value": "1"}]))
    removed = (await fw.callback(inter)).json["data"]["embeds"][0]["description"]
    assert removed == f"Stopped following **#1** [The Test Times](<{url}>)."
    assert fw.cog.store.list_feeds(fw.world.namespace) == []


async def test_feeds_commands_need_manage_server_or_the_role(fw: FeedsWorld) -> None:
    inter = await fw.world.command(
        "feeds", sub("add", [{"type": 3, "name": "url", "value": fw.site.url("/rss")}])
    )
    cb = (await fw.callback(inter)).json
    assert cb["data"]["content"] == (
        "⛔ /feeds add needs the Manage Server permission or the “editors” role."
    )
    assert fw.cog.store.list_feeds() == []


async def test_adding_a_web_page_or_a_private_address_is_refused(fw: FeedsWorld) -> None:
    fw.site.page("/home", "<!DOCTYPE html><html><body><p>Home</p></body></html>")
    inter = await fw.admin("feeds", sub("add", [{"type": 3, "name": "url", "value": fw.site.url("/home")}]))
    body = await fw.followup(inter)
    text = str(body)
    assert "this is an HTML web page, not an RSS or Atom feed" in text
    inter = await fw.admin("feeds", sub("add", [{"type": 3, "name": "url", "value": "http://10.0.0.1/rss"}]))
    cb = (await fw.callback(inter)).json
    assert "10.0.0.1 is private" in str(cb)
    assert fw.cog.store.list_feeds() == []


async def test_daily_digest_is_scheduled_and_posted_once_a_day(fw: FeedsWorld) -> None:
    inter = await fw.admin("digest", [{"type": 3, "name": "time", "value": "07:30"}])
    cb = (await fw.callback(inter)).json["data"]
    assert cb["embeds"][0]["description"] == (
        f"The last 24 hours' digest will be posted in <#{fw.channel}> daily at 07:30 UTC."
    )
    early = datetime(2024, 3, 4, 7, 0, tzinfo=UTC)
    assert await fw.cog.post_due_digests(early) == 0
    on_time = datetime(2024, 3, 4, 7, 31, tzinfo=UTC)
    assert await fw.cog.post_due_digests(on_time) == 1
    assert await fw.cog.post_due_digests(on_time) == 0  # once a day
    (post,) = fw.fake.sent("POST", f"/channels/{fw.channel}/messages")
    assert post.json["embeds"][0]["description"].startswith("No news since ")
    assert namespace_for_guild(fw.world.guild.id) == fw.world.namespace

    inter = await fw.admin("digest", [{"type": 3, "name": "time", "value": "off"}])
    cb = (await fw.callback(inter)).json["data"]
    assert cb["embeds"][0]["description"] == "Daily digest stopped."
