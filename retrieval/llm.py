"""Generated answers from retrieved passages, checked against them, with an extractive fallback.

    client = build_client(settings)              # once, at start-up
    llm = LLMAnswerer.from_settings(client, settings)
    extractive = engine.ask(question)            # passages + the no-LLM answer
    answer = await llm.answer(question, extractive.passages, extractive)

    stream = llm.stream(question, extractive.passages, extractive)
    async for draft in stream:                   # the reply so far, mention-safe
        ...
    answer = stream.answer                       # checked, with citations

Whatever the endpoint does, the result is an `Answer`: mode "llm" when the checked reply
has at least one supported, cited sentence; otherwise the extractive answer with a short
note saying why. Token usage (all attempts) is on `Answer.usage`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import tiktoken
from openai import AsyncOpenAI

import prompts
from retrieval.chat import Chat, Failure, Messages, Reply, build_client
from retrieval.citations import Checked, check, citations_for, defuse_mentions
from retrieval.packing import Packed, count_tokens, defang, pack
from retrieval.results import Answer, Passage
from retrieval.settings import Settings
from retrieval.tokens import load_encoding

__all__ = ["AnswerStream", "LLMAnswerer", "Turn", "build_client"]

log = logging.getLogger(__name__)

FALLBACK = "showing quotes from the articles instead."
MESSAGE_OVERHEAD = 12  # chat-format tokens per message, plus slack for the tokenizer's guess
HISTORY_TOKENS = 400  # room for earlier turns of a thread in an answer prompt


@dataclass(frozen=True)
class Turn:
    """One message of a thread: role "user" or "assistant"."""

    role: str
    text: str


@dataclass
class _Job:
    """A prepared request: how to build it under a budget, and what it was built from."""

    passages: list[Passage]
    fill: dict[str, str]
    template: str
    packed: Packed = field(default_factory=lambda: Packed(text=""))


class LLMAnswerer:
    """Answers and summaries written by an OpenAI-compatible model from given passages."""

    def __init__(self, chat: Chat, encoding: tiktoken.Encoding, max_sentences: int = 5) -> None:
        self.chat = chat
        self.encoding = encoding
        self.max_sentences = max_sentences

    @classmethod
    def from_settings(cls, client: AsyncOpenAI, settings: Settings,
                      encoding: tiktoken.Encoding | None = None, **chat_options: Any
                      ) -> LLMAnswerer:
        chat = Chat.from_settings(client, settings, **chat_options)
        return cls(chat, encoding or load_encoding())

    # -- answers -----------------------------------------------------------------------

    async def answer(self, question: str, passages: Sequence[Passage], extractive: Answer,
                     history: Sequence[Turn] | None = None) -> Answer:
        stream = self.stream(question, passages, extractive, history, live=False)
        async for _ in stream:
            pass
        assert stream.answer is not None
        return stream.answer

    def stream(self, question: str, passages: Sequence[Passage], extractive: Answer,
               history: Sequence[Turn] | None = None, live: bool = True) -> AnswerStream:
        """Iterate for drafts (the reply so far); then `.answer` holds the checked answer."""
        job = _Job(
            passages=list(passages),
            template="answer",
            fill={
                "question": defang(question.strip()),
                "max_sentences": str(self.max_sentences),
                "conversation": self._conversation(history),
            },
        )
        return AnswerStream(self, job, extractive, live)

    def _conversation(self, history: Sequence[Turn] | None) -> str:
        if not history:
            return ""
        lines: list[str] = []
        used = 0
        for turn in reversed(history):
            line = f"{'User' if turn.role == 'user' else 'Assistant'}: {defang(turn.text.strip())}"
            cost = count_tokens(self.encoding, line)
            if used + cost > HISTORY_TOKENS:
                break
            lines.insert(0, line)
            used += cost
        if not lines:
            return ""
        return prompts.render("conversation", history="\n".join(lines))

    # -- shared by answers and summaries ---------------------------------------------------

    def passage_budget(self, template: str, fill: Mapping[str, str]) -> int:
        """Tokens left for passages once the system prompt, template and reply are counted."""
        fixed = count_tokens(self.encoding, prompts.render("system"))
        fixed += count_tokens(self.encoding, prompts.render(template, **{**fill, "passages": ""}))
        return self.chat.context_tokens - self.chat.reply_tokens - fixed - 2 * MESSAGE_OVERHEAD

    def messages(self, template: str, fill: Mapping[str, str], packed_text: str) -> Messages:
        return [
            {"role": "system", "content": prompts.render("system")},
            {"role": "user",
             "content": prompts.render(template, **{**fill, "passages": packed_text})},
        ]

    def prompt_tokens(self, messages: Messages) -> int:
        """Our own count of a request's prompt tokens (what the benchmark reports)."""
        return sum(count_tokens(self.encoding, m["content"]) + MESSAGE_OVERHEAD // 3
                   for m in messages) + 3

    def finish(self, reply: Reply | Failure, numbered: Mapping[int, Passage],
               extractive: Answer, notes: list[str]) -> Answer:
        """The checked answer from a reply, or the extractive one with a note."""
        if isinstance(reply, Failure):
            return fallback(extractive, f"{reply.note}; {FALLBACK}", reply.usage)
        checked = check(reply.text, numbered)
        if checked.empty:
            why = ("The model found no answer in these passages" if checked.no_answer
                   else "The generated answer could not be tied to its sources")
            return fallback(extractive, f"{why}; {FALLBACK}", reply.usage)
        citations = citations_for(checked, numbered)
        return Answer(
            text=defuse_mentions(checked.text),
            citations=citations,
            passages=list(numbered.values()),
            mode="llm",
            notes=notes + _check_notes(checked),
            usage=dict(reply.usage),
        )


class AnswerStream:
    """An answer being generated: `async for draft in stream`, then `stream.answer`."""

    def __init__(self, llm: LLMAnswerer, job: _Job, extractive: Answer, live: bool) -> None:
        self.llm = llm
        self.job = job
        self.extractive = extractive
        self.live = live
        self.answer: Answer | None = None
        self.prompt_tokens = 0  # our count for the last request built

    def __aiter__(self) -> AsyncIterator[str]:
        return self._run()

    def _build(self, budget: int) -> Messages:
        job = self.job
        job.packed = pack(job.passages, self.llm.encoding, budget)
        messages = self.llm.messages(job.template, job.fill, job.packed.text)
        self.prompt_tokens = self.llm.prompt_tokens(messages)
        return messages

    async def _run(self) -> AsyncIterator[str]:
        extractive = self.extractive
        if not extractive.found or not self.job.passages:
            self.answer = extractive  # nothing relevant: no call, the engine already said so
            return
        budget = self.llm.passage_budget(self.job.template, self.job.fill)
        result: Reply | Failure = Failure("empty")
        async for item in self.llm.chat.run(self._build, budget, stream=self.live):
            if isinstance(item, str):
                yield defuse_mentions(item)
            else:
                result = item
        packed = self.job.packed
        numbered = dict(zip(packed.numbers, packed.passages, strict=True))
        notes = []
        if packed.dropped:
            notes.append(f"Only {len(packed.passages)} of {len(self.job.passages)} passages "
                         "fit in the model's context.")
        self.answer = self.llm.finish(result, numbered, extractive, notes)
        log.info("answer mode=%s usage=%s", self.answer.mode, self.answer.usage)


def fallback(extractive: Answer, note: str, usage: Mapping[str, int]) -> Answer:
    """The extractive answer, with a visible note and the tokens the attempt cost."""
    return replace(extractive, text=defuse_mentions(extractive.text),
                   notes=[*extractive.notes, note], usage=dict(usage),
                   citations=list(extractive.citations), passages=list(extractive.passages))


def _check_notes(checked: Checked) -> list[str]:
    notes = []
    if checked.dropped:
        k = len(checked.dropped)
        plural = "s" if k > 1 else ""
        notes.append(f"Removed {k} sentence{plural} the cited articles do not support.")
    return notes
