"""`newsdesk feeds add|list|remove|poll`, `newsdesk digest`, `newsdesk fetch URL…`.

Each command reaches the clients through the App in typer's context (bot/cli/context.py), built
once and closed when the command ends; domain errors print one line and exit 1 (75 for a poll
while another process polls).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bot.cli.context import GuildOpt, app_of
from bot.cli.terminal import console, run_or_exit
from retrieval.answer.digest import Digest, build_digest, collect_articles
from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.errors import NewsdeskError
from retrieval.store.lease import FEED_POLLER, Lease, hold, process_id
from retrieval.text.timewindow import parse_since
from retrieval.web.feeds import parse_feed
from retrieval.web.feedstore import Feed, feed_url, format_every, parse_every
from retrieval.web.fetch import Fetcher
from retrieval.web.ingest import IngestOutcome, WebIngestor, ingest_urls_async
from retrieval.web.policy import check_url
from retrieval.web.poller import FeedPollResult, Poller

log = logging.getLogger(__name__)

feeds_app = typer.Typer(name="feeds", help="Follow RSS/Atom feeds and poll them.", no_args_is_help=True)
digest_app = typer.Typer(
    name="digest",
    help="A cited summary of the most covered stories in a time window.",
    invoke_without_command=True,
)
fetch_app = typer.Typer(
    name="fetch", help="Fetch article URLs and add them to the index.", invoke_without_command=True
)


def _out() -> Console:
    return console(soft_wrap=False)


def _err() -> Console:
    return console(stderr=True, soft_wrap=False)


def ago(ts: float | None, now: float) -> str:
    """'3m ago', 'in 14m', 'never'."""
    if ts is None:
        return "never"
    delta = int(ts - now)
    n = abs(delta)
    text = (
        f"{n}s"
        if n < 60
        else f"{n // 60}m"
        if n < 3600
        else f"{n // 3600}h"
        if n < 86400
        else f"{n // 86400}d"
    )
    return f"in {text}" if delta > 0 else f"{text} ago" if n >= 1 else "now"


# ----------------------------------------------------------------------------- feeds


async def check_feed(fetcher: Fetcher, url: str) -> str:
    """Fetch `url` once and return the feed's title; raises FetchError or FeedError."""
    result = await fetcher.fetch(url, kind="feed")
    parsed = parse_feed(result.content, result.url, result.content_type)
    return parsed.title


def add_feed(services: App, url: str, namespace: str, every: str, check: bool, now: float) -> Feed:
    url = feed_url(str(check_url(url, services.fetch_policy)))  # as the store keeps it
    seconds = parse_every(every)
    title = ""
    if check:

        async def probe() -> str:
            async with services.online():
                return await check_feed(services.fetcher, url)

        title = asyncio.run(probe())
    store = services.feeds
    feed = store.add(namespace, url, seconds, now)
    if title:
        store.record_success(feed, now, None, None, title=title)
        feed = store.get(feed.id)
    return feed


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The feed's URL (RSS or Atom).")],
    guild: GuildOpt = None,
    every: Annotated[str, typer.Option("--every", help="Polling interval: 15m, 1h, 2d.")] = "15m",
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Fetch it once to make sure it is a feed.")
    ] = True,
) -> None:
    """Follow a feed: its new items are fetched and indexed on every poll."""

    def go() -> None:
        feed = add_feed(app_of(ctx), url, namespace_for_guild(guild), every, check, time.time())
        _out().print(f"following #{feed.id} {escape(feed.label)} every {format_every(feed.every_seconds)}")

    run_or_exit(go)


def feeds_table(feeds: list[Feed], now: float) -> Table:
    table = Table("#", "feed", "every", "last ok", "next poll", "items", "problem")
    for f in feeds:
        problem = Text(f.last_error or "")
        if f.failures:
            problem = Text.assemble((f"{f.failures} failure(s):", "red"), " ", problem)
        table.add_row(
            str(f.id),
            Text(f"{f.title}\n{f.url}" if f.title else f.url),
            format_every(f.every_seconds),
            ago(f.last_ok, now),
            ago(f.next_poll, now),
            str(f.items_ingested),
            problem,
        )
    return table


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, guild: GuildOpt = None) -> None:
    """The feeds followed here, when they were last polled, and their last problem."""

    def go() -> None:
        feeds = app_of(ctx).feeds.list_feeds(namespace_for_guild(guild))
        if not feeds:
            _out().print("no feeds followed here; add one with `newsdesk feeds add URL`")
            return
        _out().print(feeds_table(feeds, time.time()))

    run_or_exit(go)


@feeds_app.command("remove")
def feeds_remove(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The feed's number (see `feeds list`) or URL.")],
    guild: GuildOpt = None,
) -> None:
    """Stop following a feed (articles already indexed stay)."""

    def go() -> None:
        feed = app_of(ctx).feeds.remove(namespace_for_guild(guild), ref)
        _out().print(f"stopped following #{feed.id} {escape(feed.label)}")

    run_or_exit(go)


def describe(result: FeedPollResult) -> str:
    label = escape(result.feed.label)
    if result.status == "failed":
        now = time.time()
        retry = ago(now + (result.retry_in or 0), now)
        return f"[red]✗[/red] {label}: {escape(result.error or '')} (retry {retry})"
    if result.status == "not-modified":
        return f"· {label}: not modified"
    counts: dict[str, int] = {}
    for o in result.outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    parts = [f"{n} {s}" for s, n in counts.items()] or ["nothing new"]
    if result.skipped_items:
        parts.append(f"{len(result.skipped_items)} skipped")
    return f"[green]✓[/green] {label}: " + ", ".join(parts)


class PollerBusy(NewsdeskError):
    """Another process (a bot, another `feeds poll`) holds the feed-poller lease."""

    # sysexits.h EX_TEMPFAIL, "try again later": a cron job can tell a busy poller from a feed
    # that failed (1)
    exit_code = 75


def poller_lease(services: App) -> Lease:
    """The lease the bots' poller takes too: one poller at a time per state database."""
    return services.lease(FEED_POLLER, process_id("feeds-poll"), services.settings.poller_lease_seconds)


def busy_message(holder: str | None) -> str:
    who = f"{holder} (host:process) holds" if holder else "another process holds"
    return (
        f"the feed poller is already running elsewhere: {who} the {FEED_POLLER} lease; not polling "
        "at the same time. Stop that poller (in a bot: NEWSDESK_FEEDS_POLL_IN_BOT=false), or add "
        "--wait to poll once it is free."
    )


async def take_lease(lease: Lease, wait: bool, note: Callable[[str], None]) -> None:
    """Take the lease, or raise PollerBusy; with `wait`, retry every ttl/3 until it is free."""
    if await asyncio.to_thread(lease.acquire):
        return
    holder = await asyncio.to_thread(lease.current_holder)
    if not wait:
        raise PollerBusy(busy_message(holder))
    note(f"waiting: {holder or 'another process'} runs the feed poller (Ctrl-C stops waiting)")
    while not await asyncio.to_thread(lease.acquire):
        await asyncio.sleep(lease.ttl / 3)


async def keep_lease(lease: Lease, lost: asyncio.Event) -> None:
    """Renew the lease every ttl/3 while polling; set `lost` if another process took it."""
    if not await hold(lease, lost):
        lost.set()


async def poll(
    services: App,
    once: bool,
    namespace: str | None,
    print_line: Callable[[str], None],
    wait: bool = False,
    note: Callable[[str], None] | None = None,
) -> int:
    """Poll while holding the feed-poller lease (raises PollerBusy when another process has it)."""
    lease = poller_lease(services)
    await take_lease(lease, wait, note or print_line)
    lost = asyncio.Event()
    keeper = asyncio.create_task(keep_lease(lease, lost))
    try:
        failures = await _poll_held(services, once, namespace, print_line, lost)
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        with contextlib.suppress(Exception):
            lease.release()  # hand it on at once (also on Ctrl-C); a no-op if it was taken over
    if lost.is_set():
        holder = lease.current_holder() or "another process"
        raise PollerBusy(f"{holder} took over the {FEED_POLLER} lease; stopped polling here")
    return failures


async def _poll_held(
    services: App,
    once: bool,
    namespace: str | None,
    print_line: Callable[[str], None],
    lost: asyncio.Event,
) -> int:
    poller = Poller(
        services.feeds,
        services.fetcher,
        WebIngestor(services.engine, services.stories),
        concurrency=services.settings.feed_concurrency,
    )
    if once:
        services.feeds.make_due(namespace, now=time.time())
        results = await poller.poll_due()
        for r in results:
            print_line(describe(r))
        return sum(1 for r in results if r.status == "failed")

    async def report(result: FeedPollResult) -> None:
        print_line(describe(result))

    await poller.run(lost, report)  # until Ctrl-C, or until another process took the lease
    return 0


@feeds_app.command("poll")
def feeds_poll(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Poll every feed now, once, and exit.")] = False,
    guild: GuildOpt = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="If a bot or another `feeds poll` is polling (holds the poller lease), wait until "
            "it stops instead of exiting with an error.",
        ),
    ] = False,
) -> None:
    """Poll the feeds: forever on their schedules (Ctrl-C stops), or all of them now with --once.

    Only one poller runs at a time: while a bot (or another `feeds poll`) holds the poller lease,
    this says who and exits 75, or waits for it with --wait. Exit 1: a feed failed (--once)."""

    def go() -> int:
        services = app_of(ctx)
        namespace = namespace_for_guild(guild) if guild is not None else None
        if not services.feeds.list_feeds(namespace):
            _out().print("no feeds followed; add one with `newsdesk feeds add URL`")
            return 0

        async def polling() -> int:
            async with services.online():
                return await poll(services, once, namespace, _out().print, wait, _err().print)

        try:
            return asyncio.run(polling())
        except KeyboardInterrupt:
            return 0

    failures = run_or_exit(go)
    if failures:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- digest


def make_digest(services: App, namespace: str, since: date, stories: int = 5) -> Digest:
    articles = collect_articles(services.engine.catalog, services.stories, namespace, since)
    return build_digest(articles, since=since, max_stories=stories)


@digest_app.callback()
def digest(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Window: 24h, 7d, 2w or a date.")] = "24h",
    guild: GuildOpt = None,
    stories: Annotated[int, typer.Option("--stories", min=1, max=20, help="How many stories.")] = 5,
) -> None:
    """The most covered stories since --since, grouped by story, each sentence cited."""

    def go() -> None:
        first_day = parse_since(since)
        assert first_day is not None
        result = make_digest(app_of(ctx), namespace_for_guild(guild), first_day, stories)
        _out().print(escape(result.to_text()))

    run_or_exit(go)


# ----------------------------------------------------------------------------- fetch


def describe_outcome(o: IngestOutcome) -> str:
    if o.status == "failed":
        return f"[red]✗[/red] {escape(o.url)}: {escape(o.detail)}"
    extra = f" ({escape(o.detail)})" if o.detail else ""
    return f"[green]✓[/green] {o.status}: {escape(o.title)} — {escape(o.url)}{extra}"


def fetch_urls(services: App, urls: list[str], namespace: str) -> list[IngestOutcome]:
    """Fetch article pages, extract and ingest them (`newsdesk fetch`, `newsdesk ingest URL`)."""

    async def run() -> list[IngestOutcome]:
        async with services.online():
            return await ingest_urls_async(
                services.fetcher,
                WebIngestor(services.engine, services.stories),
                [u.strip() for u in urls],
                namespace,
                services.settings.feed_concurrency,
            )

    return asyncio.run(run())


@fetch_app.callback()
def fetch(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Article URLs (http/https).")],
    guild: GuildOpt = None,
) -> None:
    """Fetch article pages, extract the story and index it (a syndicated copy is stored once)."""

    def go() -> int:
        outcomes = fetch_urls(app_of(ctx), urls, namespace_for_guild(guild))
        for o in outcomes:
            _out().print(describe_outcome(o))
        return sum(1 for o in outcomes if o.status == "failed")

    if run_or_exit(go):
        raise typer.Exit(1)
