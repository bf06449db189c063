"""The feed poller: fetch due feeds (conditional GET), ingest new items, back off on failures.

One poll of a feed never raises: every problem (timeout, 404, malformed XML, an HTML page where
a feed was expected, an engine error) is recorded on the feed (`last_error`, visible in
`feeds list`) and the feed is retried later with exponential back-off. Items are marked seen
only once ingested, so a failed poll never loses them.

Concurrency: one semaphore bounds HTTP requests across all feeds and their pages
(`NEWSDESK_FEED_CONCURRENCY`); ingestion (embedding) runs one batch at a time off the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from retrieval.ingest.articles import Article
from retrieval.text.safety import clean_line
from retrieval.web.feeds import FeedEntry, FeedError, parse_feed
from retrieval.web.feedstore import Feed, FeedStore
from retrieval.web.fetch import Fetcher, FetchResult
from retrieval.web.fetch_errors import FetchError
from retrieval.web.ingest import (
    Fetched,
    IngestOutcome,
    WebIngestor,
    article_from_url,
    feed_entry_article,
)

log = logging.getLogger(__name__)

PollStatus = Literal["ok", "not-modified", "failed"]
MAX_ITEMS_PER_POLL = 50


@dataclass
class FeedPollResult:
    feed: Feed
    status: PollStatus
    outcomes: list[IngestOutcome] = field(default_factory=list)
    error: str | None = None
    retry_in: float | None = None  # seconds until the next try, after a failure
    skipped_items: list[str] = field(default_factory=list)  # item links that gave no article

    @property
    def new_articles(self) -> list[IngestOutcome]:
        return [o for o in self.outcomes if o.status == "added"]


@dataclass
class _Items:
    """A poll's new entries that gave an article (with the articles), and those that did not."""

    entries: list[FeedEntry] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "link: why", for entries without an article
    notes: list[str] = field(default_factory=list)  # why an article is the feed's text, not the page's


def _problems(warning: str | None, items: _Items, outcomes: list[IngestOutcome]) -> list[str]:
    """What the feed's status shows after a successful poll: the parser's warning, skipped items,
    items that failed to index and items taken from the feed's own text."""
    problems = [warning] if warning else []
    if items.skipped:
        problems.append(f"{len(items.skipped)} item(s) not ingested: {items.skipped[0]}")
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        problems.append(f"{len(failed)} item(s) failed to index: {failed[0].detail}")
    if items.notes:
        problems.append(f"{len(items.notes)} item(s) from the feed's text: {items.notes[0]}")
    return problems


def _wants(entry: FeedEntry, seen: dict[str, str]) -> bool:
    if entry.id not in seen:
        return True
    return bool(entry.updated) and seen[entry.id] != entry.updated


class Poller:
    def __init__(
        self,
        feeds: FeedStore,
        fetcher: Fetcher,
        ingestor: WebIngestor,
        concurrency: int = 8,
        clock: Callable[[], float] = time.time,
        max_items: int = MAX_ITEMS_PER_POLL,
    ) -> None:
        self.feeds = feeds
        self.fetcher = fetcher
        self.ingestor = ingestor
        self.clock = clock
        self.max_items = max_items
        self.http_slots = asyncio.Semaphore(max(1, concurrency))
        self.ingest_lock = asyncio.Lock()
        self._wake = asyncio.Event()

    def nudge(self) -> None:
        """Make a running `run()` look for due feeds now (after a feed was added)."""
        self._wake.set()

    async def _fetch(self, url: str, **kwargs: object) -> FetchResult:
        async with self.http_slots:
            return await self.fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]

    async def poll_due(self, now: float | None = None) -> list[FeedPollResult]:
        """Poll every feed whose time has come, concurrently; results in feed order."""
        due = self.feeds.due(self.clock() if now is None else now)
        return list(await asyncio.gather(*(self.poll_feed(f) for f in due)))

    async def poll_feed(self, feed: Feed) -> FeedPollResult:
        try:
            return await self._poll(feed)
        except Exception as exc:  # an engine or database bug must not stop the other feeds
            log.exception("polling %s failed", feed.url)
            error = clean_line(f"internal error while polling ({type(exc).__name__}: {exc})")
            delay = self.feeds.record_failure(feed, self.clock(), error)
            return FeedPollResult(feed, "failed", error=error, retry_in=delay)

    async def _poll(self, feed: Feed) -> FeedPollResult:
        try:
            result = await self._fetch(
                feed.url, kind="feed", etag=feed.etag, last_modified=feed.last_modified
            )
            if result.not_modified:
                self.feeds.record_success(
                    feed,
                    self.clock(),
                    result.etag or feed.etag,
                    result.last_modified or feed.last_modified,
                )
                return FeedPollResult(self.feeds.get(feed.id), "not-modified")
            # a 5 MB feed takes seconds to parse: off the event loop, which the bot shares
            parsed = await asyncio.to_thread(parse_feed, result.content, result.url, result.content_type)
        except (FetchError, FeedError) as exc:
            error = clean_line(exc.reason)  # may quote the server's reply
            delay = self.feeds.record_failure(feed, self.clock(), error)
            return FeedPollResult(self.feeds.get(feed.id), "failed", error=error, retry_in=delay)

        seen = self.feeds.seen(feed.id, [e.id for e in parsed.entries])
        fresh = [e for e in parsed.entries if _wants(e, seen)][: self.max_items]
        items = await self._items(fresh, datetime.fromtimestamp(self.clock(), tz=UTC).date())
        outcomes: list[IngestOutcome] = []
        if items.articles:
            async with self.ingest_lock:
                outcomes = await asyncio.to_thread(self.ingestor.ingest, items.articles, feed.namespace)
        now = self.clock()
        for entry, outcome in zip(items.entries, outcomes, strict=True):
            if outcome.status != "failed":
                self.feeds.mark_seen(feed.id, entry.id, entry.updated, outcome.article_id, outcome.url, now)
        problems = _problems(parsed.warning, items, outcomes)
        added = sum(1 for o in outcomes if o.status in ("added", "updated"))
        self.feeds.record_success(
            feed,
            now,
            result.etag,
            result.last_modified,
            title=parsed.title,
            warning="; ".join(problems) or None,
            ingested=added,
        )
        return FeedPollResult(self.feeds.get(feed.id), "ok", outcomes=outcomes, skipped_items=items.skipped)

    async def _items(self, fresh: list[FeedEntry], today: date) -> _Items:
        """The articles of a feed's new entries: each link's page, else the entry's own text."""

        async def build(entry: FeedEntry) -> tuple[FeedEntry, Fetched | None]:
            if entry.link:
                async with self.http_slots:
                    return entry, await article_from_url(self.fetcher, entry.link, entry, today)
            return entry, None

        built = await asyncio.gather(*(build(e) for e in fresh))
        items = _Items()
        for entry, fetched in built:
            article = fetched.article if fetched else feed_entry_article(entry, today)
            if article is None:
                why = fetched.note if fetched else "no link and no text"
                items.skipped.append(f"{entry.link or entry.title or 'an empty item'}: {why}")
                continue
            if fetched and fetched.fell_back:
                items.notes.append(fetched.note)
            items.entries.append(entry)
            items.articles.append(article)
        return items

    async def run(
        self,
        stop: asyncio.Event,
        on_result: Callable[[FeedPollResult], Awaitable[None]] | None = None,
        max_sleep: float = 60.0,
        max_rounds: int | None = None,
    ) -> int:
        """Poll until `stop` is set (or `max_rounds` rounds ran); returns the rounds run."""
        rounds = 0
        while not stop.is_set() and (max_rounds is None or rounds < max_rounds):
            for result in await self.poll_due():
                if on_result is not None:
                    try:
                        await on_result(result)
                    except Exception:
                        log.exception("announcing the poll of %s failed", result.feed.url)
            rounds += 1
            next_due = self.feeds.next_due()
            wait = max_sleep if next_due is None else next_due - self.clock()
            await self._sleep(stop, min(max(wait, 0.05), max_sleep))
        return rounds

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait `seconds`, or less when stopped or nudged."""
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        self._wake.clear()
