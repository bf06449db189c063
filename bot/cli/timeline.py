"""`newsdesk timeline "TOPIC"`: a story's developments, oldest first, each a quoted sentence
cited [n] with outlet and date (retrieval/follow/timeline.py), or with a model configured a
checked one-line summary of the day's reports where one passes; `--chart FILE.png` also writes
the coverage chart that `/timeline` attaches."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bot.cli.context import GuildOpt, app_of
from bot.cli.terminal import console as _console
from bot.cli.terminal import run_or_exit
from retrieval.engine import namespace_for_guild
from retrieval.errors import BadInputError
from retrieval.follow.chart import timeline_chart
from retrieval.follow.summaries import summarize_entries
from retrieval.follow.timeline import Timeline
from retrieval.text.timewindow import parse_day, parse_since


def timeline_command(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help='The story, e.g. "Lowmoor ferry strike".')],
    since: Annotated[
        str | None, typer.Option("--since", help="From: 24h, 7d, 2w or YYYY-MM-DD [default: 30d].")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Up to this day (YYYY-MM-DD).")] = None,
    guild: GuildOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the coverage chart to this PNG file.")
    ] = None,
) -> None:
    """A story's developments, oldest first, each quoted and cited."""
    services = app_of(ctx)

    async def summarized(timeline: Timeline, namespace: str) -> None:
        async with services.online():
            llm = services.llm
            if llm is not None:
                await summarize_entries(timeline, llm, services.engine.catalog, namespace)

    def go() -> None:
        end = parse_day(as_of)
        namespace = namespace_for_guild(guild)
        timeline = services.timelines.build(topic, namespace, since=parse_since(since, end), as_of=end)
        if services.settings.llm_enabled:  # each entry a checked one-line summary where it passes
            asyncio.run(summarized(timeline, namespace))
        if chart is not None:
            write_chart(timeline, chart)
        if as_json:
            sys.stdout.write(json.dumps(timeline.to_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            _console().print(escape(timeline.to_text()), highlight=False)

    run_or_exit(go)


def write_chart(timeline: Timeline, path: Path) -> None:
    png = timeline_chart(timeline)
    if png is None:
        raise BadInputError(f"no chart written to {path}: no report about {timeline.topic!r} in the window")
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise BadInputError(f"can't write the chart to {path}: {exc.strerror or exc}") from None
    _console(stderr=True).print(f"chart: {escape(str(path))}", highlight=False)
