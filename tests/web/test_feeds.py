"""Feeds end to end: a loopback news site, the real fetcher, feed state in SQLite, the real engine."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from retrieval.engine import Engine
from retrieval.settings import Settings
from retrieval.web.dedup import StoryIndex
from retrieval.web.feeds import parse_feed
from retrieval.web.feedstore import FeedStore
from retrieval.web.fetch import Fetcher
from retrieval.web.ingest import WebIngestor
from retrieval.web.policy import FetchPolicy, parse_allow_list
from retrieval.web.poller import Poller
from retrieval.web.transport import build_http_client
from tests.conftest import Clock
from tests.support.feed_samples import (
    HTML_NOT_A_FEED,
    MALFORMED_XML,
    Item,
    article_page,
    atom,
    rdf10,
    rss091,
    rss20,
)
from tests.support.http_server import LoopbackSite

FERRY = [
    "Mayor Ada Okonkwo said on Monday that the harbour ferry will run every twenty minutes "
    "from April, after a year of complaints about crowded morning boats.",
    "The city will lease two extra vessels from a private operator while the new electric "
    "ferries are built, she told reporters at the terminal.",
    "Commuter groups welcomed the change but said fares should not rise to pay for it.",
]
COUNCIL = [
    "The city council voted nine to two on Tuesday to close the old library on Elm Street "
    "and move its collection to the new civic centre by the end of the year.",
    "Residents of the east side said the move would leave them without a branch within "
    "walking distance, and a petition against it has gathered four thousand names.",
]
BRIDGE_SUMMARY = (
    "Engineers closed the Dunmore bridge to lorries after inspectors found corrosion in two "
    "support cables. Cars may still cross while repairs are planned."
)


START = 1_709_542_800.0  # 2024-03-04 09:00 UTC


@dataclass
class World:
    site: LoopbackSite
    engine: Engine
    feeds: FeedStore
    stories: StoryIndex
    poller: Poller
    clock: Clock


@pytest.fixture
def stores(settings: Settings) -> Iterator[tuple[FeedStore, StoryIndex]]:
    feeds = FeedStore(settings.sqlite_path, rng=random.Random(7))
    stories = StoryIndex(settings.sqlite_path)
    yield feeds, stories
    feeds.close()
    stories.close()


@pytest.fixture
async def world(engine: Engine, stores: tuple[FeedStore, StoryIndex]) -> AsyncIterator[World]:
    feeds, stories = stores
    clock = Clock(START)
    async with LoopbackSite() as site:
        policy = FetchPolicy(allow=parse_allow_list(site.host), timeout=5.0)
        async with build_http_client(policy) as client:
            ingestor = WebIngestor(engine, stories, clock=clock)
            poller = Poller(feeds, Fetcher(client, policy), ingestor, concurrency=4, clock=clock)
            yield World(site, engine, feeds, stories, poller, clock)


def publish_news(site: LoopbackSite) -> None:
    u = site.url
    site.page("/articles/ferry", article_page("Ferry to run every 20 minutes", FERRY))
    # the same wire story on another outlet's page, with its own headline and tagline
    site.page(
        "/wire/ferry-copy",
        article_page(
            "Harbour ferry to run every 20 minutes",
            [*FERRY, "This story was distributed by the Test Wire service."],
            author="Test Wire",
        ),
    )
    site.page("/articles/council", article_page("Council votes to close Elm Street library", COUNCIL))
    site.status("/articles/bridge", 404)
    site.redirect("/articles/meta", "http://169.254.169.254/latest/meta-data/")
    site.feed(
        "/rss",
        rss20(
            "The Test Times",
            [
                Item("tt-1", "Ferry to run every 20 minutes", u("/articles/ferry"), "Ferries."),
                Item("tt-2", "Bridge closed to lorries", u("/articles/bridge"), BRIDGE_SUMMARY),
            ],
        ),
        etag='"rss-v1"',
    )
    site.feed(
        "/atom",
        atom(
            "Test Wire",
            [
                Item("w-1", "Harbour ferry to run every 20 minutes", u("/wire/ferry-copy"), "Wire."),
                Item("w-2", "Council votes to close Elm Street library", u("/articles/council"), "Library."),
                Item("w-3", "Cloud metadata", u("/articles/meta"), ""),
            ],
        ),
        content_type="application/atom+xml",
        last_modified="Mon, 04 Mar 2024 09:00:00 GMT",
    )


async def test_first_poll_ingests_dedups_and_falls_back(world: World) -> None:
    publish_news(world.site)
    rss = world.feeds.add("default", world.site.url("/rss"), 900, world.clock())
    at = world.feeds.add("default", world.site.url("/atom"), 900, world.clock())

    results = await world.poller.poll_due()

    by_feed = {r.feed.id: r for r in results}
    ferry, bridge_item = by_feed[rss.id].outcomes
    wire, council = by_feed[at.id].outcomes
    assert [(o.title, o.status) for o in (bridge_item, council)] == [
        ("Bridge closed to lorries", "added"),  # from the feed's own text: the page is a 404
        ("Council votes to close Elm Street library", "added"),
    ]
    # the two feeds are polled concurrently: whichever copy of the ferry story came first is
    # stored, the other is recorded as its duplicate
    assert sorted([ferry.status, wire.status]) == ["added", "duplicate"]
    assert ferry.article_id == wire.article_id and ferry.article_id is not None
    # the item whose link redirects to the metadata address: refused, and it has no feed text
    assert by_feed[at.id].skipped_items == [
        f"{world.site.url('/articles/meta')}: redirected to "
        "http://169.254.169.254/latest/meta-data/, refused: the address 169.254.169.254 is "
        "link-local; refusing to fetch it"
    ]
    assert [h.path for h in world.site.hits].count("/articles/meta") == 1

    # three stories stored; the syndicated ferry story once, with both URLs
    assert world.engine.count_articles() == 3
    assert sorted(u for u, _ in world.stories.urls("default", ferry.article_id)) == [
        "https://127.0.0.1/articles/ferry",
        "https://127.0.0.1/wire/ferry-copy",
    ]
    bridge = world.engine.get_article(world.site.url("/articles/bridge"))
    assert bridge is not None and bridge.title == "Bridge closed to lorries"
    passages = world.engine.search("corrosion in support cables", k=1)
    assert passages[0].article_id == bridge.id

    # the feeds' state: titles, validators, what went wrong with which items
    rss_now, at_now = world.feeds.get(rss.id), world.feeds.get(at.id)
    assert (rss_now.title, rss_now.etag, rss_now.failures) == ("The Test Times", '"rss-v1"', 0)
    assert rss_now.last_error is not None and "HTTP 404); used the feed's text" in rss_now.last_error
    assert at_now.last_modified == "Mon, 04 Mar 2024 09:00:00 GMT"
    assert at_now.last_error is not None and "1 item(s) not ingested" in at_now.last_error
    assert rss_now.next_poll > world.clock()


async def test_second_poll_is_a_304_and_ingests_nothing(world: World) -> None:
    publish_news(world.site)
    rss = world.feeds.add("default", world.site.url("/rss"), 900, world.clock())
    world.feeds.add("default", world.site.url("/atom"), 900, world.clock())
    await world.poller.poll_due()
    before = world.engine.count_articles()
    page_hits = len(world.site.hits_for("/articles/ferry"))

    assert await world.poller.poll_due() == []  # nothing is due yet
    world.clock.now += 2 * 900
    second = await world.poller.poll_due()

    assert [r.status for r in second] == ["not-modified", "not-modified"]
    assert world.site.hits_for("/rss")[-1].headers["If-None-Match"] == '"rss-v1"'
    assert world.site.hits_for("/atom")[-1].headers["If-Modified-Since"] == "Mon, 04 Mar 2024 09:00:00 GMT"
    assert world.engine.count_articles() == before
    assert len(world.site.hits_for("/articles/ferry")) == page_hits
    assert world.feeds.get(rss.id).failures == 0


async def test_broken_feeds_are_reported_and_backed_off(world: World) -> None:
    site = world.site
    site.feed("/broken", MALFORMED_XML)
    site.page("/homepage", HTML_NOT_A_FEED)
    site.status("/gone", 404)
    site.status("/boom", 500)
    site.redirect("/moved", "http://10.1.2.3/feed.xml")
    site.page("/pic", b"GIF89a", content_type="image/gif")
    added = {
        p: world.feeds.add("default", site.url(p), 900, world.clock())
        for p in ("/broken", "/homepage", "/gone", "/boom", "/moved", "/pic")
    }

    results = await world.poller.poll_due()

    errors = {r.feed.url: r.error for r in results}
    assert all(r.status == "failed" for r in results)
    assert errors == {
        site.url("/broken"): "malformed feed XML (<unknown>:2:90: no element found)",
        site.url("/homepage"): "this is an HTML web page, not an RSS "
        "or Atom feed; the page points to a feed at http://example.test/rss.xml",
        site.url("/gone"): "the server answered HTTP 404",
        site.url("/boom"): "the server answered HTTP 500",
        site.url("/moved"): "redirected to http://10.1.2.3/feed.xml, refused: the address "
        "10.1.2.3 is private; refusing to fetch it",
        site.url("/pic"): "the content type image/gif is not a web page, a feed or text",
    }
    for feed in added.values():
        now = world.feeds.get(feed.id)
        assert now.failures == 1
        assert now.last_error == errors[feed.url]
        assert 2 * 900 * 0.9 <= now.next_poll - world.clock() <= 2 * 900 * 1.1
    assert world.engine.count_articles() == 0

    # a second failure doubles the wait again
    world.clock.now += 3600
    await world.poller.poll_due()
    gone = world.feeds.get(added["/gone"].id)
    assert gone.failures == 2
    assert 4 * 900 * 0.9 <= gone.next_poll - world.clock() <= 4 * 900 * 1.1


async def test_a_slow_feed_times_out_without_stopping_the_others(
    engine: Engine, stores: tuple[FeedStore, StoryIndex]
) -> None:
    feeds, stories = stores
    clock = Clock(START)
    async with LoopbackSite() as site:
        site.slow("/slow", 5.0)
        site.feed("/rss", rss091("Old style", [Item("x", "Bridge closed", "", BRIDGE_SUMMARY)]))
        policy = FetchPolicy(allow=parse_allow_list(site.host), timeout=0.5)
        async with build_http_client(policy) as client:
            poller = Poller(feeds, Fetcher(client, policy), WebIngestor(engine, stories), clock=clock)
            slow = feeds.add("default", site.url("/slow"), 600, clock())
            ok = feeds.add("default", site.url("/rss"), 600, clock())
            results = {r.feed.id: r for r in await poller.poll_due()}
    assert results[slow.id].status == "failed"
    assert results[slow.id].error == "no complete answer within 0.5 s"
    assert results[ok.id].status == "ok"
    assert [o.title for o in results[ok.id].new_articles] == ["Bridge closed"]
    assert engine.count_articles() == 1


async def test_a_redirected_rdf_feed_and_earlier_items_survive_a_broken_poll(world: World) -> None:
    site = world.site
    site.page("/articles/council", article_page("Council votes to close Elm Street library", COUNCIL))
    site.redirect("/old-feed", "/feed-v2", 301)
    site.redirect("/feed-v2", "/rdf", 302)
    site.feed(
        "/rdf",
        rdf10("RDF news", [Item("c", "Library vote", site.url("/articles/council"), "Vote.")]),
        content_type="application/rdf+xml",
    )
    feed = world.feeds.add("default", site.url("/old-feed"), 900, world.clock())
    [first] = await world.poller.poll_due()
    assert [o.status for o in first.outcomes] == ["added"]

    site.feed("/rdf", MALFORMED_XML)  # the publisher breaks the feed
    world.clock.now += 2000
    [second] = await world.poller.poll_due()
    assert second.status == "failed"
    assert world.feeds.get(feed.id).last_error == second.error
    assert world.engine.count_articles() == 1  # nothing earlier was lost
    assert world.feeds.item_count(feed.id) == 1


async def test_an_empty_item_is_named_as_one_in_the_feeds_problem(world: World) -> None:
    site = world.site
    site.page("/articles/council", article_page("Council votes to close Elm Street library", COUNCIL))
    items = [Item("c", "Library vote", site.url("/articles/council"), "Vote."), Item("e", "", "", "")]
    site.feed("/rss", rss20("The Test Times", items))
    feed = world.feeds.add("default", site.url("/rss"), 900, world.clock())
    [result] = await world.poller.poll_due()
    assert [o.status for o in result.outcomes] == ["added"]
    assert result.skipped_items == ["an empty item: no link and no text"]
    assert world.feeds.get(feed.id).last_error == "1 item(s) not ingested: an empty item: no link and no text"


async def test_an_item_edited_in_place_replaces_its_chunks(world: World) -> None:
    site = world.site
    site.page("/articles/ferry", article_page("Ferry to run every 20 minutes", FERRY))
    item = Item("tt-1", "Ferry to run every 20 minutes", site.url("/articles/ferry"), "F.")
    site.feed("/rss", rss20("The Test Times", [item]))
    world.feeds.add("default", site.url("/rss"), 900, world.clock())
    await world.poller.poll_due()

    corrected = [FERRY[0].replace("twenty", "fifteen"), *FERRY[1:]]
    site.page("/articles/ferry", article_page("Ferry to run every 15 minutes", corrected))
    item.title, item.date = "Ferry to run every 15 minutes", "Mon, 04 Mar 2024 12:00:00 GMT"
    site.feed("/rss", rss20("The Test Times", [item]))
    world.clock.now += 2000
    [result] = await world.poller.poll_due()

    assert [(o.title, o.status) for o in result.outcomes] == [("Ferry to run every 15 minutes", "updated")]
    assert world.engine.count_articles() == 1
    [hit] = world.engine.search("how often will the ferry run", k=1)
    assert "fifteen minutes" in hit.text and "twenty" not in hit.text


async def test_run_loop_stops_and_bounds_its_rounds(world: World) -> None:
    import asyncio

    world.site.feed("/rss", rss20("Empty", []))
    world.feeds.add("default", world.site.url("/rss"), 900, world.clock())
    seen: list[str] = []

    async def announce(result: object) -> None:
        seen.append(getattr(result, "status", ""))

    stop = asyncio.Event()
    rounds = await world.poller.run(stop, announce, max_sleep=0.01, max_rounds=3)
    assert rounds == 3
    assert seen == ["ok"]  # the feed was due once; the later rounds found nothing due


LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)  # lol9 would expand to 10^9 "lol"s


@pytest.mark.parametrize(
    "doctype",
    [
        f'<!DOCTYPE r [<!ENTITY lol0 "lol">{LAUGHS}]>',  # "billion laughs"
        '<!DOCTYPE r [<!ENTITY lol9 SYSTEM "file:///etc/passwd">]>',  # external entity (XXE)
    ],
)
def test_a_hostile_feed_expands_no_entity(doctype: str) -> None:
    body = (
        f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>t</title>'
        "<item><title>Ferry &lol9; news</title><link>https://e.example/a</link>"
        "<description>&lol9;</description></item></channel></rss>"
    ).encode()
    feed = parse_feed(body, "https://e.example/rss", "application/rss+xml")
    ((entry),) = feed.entries
    assert entry.link == "https://e.example/a"
    # dropped or kept as the literal "&lol9;", never expanded: no "lollol…", no /etc/passwd lines
    text = entry.title + entry.text
    assert len(text) < 40 and "lollol" not in text and "root:" not in text
