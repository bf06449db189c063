"""/feeds, /digest and the background poller through the real discord.py client and the
loopback fake Discord, with feeds served by the loopback news site."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import discord
import pytest
from aiohttp import web

from bot.discord import render
from bot.discord.app import EXTENSIONS
from bot.discord.cogs.feeds import Feeds
from retrieval.engine import Engine, namespace_for_guild
from retrieval.ingest.articles import Article
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from retrieval.text.timewindow import parse_since
from retrieval.web.feedstore import Feed, FeedStore
from retrieval.web.ingest import IngestOutcome
from retrieval.web.poller import FeedPollResult
from tests.support.discord_world import World, web_world
from tests.support.fake_discord import FakeDiscord, FakeInteraction, Recorded
from tests.support.http_server import LoopbackSite
from tests.web.test_feeds import publish_news

pytest_plugins = ("tests.support.discord_fixtures",)

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
    assert (await fw.callback(inter)).json == {"type": 5, "data": {"flags": 64}}  # private
    description = (await fw.followup(inter))["embeds"][0]["description"]
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
    # each source links to the article at the sentences the digest quotes (a text fragment)
    bridge = fw.site.url("/articles/bridge")
    bridge += "#:~:text=Engineers%20closed%20the%20Dunmore%20bridge,cross%20while%20repairs%20are%20planned."
    ferry = fw.site.url("/articles/ferry")
    ferry += "#:~:text=Mayor%20Ada%20Okonkwo%20said%20on,told%20reporters%20at%20the%20terminal."
    assert digest["fields"][0]["value"].split("\n") == [
        f"[1] [Bridge closed to lorries](<{bridge}>) — 127.0.0.1, 2024-03-04",
        f"[2] [Ferry to run every 20 minutes](<{ferry}>) — 127.0.0.1, 2024-03-04",
    ]

    inter = await fw.admin("feeds", sub("remove", [{"type": 3, "name": "feed", "value": "1"}]))
    assert (await fw.callback(inter)).json == {"type": 5, "data": {"flags": 64}}
    removed = (await fw.followup(inter))["embeds"][0]["description"]
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


async def test_a_feed_is_followed_once_whatever_its_fragment(fw: FeedsWorld) -> None:
    publish_news(fw.site)
    url = fw.site.url("/rss")
    inter = await fw.admin("feeds", sub("add", [{"type": 3, "name": "url", "value": url + "#latest"}]))
    body = await fw.followup(inter)
    assert body["embeds"][0]["description"] == f"Following **#1** [The Test Times](<{url}>) every 15m."
    inter = await fw.admin("feeds", sub("add", [{"type": 3, "name": "url", "value": url}]))
    assert f"{url} is already followed here" in str(await fw.followup(inter))
    assert [f.url for f in fw.cog.store.list_feeds()] == [url]


async def test_daily_digest_is_scheduled_and_posted_once_a_day(fw: FeedsWorld) -> None:
    inter = await fw.admin("digest", [{"type": 3, "name": "time", "value": "07:30"}])
    assert (await fw.callback(inter)).json == {"type": 5, "data": {"flags": 64}}
    cb = await fw.followup(inter)
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
    cb = await fw.followup(inter)
    assert cb["embeds"][0]["description"] == "Daily digest stopped."


def within_limits(post: Recorded) -> bool:
    """The message as Discord would count it (render.within_limits on the embeds as sent)."""
    embeds = [discord.Embed.from_dict(e) for e in post.json["embeds"]]
    return render.within_limits(render.Message(embeds, post.json.get("content") or ""))


async def test_a_refused_daily_digest_is_skipped_for_the_day_and_the_others_are_posted(
    fw: FeedsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    other = fw.fake.add_guild("Other newsroom")  # another server, reached over REST
    (other_channel,) = other.channel_ids
    fw.cog.store.set_digest(fw.world.namespace, fw.channel, 7 * 60)
    fw.cog.store.set_digest(namespace_for_guild(other.id), other_channel, 7 * 60)
    # the bot lost Send Messages in the first channel (the first schedule)
    fw.fake.fail_next("POST", rf"^/channels/{fw.channel}/messages$", status=403)
    on_time = datetime(2024, 3, 4, 7, 31, tzinfo=UTC)
    with caplog.at_level(logging.WARNING):
        assert await fw.cog.post_due_digests(on_time) == 1
    assert len(fw.fake.sent("POST", f"/channels/{fw.channel}/messages")) == 1  # tried, refused
    (post,) = fw.fake.sent("POST", f"/channels/{other_channel}/messages")
    assert post.json["embeds"][0]["description"].startswith("No news since ")
    assert (
        f"daily digest for {fw.world.namespace} in channel {fw.channel} refused "
        "(403 50013: Missing Permissions); skipped today"
    ) in caplog.messages
    # not retried every minute for the rest of the day
    assert await fw.cog.post_due_digests(datetime(2024, 3, 4, 7, 32, tzinfo=UTC)) == 0
    assert len(fw.fake.sent("POST", f"/channels/{fw.channel}/messages")) == 1


async def test_a_daily_digest_discord_failed_to_take_is_retried_next_tick(fw: FeedsWorld) -> None:
    other = fw.fake.add_guild("Other newsroom")
    (other_channel,) = other.channel_ids
    fw.cog.store.set_digest(fw.world.namespace, fw.channel, 7 * 60)
    fw.cog.store.set_digest(namespace_for_guild(other.id), other_channel, 7 * 60)
    fw.fake.fail_next("POST", rf"^/channels/{fw.channel}/messages$", status=503)
    assert await fw.cog.post_due_digests(datetime(2024, 3, 4, 7, 31, tzinfo=UTC)) == 1
    assert len(fw.fake.sent("POST", f"/channels/{other_channel}/messages")) == 1
    # Discord's own trouble: the next tick posts it (and only it)
    assert await fw.cog.post_due_digests(datetime(2024, 3, 4, 7, 32, tzinfo=UTC)) == 1
    first, retried = fw.fake.sent("POST", f"/channels/{fw.channel}/messages")
    assert retried.json["embeds"] == first.json["embeds"]
    assert len(fw.fake.sent("POST", f"/channels/{other_channel}/messages")) == 1
    assert await fw.cog.post_due_digests(datetime(2024, 3, 4, 7, 33, tzinfo=UTC)) == 0


BUSY_DAY = {  # five stories, each told by two outlets in words of its own
    "Harbour ferry": "ferry harbour crossing pier captain passengers timetable boats deckhands mooring "
    "ticket gangway tides island commuters lifejackets ramp hull propeller skipper berth wharf cabin anchor",
    "River bridge": "bridge river lorries cables inspectors corrosion girders detour engineers steel "
    "bolts deck span arches traffic weight barrier cyclists scaffold rivets towpath abutment barge crane",
    "Library budget": "library council books branch librarians readers closure budget shelves archive "
    "catalogue volunteers toddlers storytime computers printing fines loans atlas periodicals reading "
    "poetry novels stacks",
    "Tram depot": "tram depot rails drivers carriages overhead signals tracks pantograph sidings conductor "
    "junction sleepers ballast points tramway wagons brakes wheels axles shunting timetables sheds workshop",
    "Water reservoir": "reservoir water rainfall pipes dam pumping drought supply hosepipe aquifer valves "
    "sluice spillway catchment leakage meters treatment chlorine filters basin springs wells mains hydrant",
}


def busy_day(published: date) -> list[Article]:
    """Ten long reports with ~190-character URLs: more than one Discord message can hold."""
    articles = []
    for t, (topic, vocabulary) in enumerate(BUSY_DAY.items()):
        words = vocabulary.split()
        sentences = [
            f"They said that the {', the '.join(words[i : i + 4])} would be checked again and again "
            f"before the {', the '.join(words[i + 4 : i + 8])} were all in use once more, and that this "
            "would be so for each of them in turn, as it had been before and as it would be again after "
            "it was all over."
            for i in (0, 8, 16)
        ]
        for j in range(2):
            url = (
                f"https://outlet{j}.example/news/2024/03/04/{'-'.join(words[:6])}-report-{j}"
                f"?utm_source=rss&utm_medium=feed&utm_campaign=daily-digest-{t}-{j}&ref="
            )
            articles.append(
                Article(
                    title=f"{topic}: the {words[0]} and the {words[1]} to change",
                    text=" ".join(sentences[:2] if j == 0 else [sentences[2], sentences[0]]),
                    url=url + "x" * (190 - len(url)),
                    published=published,
                )
            )
    return articles


async def test_a_busy_days_digest_fits_in_one_message_with_whole_stories(fw: FeedsWorld) -> None:
    articles = busy_day(date.today())  # the daily digest covers the last 24 hours
    assert {len(a.url) for a in articles} == {190}
    fw.world.engine.ingest(articles, fw.world.namespace)
    fw.cog.store.set_digest(fw.world.namespace, fw.channel, 7 * 60)
    assert await fw.cog.post_due_digests(datetime(2024, 3, 4, 7, 31, tzinfo=UTC)) == 1
    (post,) = fw.fake.sent("POST", f"/channels/{fw.channel}/messages")
    assert within_limits(post)
    (embed,) = post.json["embeds"]
    assert embed["title"] == f"News digest since {parse_since('24h')}: 5 top stories from 10 articles"
    *stories, note = embed["description"].split("\n\n")
    assert note == "*…and 2 more stories, left out to keep within Discord's limits.*"
    story = re.compile(r"\*\*(\d)\. ([^*\n]+)\*\* \(2 outlet\(s\), 2 report\(s\)\)\n[^*\n]+ \[\d+\]")
    shown = [story.fullmatch(s) for s in stories]
    assert [m and (m.group(1), m.group(2)) for m in shown] == [
        ("1", "Harbour ferry: the ferry and the harbour to change"),
        ("2", "Library budget: the library and the council to change"),
        ("3", "River bridge: the bridge and the river to change"),
    ]
    # each story whole: its three sentences, each with its [n]; the sources are the ones cited
    assert [re.findall(r"\[(\d+)\]", s) for s in stories] == [
        ["1", "1", "2"],
        ["3", "3", "4"],
        ["5", "5", "6"],
    ]
    sources = "\n".join(f["value"] for f in embed["fields"]).split("\n")
    assert [line.split(" ", 1)[0] for line in sources] == ["[1]", "[2]", "[3]", "[4]", "[5]", "[6]"]
    assert all(
        line.count("](<https://outlet") == 1 and line.endswith(f", {date.today()}") for line in sources
    )


async def test_an_announcement_of_many_long_links_fits_in_one_embed(fw: FeedsWorld) -> None:
    feed = Feed(
        id=1,
        namespace=fw.world.namespace,
        url=fw.site.url("/rss"),
        every_seconds=900,
        title="The Long Links Gazette",
        etag=None,
        last_modified=None,
        added_at=0.0,
        last_polled=None,
        last_ok=None,
        next_poll=0.0,
        failures=0,
        last_error=None,
        items_ingested=0,
        channel_id=fw.channel,
    )
    links = [f"https://gazette.example/{i:02d}/" + "a" * 356 for i in range(12)]
    links = [u[:356] for u in links]
    titles = [f"Story {i:02d} " + "t" * 141 for i in range(12)]
    outcomes = [IngestOutcome(url=u, status="added", title=t) for u, t in zip(links, titles, strict=True)]
    await fw.cog.announce(FeedPollResult(feed, "ok", outcomes=outcomes))
    (post,) = fw.fake.sent("POST", f"/channels/{fw.channel}/messages")
    assert within_limits(post)
    (embed,) = post.json["embeds"]
    assert embed["title"] == "New from The Long Links Gazette"
    # as many whole lines as fit in 4096 characters, then how many more
    assert embed["description"].split("\n") == [
        *(f"• [{t}](<{u}>)" for t, u in zip(titles[:7], links[:7], strict=True)),
        "…and 5 more",
    ]


async def test_stopping_the_cog_abandons_the_poll_round_in_progress(fw: FeedsWorld) -> None:
    asked, release = asyncio.Event(), asyncio.Event()

    async def stuck(request: web.Request) -> web.StreamResponse:
        asked.set()
        await release.wait()
        return web.Response(status=503)

    fw.site.routes["/stuck-rss"] = stuck
    store, poller = fw.cog.store, fw.cog.poller
    assert poller is not None
    feed = store.add(fw.world.namespace, fw.site.url("/stuck-rss"), 900, time.time())
    store.make_due(fw.world.namespace, time.time())
    poller.nudge()
    await asyncio.wait_for(asked.wait(), 30)  # the poller is fetching the feed
    try:
        await fw.world.bot.remove_cog("Feeds")
    finally:
        release.set()
    # the fetch in flight was cancelled: the round did not run on to its end (a timeout, recorded)
    reopened = FeedStore(fw.world.bot.settings.state_db)
    try:
        after = reopened.get(feed.id)
    finally:
        reopened.close()
    assert (after.last_polled, after.failures, after.last_error) == (None, 0, None)
