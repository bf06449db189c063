"""The CLI's generated answers: the model's draft streams to the terminal, then the checked
answer (with its sources) replaces it. Who writes the answer is decided in
retrieval/answering.py; this only shows it."""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.text import Text

from retrieval.generate.llm import AnswerStream
from retrieval.results import Answer


async def show_drafts(console: Console, stream: AnswerStream, live: bool = True) -> Answer:
    """Run `stream` to its checked answer, showing a model's drafts while it writes when `live`
    and the console is a terminal (they are replaced by the answer, printed by the caller)."""
    if not (live and stream.generated and console.is_terminal):
        return await stream.result()
    with Live(Text(""), console=console, transient=True, refresh_per_second=8) as view:
        async for draft in stream:
            view.update(Text(draft, style="dim"))
    assert stream.answer is not None
    return stream.answer
