"""With a model configured, each timeline entry may be a one-line summary of its development's
reports instead of a quoted sentence. The model writes from those reports' passages (the quoted
report's passage first, then up to `MAX_REPORTS` - 1 others'), and its line goes through the
citation check every generated answer goes through (retrieval/generate/citations.py: a claim
its cited passage does not support is dropped, and so is a line left with no supported claim).
An entry whose line does not pass, or whose request fails, keeps its quoted sentence, and so do
the entries before the newest `MAX_SUMMARIES` (20: a request each).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Protocol

from retrieval.answer.search import passage_of
from retrieval.follow.timeline import Entry, Timeline
from retrieval.generate.llm import AnswerStream, LLMAnswerer
from retrieval.generate.packing import defang
from retrieval.results import Answer, Passage
from retrieval.store.catalog import StoredChunk

MAX_REPORTS = 3
MAX_SUMMARIES = 20  # the newest entries summarised (one request each); older ones keep their quote
MAX_LINE = 400  # characters: a longer reply is no one-line summary
_MARKER = re.compile(r"\[(\d+)\]")


class _Chunks(Protocol):
    def article_chunks(self, namespace: str, article_id: str) -> list[StoredChunk]: ...


def entry_passages(entry: Entry, catalog: _Chunks, namespace: str) -> list[Passage]:
    """The passage holding the entry's quote, then the lead passage of its other reports."""
    out: list[Passage] = []
    quoted_at = entry.citation.spans[0][0] if entry.citation.spans else 0
    for article in entry.articles[:MAX_REPORTS]:
        chunks = catalog.article_chunks(namespace, article.id)
        at = quoted_at if article.id == entry.citation.article_id else 0
        chunk = next((c for c in chunks if c.start <= at < c.end), chunks[0] if chunks else None)
        if chunk is None:
            continue
        out.append(passage_of(chunk, article.title, article.url, article.source, article.published))
    return out


async def _summarize(entry: Entry, topic: str, llm: LLMAnswerer, passages: list[Passage]) -> None:
    extractive = Answer(f"{entry.sentence} [1]", [replace(entry.citation, n=1)], passages)
    fill = {"topic": defang(topic), "day": entry.day.isoformat()}
    answer = await AnswerStream(
        lambda: llm.generate("timeline_entry", fill, passages, extractive, False)
    ).result()
    line = " ".join(answer.text.split())
    if answer.mode == "llm" and answer.citations and len(line) <= MAX_LINE:
        entry.summary, entry.summary_citations = line, list(answer.citations)


def _renumbered(text: str, numbers: dict[int, int]) -> str:
    return _MARKER.sub(lambda m: f"[{numbers.get(int(m.group(1)), m.group(1))}]", text)


def renumber(timeline: Timeline) -> None:
    """Number the citations 1, 2, … through the timeline, oldest entry first."""
    n = 0
    for entry in timeline.entries:
        if not entry.summary:
            n += 1
            entry.citation.n = n
            continue
        numbers: dict[int, int] = {}
        for c in entry.summary_citations:
            n += 1
            numbers[c.n] = n
            c.n = n
        entry.summary = _renumbered(entry.summary, numbers)


async def summarize_entries(
    timeline: Timeline, llm: LLMAnswerer, catalog: _Chunks, namespace: str, concurrency: int = 2
) -> int:
    """Each entry as the model's checked one-line summary where it passes; how many did."""
    limit = asyncio.Semaphore(concurrency)

    async def one(entry: Entry) -> None:
        passages = await asyncio.to_thread(entry_passages, entry, catalog, namespace)
        if passages:
            async with limit:
                await _summarize(entry, timeline.topic, llm, passages)

    await asyncio.gather(*(one(e) for e in timeline.entries[-MAX_SUMMARIES:]))
    renumber(timeline)
    return sum(1 for e in timeline.entries if e.summary)
