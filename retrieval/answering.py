"""Who writes an answer: the one place where "extractive answer first, then the model when one
is configured" is decided, for `newsdesk ask`/`summarize`, `/ask`, `/summary` and threads.

The extractive answerer always runs first: it finds the passages, and its answer is what the
user gets when there is no model, when the model has nothing to write from, and whenever the
model fails (`LLMAnswerer` falls back to it). The result is always an `AnswerStream`: a front
end that shows drafts iterates it (`stream.generated` says whether a model is writing); one that
does not awaits `stream.result()`.

Questions that ask for the latest on a story ("what's the latest on X?") are answered from the
story's timeline, newest first (retrieval/follow/latest.py); the model, when configured, writes
from those reports, and the answer keeps the note that dates the newest one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from functools import partial

from retrieval.answer.search import SearchFilters
from retrieval.answer.statements import model_passages
from retrieval.engine import DEFAULT_NAMESPACE, Engine, source_host
from retrieval.follow.latest import latest_answer
from retrieval.follow.timeline import Timelines
from retrieval.generate.llm import AnswerStream, LLMAnswerer, Turn
from retrieval.generate.outcome import Events
from retrieval.results import Answer, Passage


def with_note(stream: AnswerStream, note: str) -> AnswerStream:
    """The same stream, its final answer carrying `note` first (a model's answer drops the
    extractive answer's notes)."""

    async def run() -> Events:
        async for draft in stream:
            yield draft
        answer = stream.answer
        assert answer is not None
        if note not in answer.notes:
            answer.notes.insert(0, note)
        yield answer

    return AnswerStream(run, generated=stream.generated)


class Answering:
    def __init__(
        self, engine: Engine, llm: LLMAnswerer | None = None, timelines: Timelines | None = None
    ) -> None:
        self.engine = engine
        self.llm = llm
        self.timelines = timelines or Timelines.for_engine(engine)  # stories followed over time

    async def ask(
        self,
        question: str,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        k: int | None = None,
        since: date | None = None,
        source: str | None = None,
        as_of: date | None = None,
        history: Sequence[Turn] | None = None,
        live: bool = True,
    ) -> AnswerStream:
        """The answer to `question` (`live=False`: the model's reply in one piece, no drafts)."""
        asked = self.engine.validate_question(question)
        if source is None:  # "what's the latest on X?": the story's newest reports, newest first
            latest = await asyncio.to_thread(
                partial(latest_answer, self.timelines, asked, namespace, since=since, as_of=as_of)
            )
            if latest is not None:
                stream = self.write_answer(asked, latest, history, live)
                return with_note(stream, latest.notes[0]) if latest.notes else stream
        extractive = await asyncio.to_thread(
            partial(self.engine.ask, asked, namespace, k=k, since=since, source=source, as_of=as_of)
        )
        passages: list[Passage] = extractive.passages
        attributed = self.engine.attributed
        if self.llm is not None and passages and attributed is not None:
            filters = SearchFilters(since, as_of, source_host(source) if source else None)
            given = partial(model_passages, attributed, asked, namespace, passages, filters)
            passages = await asyncio.to_thread(given)
        return self.write_answer(asked, extractive, history, live, passages)

    def write_answer(
        self,
        question: str,
        extractive: Answer,
        history: Sequence[Turn] | None = None,
        live: bool = True,
        passages: Sequence[Passage] | None = None,
    ) -> AnswerStream:
        """The model writes from `passages` (the extractive answer's when not given) when there
        are any; the model is asked even when no quote fitted (it may still find the answer; its
        reply is checked). With an attribution index, `ask` gives it the passages with who says
        what in each, and a speaker's statements first (`retrieval/answer/statements.py`)."""
        if self.llm is None or not extractive.passages:
            return AnswerStream.finished(extractive)
        given = extractive.passages if passages is None else passages
        return self.llm.stream(question, given, extractive, history, live=live)

    async def summarize(
        self,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        article: str | None = None,
        topic: str | None = None,
        since: date | None = None,
        as_of: date | None = None,
        max_sentences: int = 6,
        live: bool = True,
    ) -> AnswerStream:
        """A summary of an article, a topic or a period; the model writes it (map-reduce when
        long) only from a summary that found something to say."""
        extractive = await asyncio.to_thread(
            partial(
                self.engine.summarize,
                namespace,
                article=article,
                topic=topic,
                since=since,
                as_of=as_of,
                max_sentences=max_sentences,
            )
        )
        if self.llm is None or not extractive.found:
            return AnswerStream.finished(extractive)
        return self.llm.summarize(
            extractive.passages, extractive, topic=topic, max_sentences=max_sentences, live=live
        )
