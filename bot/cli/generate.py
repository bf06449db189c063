"""The CLI's generated answers: the model's draft streams to the terminal, then the checked
answer (with its sources) replaces it. Used by `newsdesk ask` / `summarize` when an
OpenAI-compatible endpoint is configured (settings.llm_enabled)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable

from rich.console import Console
from rich.live import Live
from rich.text import Text

from retrieval.generate.chat import build_client
from retrieval.generate.llm import AnswerStream, LLMAnswerer, UsageSink
from retrieval.results import Answer
from retrieval.settings import Settings


async def _show(console: Console, drafts: AsyncIterable[str], live: bool) -> None:
    if not live:
        async for _ in drafts:
            pass
        return
    with Live(Text(""), console=console, transient=True, refresh_per_second=8) as view:
        async for draft in drafts:
            view.update(Text(draft, style="dim"))


def _generate(
    settings: Settings,
    console: Console,
    stream: bool,
    on_usage: UsageSink | None,
    start: Callable[[LLMAnswerer], AnswerStream],
) -> Answer:
    """Run one model call `start` makes on a client built for it, showing its drafts live."""

    async def go() -> Answer:
        client = build_client(settings)
        try:
            drafts = start(LLMAnswerer.from_settings(client, settings, on_usage=on_usage))
            await _show(console, drafts, stream and console.is_terminal)
            assert drafts.answer is not None
            return drafts.answer
        finally:
            await client.close()

    return asyncio.run(go())


def generate_answer(
    settings: Settings,
    question: str,
    extractive: Answer,
    console: Console,
    stream: bool = True,
    on_usage: UsageSink | None = None,
) -> Answer:
    """The model's answer to `question` from the extractive answer's passages."""
    asked = " ".join(question.split())
    return _generate(
        settings,
        console,
        stream,
        on_usage,
        lambda llm: llm.stream(asked, extractive.passages, extractive, live=stream),
    )


def generate_summary(
    settings: Settings,
    extractive: Answer,
    console: Console,
    topic: str | None = None,
    max_sentences: int = 6,
    stream: bool = True,
    on_usage: UsageSink | None = None,
) -> Answer:
    """A model-written summary of the extractive summary's passages (map-reduce if long)."""
    return _generate(
        settings,
        console,
        stream,
        on_usage,
        lambda llm: llm.summarize(
            extractive.passages, extractive, topic=topic, max_sentences=max_sentences, live=stream
        ),
    )
