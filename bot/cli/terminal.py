"""Terminal output (rich): consoles, progress bars, answers, and the one-line error a command
exits with. Discord rendering lives in bot/discord/render.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from retrieval.errors import NewsdeskError
from retrieval.results import Answer

T = TypeVar("T")


def console(stderr: bool = False, soft_wrap: bool = True) -> Console:
    """The one console every command prints through. Markup is read only in newsdesk's own
    format strings: whatever came from outside (titles, sources, URLs, quotes, feed names,
    problems) goes in as `rich.text.Text` or through `escape`. Emoji codes are never read
    (`:100:` in "news.jsonl:100: bad line" is a line number, `:fire:` in a quote is text), and
    nothing is highlighted."""
    return Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap, emoji=False)


class LineProgress(Progress):
    """Progress where the output is not a terminal (a log file, CI, `nohup`): a bar cannot be
    drawn there, so a plain line is printed every `every` seconds and once at the end."""

    def __init__(self, *columns: Any, every: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*columns, **kwargs)
        self.every = every
        self._last = time.monotonic()

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        if time.monotonic() - self._last >= self.every:
            self._report()

    def stop(self) -> None:
        self._report()
        super().stop()

    def _report(self) -> None:
        self._last = time.monotonic()
        for task in self.tasks:
            done = f"{int(task.completed)}/{int(task.total)}" if task.total else f"{int(task.completed)}"
            self.console.print(f"{task.description}: {done} ({int(task.elapsed or 0)} s)")


def progress_bar(console: Console, every: float = 30.0) -> Progress:
    """The progress of long commands (ingest, reindex, eval): label, bar, n/total, time; a line
    every `every` seconds instead when the console is not a terminal."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    if not console.is_terminal:
        return LineProgress(*columns, console=console, transient=True, every=every)
    return Progress(*columns, console=console, transient=True)


def run_or_exit(fn: Callable[[], T]) -> T:
    """Run a command's body; a NewsdeskError prints one line and exits with its exit code."""
    try:
        return fn()
    except NewsdeskError as exc:
        console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(exc.exit_code) from None


def print_answer(console: Console, answer: Answer, show_quotes: bool = True) -> None:
    console.print(escape(answer.text), highlight=False)
    for note in answer.notes:
        console.print(f"[yellow]⚠ {escape(note)}[/yellow]")
    if not answer.citations:
        return
    console.print()
    console.print("[bold]Sources[/bold]")
    for c in answer.citations:
        date = c.published.isoformat() if c.published else "undated"
        console.print(
            f"[bold][{c.n}][/bold] {escape(c.title)} — {escape(c.source or 'unknown source')}, {date}"
        )
        if c.url:
            console.print(f"    {escape(c.url_at_quote)}", style="blue", highlight=False)
        if show_quotes:
            console.print(f"    “{escape(c.quote)}”", style="dim", highlight=False)
