"""`newsdesk watch add|list|remove|check`: topics whose new reports the bot posts in a channel.

The bot posts (retrieval/follow/checker.py, in the process holding the watch lease); `check`
shows what matched since each watch last looked, without recording or posting anything.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bot.cli.context import GuildOpt, app_of
from bot.cli.terminal import console, run_or_exit
from retrieval.engine import namespace_for_guild
from retrieval.follow.checker import Found
from retrieval.follow.watches import WEEK, activity
from retrieval.text.fragments import url_at_sentence

watch_app = typer.Typer(
    name="watch", help="Watch topics: new reports about them are posted in a channel.", no_args_is_help=True
)


@watch_app.command("add")
def watch_add(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help='What to watch: "Kestrel Bay ferry", a name, a place.')],
    channel: Annotated[int | None, typer.Option("--channel", help="The Discord channel to post in.")] = None,
    min_reports: Annotated[
        int, typer.Option("--min-reports", help="Post a story once it has this many reports.")
    ] = 1,
    guild: GuildOpt = None,
) -> None:
    """Watch a topic: reports stored from now on that are about it are posted, one per story."""

    def go() -> None:
        w = app_of(ctx).watch_checker.add(namespace_for_guild(guild), topic, channel, min_reports)
        where = f" in channel {w.channel_id}" if w.channel_id else ""
        console(soft_wrap=False).print(f"watching #{w.id} {escape(w.topic)}{where}")

    run_or_exit(go)


@watch_app.command("list")
def watch_list(ctx: typer.Context, guild: GuildOpt = None) -> None:
    """The watches here, each with its last match and its matches this week."""

    def go() -> None:
        store = app_of(ctx).watches
        watches = store.list_watches(namespace_for_guild(guild))
        out = console(soft_wrap=False)
        if not watches:
            out.print("no watches here; add one with `newsdesk watch add TOPIC`")
            return
        now = time.time()
        table = Table("#", "topic", "channel", "min reports", "activity")
        for w in watches:
            summary = store.summary(w, now - WEEK)
            channel = str(w.channel_id) if w.channel_id else "-"
            table.add_row(str(w.id), Text(w.topic), channel, str(w.min_reports), activity(summary, now))
        out.print(table)

    run_or_exit(go)


@watch_app.command("remove")
def watch_remove(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The watch's number (see `watch list`) or its topic.")],
    guild: GuildOpt = None,
) -> None:
    """Stop watching a topic."""

    def go() -> None:
        w = app_of(ctx).watches.remove(namespace_for_guild(guild), ref)
        console(soft_wrap=False).print(f"stopped watching #{w.id} {escape(w.topic)}")

    run_or_exit(go)


def found_lines(f: Found) -> list[str]:
    a = f.article
    when = a.published.isoformat() if a.published else "undated"
    copies = f" ({f.reports} reports)" if f.reports > 1 else ""
    return [
        f"#{f.watch.id} {f.watch.topic}: {a.title} — {a.source or 'unknown source'}, {when}{copies}",
        f"    “{f.match.sentence}”",
        f"    {url_at_sentence(a.url, f.match.sentence, a.text)}" if a.url else "    (no URL)",
        f"    lexical {f.match.lexical:.2f} · dense {f.match.dense:.2f} · score {f.match.score:.2f}",
    ]


@watch_app.command("check")
def watch_check(ctx: typer.Context, guild: GuildOpt = None) -> None:
    """One matching pass: print the reports stored since each watch last looked that match it
    (every server's watches without --guild). Nothing is recorded or posted (the bot does that)."""

    def go() -> None:
        namespace = namespace_for_guild(guild) if guild is not None else None
        services = app_of(ctx)
        out = console(soft_wrap=False)
        if not services.watches.list_watches(namespace):
            out.print("no watches here; add one with `newsdesk watch add TOPIC`")
            return
        scan = services.watch_checker.scan(namespace)
        if not scan.found:
            out.print("nothing new matches a watch")
        for f in scan.found:
            for line in found_lines(f):
                out.print(Text(line))

    run_or_exit(go)
