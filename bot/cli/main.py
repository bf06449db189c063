"""The `newsdesk` command line (typer + rich). Domain errors become one clean line, exit 1."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bot.cli.context import GuildOpt, app_of
from bot.cli.evaluate import eval_command
from bot.cli.feeds import describe_outcome, digest_app, feeds_app, fetch_app, fetch_urls
from bot.cli.generate import show_drafts
from bot.cli.health import health_command
from bot.cli.migrate import migrate_command
from bot.cli.quotes import quotes_command
from bot.cli.run_bot import bot_app
from bot.cli.terminal import console as _console
from bot.cli.terminal import print_answer, progress_bar, run_or_exit
from bot.cli.timeline import timeline_command
from bot.cli.watch import watch_app
from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.ingest.loaders import count_items
from retrieval.results import Answer
from retrieval.settings import Settings, settings_problems
from retrieval.text.timewindow import parse_day, parse_since
from retrieval.web.ingest import is_url

app = typer.Typer(
    name="newsdesk",
    help="Ingest news and answer questions about it, with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(bot_app, name="bot")
app.add_typer(feeds_app, name="feeds")
app.add_typer(digest_app, name="digest")
app.add_typer(fetch_app, name="fetch")
app.add_typer(watch_app, name="watch")
app.command("eval")(eval_command)
app.command("migrate")(migrate_command)
app.command("health")(health_command)
app.command("quotes")(quotes_command)
app.command("timeline")(timeline_command)

SinceOpt = Annotated[str | None, typer.Option("--since", help="Only articles since: 24h, 7d, 2w or a date.")]
SourceOpt = Annotated[str | None, typer.Option("--source", help="Only this outlet, e.g. reuters.com.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Answer as of this date (YYYY-MM-DD): nothing newer.")
]


@app.callback()
def services(ctx: typer.Context) -> None:
    """Ingest news and answer questions about it, with citations."""
    if ctx.obj is None:  # tests hand in an App of their own (obj=...)
        ctx.obj = ctx.with_resource(App(Settings()))


EMPTY_ARGUMENT = '"": an empty argument, not a file or folder (an unset variable?); nothing read for it'


@app.command()
def ingest(
    ctx: typer.Context,
    sources_: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH_OR_URL...", help="Files or folders (.jsonl(.gz), .txt, .md, .html) or article URLs"
        ),
    ],
    guild: GuildOpt = None,
) -> None:
    """Add articles to the index (unchanged articles are skipped, changed ones replaced)."""
    console = _console()
    urls = [s for s in sources_ if is_url(s)]
    # as typed: Path("") would be "." (all of it), Path("ftp://host/x") "ftp:/host/x"
    paths = [s for s in sources_ if s and not is_url(s)]
    empty = [EMPTY_ARGUMENT for s in sources_ if not s]
    services = app_of(ctx)

    def go() -> int:
        namespace = namespace_for_guild(guild)
        failed = 0
        engine = services.engine
        if paths or empty:
            with progress_bar(_console(stderr=True)) as bar:
                task = bar.add_task("ingesting", total=sum(count_items(Path(p)) for p in paths))
                report = engine.ingest_paths(paths, namespace, progress=lambda n: bar.advance(task, n))
            report.problems[:0] = empty
            for problem in report.problems:
                _console(stderr=True).print(f"[yellow]skipped:[/yellow] {escape(problem)}")
            console.print(
                f"articles: {report.articles_added} added, {report.articles_updated} updated, "
                f"{report.articles_skipped} unchanged; chunks: {report.chunks_added} added, "
                f"{report.chunks_removed} removed"
                + (f"; {len(report.problems)} problem(s)" if report.problems else "")
            )
            failed += len(report.problems)
        if urls:
            for outcome in fetch_urls(services, urls, namespace):
                console.print(describe_outcome(outcome))
                failed += outcome.status == "failed"
        return 1 if failed else 0

    code = run_or_exit(go)
    if code:
        raise typer.Exit(code)


def print_result(answer: Answer, as_json: bool, show_quotes: bool = True) -> None:
    if as_json:
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    else:
        print_answer(_console(), answer, show_quotes=show_quotes)


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: Annotated[
        int | None, typer.Option("--k", help="Passages to retrieve [default: NEWSDESK_TOP_K].", min=1, max=50)
    ] = None,
    since: SinceOpt = None,
    source: SourceOpt = None,
    guild: GuildOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Answer a question from the indexed news, with numbered citations."""
    services = app_of(ctx)

    async def answer() -> Answer:
        day = parse_day(as_of)
        window = parse_since(since, day)
        async with services.online():
            stream = await services.answering.ask(
                question,
                namespace_for_guild(guild),
                k=k,
                since=window,
                source=source,
                as_of=day,
                live=not as_json,
            )
            return await show_drafts(_console(), stream, live=not as_json)

    print_result(run_or_exit(lambda: asyncio.run(answer())), as_json)


@app.command()
def summarize(
    ctx: typer.Context,
    article: Annotated[str | None, typer.Option("--article", help="An article id or URL.")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="A topic, e.g. 'ferry strike'.")] = None,
    since: SinceOpt = None,
    sentences: Annotated[int, typer.Option("--sentences", min=1, max=20)] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    guild: GuildOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Summarise an article, a topic, or a time window (--since 24h) as cited key sentences."""
    services = app_of(ctx)

    async def summary() -> Answer:
        day = parse_day(as_of)
        window = parse_since(since, day)
        async with services.online():
            stream = await services.answering.summarize(
                namespace_for_guild(guild),
                article=article,
                topic=topic,
                since=window,
                as_of=day,
                max_sentences=sentences,
                live=not as_json,
            )
            return await show_drafts(_console(), stream, live=not as_json)

    print_result(run_or_exit(lambda: asyncio.run(summary())), as_json, show_quotes=False)


@app.command()
def sources(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="Filter titles, URLs and outlets.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    guild: GuildOpt = None,
) -> None:
    """List what is indexed, newest first."""
    services = app_of(ctx)

    def go() -> None:
        engine = services.engine
        ns = namespace_for_guild(guild)
        rows = engine.sources(ns, query, limit, offset)
        total = engine.count_articles(ns, query)
        table = Table("id", "published", "source", "title", "chunks")
        for r in rows:
            published = r.published.isoformat() if r.published else "—"
            # cells from articles are text, never markup
            table.add_row(Text(r.id), published, Text(r.source), Text(r.title), str(r.n_chunks))
        console = _console()
        console.print(table)
        console.print(f"{len(rows)} of {total} article(s)")

    run_or_exit(go)


@app.command()
def delete(
    ctx: typer.Context,
    article: Annotated[str, typer.Argument(help="An article id or URL.")],
    guild: GuildOpt = None,
) -> None:
    """Remove an article everywhere (vectors, text, lexical index)."""
    services = app_of(ctx)

    def go() -> None:
        info = services.engine.delete(article, namespace_for_guild(guild))
        _console().print(f"deleted {escape(info.id)}: {escape(info.title)} ({info.n_chunks} chunks)")

    run_or_exit(go)


@app.command()
def stats(ctx: typer.Context, guild: GuildOpt = None) -> None:
    """Counts of articles, chunks and tokens; the embedding model; the backend."""
    services = app_of(ctx)

    def go() -> None:
        data = services.engine.stats(namespace_for_guild(guild) if guild is not None else None)
        for key, value in data.items():
            _console().print(f"{key}: {escape(str(value))}")

    run_or_exit(go)


@app.command()
def reindex(ctx: typer.Context, guild: GuildOpt = None) -> None:
    """Rebuild the vectors from the stored article texts (after changing the model or chunking)."""
    services = app_of(ctx)

    def go() -> None:
        moved = services.reopen_damaged_vectors()
        if moved:
            _console(stderr=True).print(
                f"the vector store was damaged: moved it to {escape(str(moved))}; rebuilding the vectors"
            )
        engine = services.engine
        ns = namespace_for_guild(guild) if guild is not None else None
        total = engine.count_articles(ns) if ns else engine.stats()["articles"]
        with progress_bar(_console(stderr=True)) as bar:
            task = bar.add_task("reindexing", total=total)
            n = engine.reindex(ns, progress=lambda k: bar.advance(task, k))
        _console().print(f"reindexed {n} article(s)")

    run_or_exit(go)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except ValidationError as exc:  # a bad value in the environment or in .env
        console = _console(stderr=True)
        for line in settings_problems(exc):
            console.print(f"[red]error:[/red] bad setting {escape(line)}", highlight=False)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
