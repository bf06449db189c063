"""Terminal output (rich): answers, and the one-line error a command exits with. Discord
rendering lives in bot/discord/render.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from retrieval.errors import NewsdeskError
from retrieval.results import Answer

T = TypeVar("T")


def run_or_exit(fn: Callable[[], T]) -> T:
    """Run a command's body; a NewsdeskError prints one line and exits with its exit code."""
    try:
        return fn()
    except NewsdeskError as exc:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {escape(str(exc))}")
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
            console.print(f"    {escape(c.url)}", style="blue", highlight=False)
        if show_quotes:
            console.print(f"    “{escape(c.quote)}”", style="dim", highlight=False)
