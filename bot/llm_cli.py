"""The CLI's generated answers: the model's draft streams to the terminal, then the checked
answer (with its sources) replaces it. Used by `newsdesk ask` / `summarize` when an
OpenAI-compatible endpoint is configured (settings.llm_enabled)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable

from rich.console import Console
from rich.live import Live
from rich.text import Text

from retrieval.chat import build_client
from retrieval.llm import LLMAnswerer, UsageSink
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


def generate_answer(
    settings: Settings,
    question: str,
    extractive: Answer,
    console: Console,
    stream: bool = True,
    on_usage: UsageSink | None = None,
) -> Answer:
    """The model's answer to `question` from the extractive answer's passages."""

    async def go() -> Answer:
        client = build_client(settings)
        try:
            llm = LLMAnswerer.from_settings(client, settings, on_usage=on_usage)
            answer_stream = llm.stream(
                " ".join(question.split()), extractive.passages, extractive, live=stream
            )
            await _show(console, answer_stream, stream and console.is_terminal)
            assert answer_stream.answer is not None
            return answer_stream.answer
        finally:
            await client.close()

    return asyncio.run(go())


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

    async def go() -> Answer:
        client = build_client(settings)
        try:
            llm = LLMAnswerer.from_settings(client, settings, on_usage=on_usage)
            summary = llm.summarize(
                extractive.passages, extractive, topic=topic, max_sentences=max_sentences, live=stream
            )
            await _show(console, summary, stream and console.is_terminal)
            assert summary.answer is not None
            return summary.answer
        finally:
            await client.close()

    return asyncio.run(go())
