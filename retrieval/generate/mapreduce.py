"""Summaries of more passages than fit in one request: map-reduce under the token budget.

Passages are numbered once, 1…n, for the whole summary. When they fit, one request writes
the summary. Otherwise they are cut into groups that each fit (map): each group yields
cited notes, checked against that group's passages so an invented note dies early; the
notes (still carrying the global [n]) are merged by further requests (reduce), in rounds
if they are themselves too long. The final text is checked against all the passages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import tiktoken

from retrieval.generate.chat import Chat, Failure, Messages, Reply, add_usage
from retrieval.generate.citations import check
from retrieval.generate.echo import STOP, Screen
from retrieval.generate.outcome import Events, fallback, with_usage
from retrieval.generate.packing import count_tokens, defang, format_passage, pack
from retrieval.generate.support import Judge
from retrieval.results import Answer, Passage
from retrieval.text.safety import defuse_mentions

DEFAULT_TOPIC = "the main news in these articles"
MAX_ROUNDS = 4  # reduce rounds before giving up on merging everything


class Answerer(Protocol):
    """What map-reduce uses of the answerer that calls it (`retrieval/generate/llm.py`)."""

    chat: Chat
    encoding: tiktoken.Encoding
    map_concurrency: int
    judge: Judge

    def passage_budget(self, template: str, fill: Mapping[str, str], slot: str = "passages") -> int: ...

    def record(self, kind: str, usage: Mapping[str, int]) -> None: ...

    def generate(
        self, template: str, fill: Mapping[str, str], passages: list[Passage], extractive: Answer, live: bool
    ) -> Events: ...

    def messages(self, template: str, fill: Mapping[str, str]) -> Messages: ...

    def screen(self, template: str, fill: Mapping[str, str], passages: Sequence[Passage]) -> Screen: ...

    def reply_budget(self, fill: Mapping[str, str]) -> int: ...

    async def finish(
        self,
        reply: Reply | Failure,
        numbered: Mapping[int, Passage],
        extractive: Answer,
        notes: list[str],
        screen: Screen | None = None,
    ) -> Answer: ...


async def summarize(
    llm: Answerer,
    passages: list[Passage],
    extractive: Answer,
    topic: str | None,
    max_sentences: int,
    live: bool,
) -> Events:
    if not extractive.found or not passages:
        yield extractive
        return
    fill = {"topic": defang(" ".join((topic or DEFAULT_TOPIC).split())), "max_sentences": str(max_sentences)}
    if not pack(passages, llm.encoding, llm.passage_budget("summary", fill)).dropped:
        async for draft_or_answer in llm.generate("summary", fill, passages, extractive, live):
            yield draft_or_answer
        return

    numbered = {n: p for n, p in enumerate(passages, start=1)}
    usage: dict[str, int] = {}
    map_fill = {**fill, "part": "99", "parts": "99", "max_sentences": str(max(max_sentences, 8))}
    groups = partition(llm, list(numbered.items()), llm.passage_budget("summary_map", map_fill))
    results = await _map(llm, groups, map_fill, usage)
    notes = [r for r in results if isinstance(r, str) and r]
    failed = len(groups) - len(notes)
    if not notes:
        first = next((r for r in results if isinstance(r, Failure)), None)
        why = first.note if first else "The model's notes could not be tied to their sources"
        yield fallback(extractive, why, usage)
        return

    room = llm.passage_budget("summary_reduce", fill, slot="notes")
    for _ in range(MAX_ROUNDS):
        batches = _batches(llm, notes, room)
        if len(batches) == 1:
            break
        merged = await asyncio.gather(
            *(
                llm.chat.complete(_reduce_builder(llm, batch, fill), room, llm.reply_budget(fill), STOP)
                for batch in batches
            )
        )
        notes = []
        for reply, batch in zip(merged, batches, strict=True):
            add_usage(usage, reply.usage)
            llm.record("summary_reduce", reply.usage)
            notes.append(reply.text if isinstance(reply, Reply) else "\n".join(batch))

    result: Reply | Failure = Failure("empty")
    screen = llm.screen("summary_reduce", fill, passages)
    build = _reduce_builder(llm, notes, fill)
    async for event in llm.chat.run(build, room, stream=live, max_tokens=llm.reply_budget(fill), stop=STOP):
        if isinstance(event, str):
            yield defuse_mentions(screen.visible(event))
        else:
            result = event
    extra = [f"{failed} of {len(groups)} parts could not be summarised."] if failed else []
    answer = await llm.finish(result, numbered, extractive, extra, screen)
    llm.record("summary_reduce", result.usage)
    yield with_usage(answer, usage)


def partition(
    llm: Answerer, items: Sequence[tuple[int, Passage]], budget: int
) -> list[list[tuple[int, Passage]]]:
    """Consecutive groups of (number, passage) that each fit in `budget` tokens."""
    groups: list[list[tuple[int, Passage]]] = []
    used = budget + 1
    for n, passage in items:
        cost = count_tokens(llm.encoding, format_passage(n, passage)) + 1
        if used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append((n, passage))
        used += cost
    return groups


async def _map(
    llm: Answerer, groups: list[list[tuple[int, Passage]]], fill: dict[str, str], usage: dict[str, int]
) -> list[str | Failure]:
    gate = asyncio.Semaphore(llm.map_concurrency)

    async def one(i: int, group: list[tuple[int, Passage]]) -> str | Failure:
        numbers = [n for n, _ in group]
        passages = [p for _, p in group]
        part = {**fill, "part": str(i + 1), "parts": str(len(groups))}

        def build(budget: int) -> Messages:
            packed = pack(passages, llm.encoding, budget, numbers=numbers)
            return llm.messages("summary_map", {**part, "passages": packed.text})

        async with gate:
            budget = llm.passage_budget("summary_map", part)
            reply = await llm.chat.complete(build, budget, llm.reply_budget(part), STOP)
        add_usage(usage, reply.usage)
        llm.record("summary_map", reply.usage)
        if isinstance(reply, Failure):
            return reply
        checked = check(reply.text, dict(group), llm.judge, llm.screen("summary_map", part, passages))
        return "" if checked.empty else checked.text

    return list(await asyncio.gather(*(one(i, g) for i, g in enumerate(groups))))


def _batches(llm: Answerer, notes: list[str], budget: int) -> list[list[str]]:
    """Notes grouped so that each group fits in `budget` tokens (a group has at least one)."""
    batches: list[list[str]] = [[]]
    used = 0
    for note in notes:
        cost = count_tokens(llm.encoding, note) + 1
        if batches[-1] and used + cost > budget:
            batches.append([])
            used = 0
        batches[-1].append(note)
        used += cost
    return batches


def _reduce_builder(llm: Answerer, notes: list[str], fill: dict[str, str]) -> Callable[[int], Messages]:
    """Messages merging `notes`, keeping the lines that fit in the budget it is given."""

    def build(limit: int) -> Messages:
        lines: list[str] = []
        used = 0
        for line in "\n".join(notes).splitlines():
            cost = count_tokens(llm.encoding, line) + 1
            if used + cost > limit and lines:
                break
            lines.append(defang(line))
            used += cost
        return llm.messages("summary_reduce", {**fill, "notes": "\n".join(lines)})

    return build
