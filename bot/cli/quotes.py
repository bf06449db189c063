"""`newsdesk quotes "SPEAKER"`: what one person (or outlet, or office) said, from the
attribution index: newest story first, each statement with its outlet, date and link; direct
quotes marked. A lone surname shared by several people lists each under their full name."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Annotated

import typer
from rich.markup import escape

from bot.cli.context import GuildOpt, app_of
from bot.cli.terminal import console as _console
from bot.cli.terminal import run_or_exit
from retrieval.attribution.store import Quote
from retrieval.engine import namespace_for_guild
from retrieval.errors import BadInputError
from retrieval.text.timewindow import parse_day, parse_since


def quotes_command(
    ctx: typer.Context,
    speaker: Annotated[str, typer.Argument(help='Who: "Valk", "Anders Valk" or "Gen. Valk".')],
    topic: Annotated[str | None, typer.Option("--topic", help="Only statements about this.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="24h, 7d, 2w or YYYY-MM-DD.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Window ends on this day.")] = None,
    guild: GuildOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What SPEAKER said, newest story first (from the attribution index)."""
    services = app_of(ctx)

    def go() -> None:
        if not speaker.strip():
            raise BadInputError("quotes: give a speaker's name")
        end = parse_day(as_of)
        found = services.attributions.find(
            namespace_for_guild(guild), speaker, topic, parse_since(since, end), end
        )
        if as_json:
            print(json.dumps({"speaker": speaker, "quotes": [q.to_json() for q in found]}, indent=2))
            return
        _print(speaker, found)

    run_or_exit(go)


def _print(speaker: str, found: list[Quote]) -> None:
    console = _console()
    if not found:
        console.print(f"No statements by {escape(speaker)} in the index.")
        return
    people = sorted({q.speaker for q in found})
    if len(people) > 1:
        console.print(f"{len(people)} speakers match {escape(speaker)}: {escape(', '.join(people))}")
    for _article, group in groupby(found, key=lambda q: q.article_id):
        items = list(group)
        head = items[0]
        date = head.published or "undated"
        console.print(f"\n[bold]{escape(head.title)}[/bold] — {escape(head.source)}, {date}")
        if head.url:
            console.print(f"  {escape(head.url)}")
        for q in items:
            mark = "“direct”" if q.direct else "reported"
            who = f"{q.speaker}: " if len(people) > 1 else ""
            console.print(f"  - {escape(f'[{mark}]')} {escape(who)}{escape(q.text)}")
            if q.url_at_quote != q.url:
                console.print(f"    {escape(q.url_at_quote)}", style="dim", highlight=False)
