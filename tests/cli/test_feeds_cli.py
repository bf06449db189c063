"""`newsdesk feeds …`, `newsdesk digest`, `newsdesk fetch` against a loopback news site."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bot.cli.feeds
from retrieval.app import App
from retrieval.errors import BadInputError
from retrieval.ingest.articles import Article
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.settings import Settings
from retrieval.store.lease import FEED_POLLER, Lease
from retrieval.web.dedup import StoryIndex
from retrieval.web.feedstore import FeedStore
from tests.support.cli import cli_for_site
from tests.support.feed_samples import HTML_NOT_A_FEED, MALFORMED_XML, article_page
from tests.support.http_server import LoopbackSite, site_in_thread
from tests.web.test_feeds import COUNCIL, publish_news


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with site_in_thread() as s:
        yield s


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: LoopbackSite, embedder: LocalEmbedder) -> Any:
    return cli_for_site(monkeypatch, tmp_path / "data", site, embedder, columns=250)


def test_feeds_lifecycle_digest_and_fetch(cli: Any, site: LoopbackSite) -> None:
    publish_news(site)
    site.page("/homepage", HTML_NOT_A_FEED)
    site.feed("/broken", MALFORMED_XML)

    r = cli("feeds", "add", site.url("/rss"))
    assert (r.exit_code, r.stdout.strip()) == (0, "following #1 The Test Times every 15m")
    r = cli("feeds", "add", site.url("/atom"), "--every", "1h")
    assert r.stdout.strip() == "following #2 Test Wire every 1h"
    r = cli("feeds", "add", site.url("/homepage"))
    assert r.exit_code == 1
    assert " ".join(r.stderr.split()) == (
        f"error: {site.url('/homepage')}: this is an HTML web page, not an RSS or Atom feed; "
        "the page points to a feed at http://example.test/rss.xml"
    )
    r = cli("feeds", "add", site.url("/rss"))
    assert r.exit_code == 1 and "already followed here" in r.stderr
    r = cli("feeds", "add", "http://169.254.169.254/latest/meta-data/")
    assert r.exit_code == 1 and "169.254.169.254 is link-local" in r.stderr
    r = cli("feeds", "add", site.url("/broken"), "--no-check", "--guild", "42")
    assert r.stdout.strip() == f"following #3 {site.url('/broken')} every 15m"

    r = cli("feeds", "poll", "--once")  # every namespace: one feed fails, so exit code 1
    assert r.exit_code == 1
    lines = sorted(r.stdout.strip().splitlines())
    assert lines[0].startswith("✓ Test Wire: ")
    assert "1 skipped" in lines[0]
    assert lines[1].startswith("✓ The Test Times: ")
    assert lines[2].startswith(f"✗ {site.url('/broken')}: malformed feed XML")
    r = cli("feeds", "poll", "--once", "--guild", "42")
    assert r.exit_code == 1
    assert r.stdout.startswith(f"✗ {site.url('/broken')}: malformed feed XML")

    r = cli("feeds", "list", "--guild", "42")
    assert "2 failure(s): malformed feed XML" in r.stdout
    r = cli("feeds", "list")
    assert "The Test Times" in r.stdout and "Test Wire" in r.stdout
    assert "broken" not in r.stdout  # another namespace

    r = cli("feeds", "poll", "--once")
    lines = sorted(r.stdout.strip().splitlines())
    assert lines[:2] == ["· Test Wire: not modified", "· The Test Times: not modified"]
    assert lines[2].startswith("✗")

    r = cli("digest", "--since", "2024-03-01")
    assert r.exit_code == 0
    assert r.stdout.startswith("News digest since 2024-03-01: 3 top stories from 3 articles")
    # whichever copy of the syndicated ferry story came first heads it; both URLs count
    assert re.search(
        r"^1\. (Harbour f|F)erry to run every 20 minutes \(1 outlet, 2 reports\)$",
        r.stdout,
        re.MULTILINE,
    )
    assert re.search(
        r"^\[1\] (Harbour f|F)erry to run every 20 minutes — 127\.0\.0\.1, 2024-03-04$",
        r.stdout,
        re.MULTILINE,
    )
    assert "Bridge closed to lorries (1 outlet, 1 report)" in r.stdout

    r = cli("feeds", "remove", "2")
    assert r.stdout.strip() == "stopped following #2 Test Wire"
    r = cli("feeds", "remove", "2")
    assert r.exit_code == 1 and "no feed '2'" in r.stderr

    site.page(
        "/articles/library-2",
        article_page(
            "Library petition grows",
            [
                *COUNCIL[1:],
                "Organisers said they would present the petition to the mayor on Friday morning "
                "with a march from the east side branch to city hall.",
            ],
        ),
    )
    r = cli("fetch", site.url("/articles/library-2"), site.url("/nothing-here"))
    assert r.exit_code == 1
    out = r.stdout.strip().splitlines()
    assert out[0] == f"✓ added: Library petition grows — {site.url('/articles/library-2')}"
    assert out[1] == f"✗ {site.url('/nothing-here')}: the server answered HTTP 404"


def test_a_feed_is_followed_once_whatever_its_fragment(cli: Any, site: LoopbackSite) -> None:
    publish_news(site)
    url = site.url("/rss")
    assert cli("feeds", "add", url + "#latest").stdout.strip() == "following #1 The Test Times every 15m"
    r = cli("feeds", "add", url)
    assert (r.exit_code, " ".join(r.stderr.split())) == (1, f"error: {url} is already followed here")
    r = cli("feeds", "list")
    assert url in r.stdout and "#latest" not in r.stdout


def test_the_store_keeps_and_finds_feed_urls_without_their_fragment(database: str) -> None:
    store = FeedStore(database)
    try:
        feed = store.add("default", " http://news.example/rss#top ", 900, 0.0)
        assert feed.url == "http://news.example/rss"
        with pytest.raises(BadInputError, match=r"^http://news\.example/rss is already followed here$"):
            store.add("default", "http://news.example/rss#other", 900, 0.0)
        store.add("default", "http://news.example/rss/", 900, 0.0)  # maybe another resource: kept
        with store.db.transaction() as db:  # followed before fragments were dropped
            db.execute(
                "INSERT INTO feeds (namespace, url, every_seconds, added_at, next_poll)"
                " VALUES (?, ?, ?, ?, ?)",
                ("default", "http://old.example/rss#a", 900, 0.0, 0.0),
            )
        assert [f.url for f in store.list_feeds()] == [
            "http://news.example/rss",
            "http://news.example/rss/",
            "http://old.example/rss#a",
        ]
        assert store.find("default", "http://news.example/rss#anything").id == feed.id
        assert store.remove("default", "http://old.example/rss#a").url == "http://old.example/rss#a"
    finally:
        store.close()


BOT_HOLDER = "newsroom-bot:4242"
BUSY = (
    f"error: the feed poller is already running elsewhere: {BOT_HOLDER} (host:process) holds the "
    "feed-poller lease; not polling at the same time. Stop that poller (in a bot: "
    "NEWSDESK_FEEDS_POLL_IN_BOT=false), or add --wait to poll once it is free."
)


def test_poll_stays_off_while_another_process_holds_the_poller_lease(
    cli: Any, site: LoopbackSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_news(site)
    assert cli("feeds", "add", site.url("/rss")).exit_code == 0
    hits = len(site.hits)
    db = tmp_path / "data" / "newsdesk.sqlite3"
    store = FeedStore(db)
    (before,) = store.list_feeds()
    held = Lease(db, FEED_POLLER, BOT_HOLDER, ttl=60)  # a bot's poller, running elsewhere
    assert held.acquire()
    try:
        for args in (["--once"], []):  # once, and on the schedule
            r = cli("feeds", "poll", *args)
            assert (r.exit_code, r.stdout) == (75, "")  # EX_TEMPFAIL: not a failed feed (1)
            assert " ".join(r.stderr.split()) == BUSY
        assert site.hits[hits:] == []  # no feed and no page was fetched
        # nor was the feed's schedule or state touched
        assert store.list_feeds() == [before] and store.item_count(before.id) == 0
        assert held.current_holder() == BOT_HOLDER  # and the lease is still the bot's

        # --wait: the bot stops a moment later and hands the lease on; then the poll runs
        monkeypatch.setenv("NEWSDESK_POLLER_LEASE", "3")  # look again every second
        stops = threading.Timer(1.0, held.release)
        stops.start()
        r = cli("feeds", "poll", "--once", "--wait")
        stops.join()
        assert r.exit_code == 0
        assert r.stderr.strip() == f"waiting: {BOT_HOLDER} runs the feed poller (Ctrl-C stops waiting)"
        assert r.stdout.strip() == "✓ The Test Times: 2 added"
        assert len(site.hits_for("/rss")) == 2  # feeds add's check, then this poll
        assert held.current_holder() is None  # released when the poll was done
    finally:
        held.close()
        store.close()


def test_a_running_poll_stops_when_another_process_takes_the_lease(
    cli: Any, site: LoopbackSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder
) -> None:
    publish_news(site)
    assert cli("feeds", "add", site.url("/rss")).exit_code == 0
    monkeypatch.setenv("NEWSDESK_POLLER_LEASE", "1.5")
    lines: list[str] = []

    async def run() -> str:
        with App(Settings(), embedder=embedder) as services:
            async with services.online():
                services.feeds.make_due(now=0)  # `feeds add` checked it just now: due again at once
                polling = asyncio.create_task(bot.cli.feeds.poll(services, False, None, lines.append))

                async def first_round() -> None:
                    while not lines and not polling.done():
                        await asyncio.sleep(0.05)

                await asyncio.wait_for(first_round(), 60)
                assert not polling.done()
                lease = Lease(services.feeds.db, FEED_POLLER, "", 1.5)
                assert lease.current_holder() == f"{socket.gethostname()}:{os.getpid()}:feeds-poll"
                # another process takes over (as if this one had stalled past the lease's expiry)
                services.feeds.db.execute(
                    "UPDATE leases SET holder = ?, expires_at = expires_at + 60", (BOT_HOLDER,)
                )
                with pytest.raises(bot.cli.feeds.PollerBusy) as stopped:
                    await asyncio.wait_for(polling, 10)
                assert lease.current_holder() == BOT_HOLDER  # not released: it is not ours any more
                return str(stopped.value)

    assert asyncio.run(run()) == f"{BOT_HOLDER} took over the feed-poller lease; stopped polling here"
    assert lines == ["[green]✓[/green] The Test Times: 2 added"]


def story_rows(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("story_sigs", "story_bands", "story_urls")
        }
    finally:
        conn.close()


def test_delete_forgets_the_story_and_its_syndicated_urls(
    cli: Any, site: LoopbackSite, tmp_path: Path
) -> None:
    publish_news(site)
    ferry, wire = site.url("/articles/ferry"), site.url("/wire/ferry-copy")
    db = tmp_path / "data" / "newsdesk.sqlite3"
    r = cli("fetch", ferry, wire)
    assert r.exit_code == 0
    ferry_id = Article(title="", text="", url=ferry).id
    assert r.stdout.strip().splitlines() == [
        f"✓ added: Ferry to run every 20 minutes — {ferry}",
        f"✓ duplicate: Harbour ferry to run every 20 minutes — {wire} "
        f"(same story as {ferry_id}; URL remembered)",
    ]
    assert story_rows(db) == {"story_sigs": 1, "story_bands": 32, "story_urls": 2}

    # the copy's URL names the story it was stored with
    r = cli("delete", wire)
    assert (r.exit_code, r.stdout.strip()) == (
        0,
        f"deleted {ferry_id}: Ferry to run every 20 minutes (1 chunks)",
    )
    assert story_rows(db) == {"story_sigs": 0, "story_bands": 0, "story_urls": 0}
    r = cli("delete", ferry)
    assert (r.exit_code, r.stderr.strip()) == (1, f"error: no article '{ferry}' is indexed here")

    # the wire copy is a story of its own now; the deleted one's page comes back as its copy
    r = cli("fetch", wire, ferry)
    wire_id = Article(title="", text="", url=wire).id
    assert r.stdout.strip().splitlines() == [
        f"✓ added: Harbour ferry to run every 20 minutes — {wire}",
        f"✓ duplicate: Ferry to run every 20 minutes — {ferry} (same story as {wire_id}; URL remembered)",
    ]
    index = StoryIndex(db)
    try:
        # one fetch, one moment: the two URLs were seen at the same time, listed by URL
        assert index.urls("default", wire_id) == [
            ("https://127.0.0.1/articles/ferry", "127.0.0.1"),
            ("https://127.0.0.1/wire/ferry-copy", "127.0.0.1"),
        ]
        assert index.urls("default", ferry_id) == []
    finally:
        index.close()
