"""Generated answers and summaries from retrieved passages, checked against them, with an
extractive fallback.

    llm = app.llm                                # built once by retrieval/app.py (None: no model)
    extractive = engine.ask(question)            # passages + the no-LLM answer
    answer = await llm.answer(question, extractive.passages, extractive)

    stream = llm.stream(question, extractive.passages, extractive)
    async for draft in stream:                   # the reply so far, mention-safe
        ...                                      # (a retry starts a new, shorter draft)
    answer = stream.answer                       # checked, with citations

Whatever the endpoint does, the result is an `Answer`: mode "llm" when the checked reply
has at least one supported, cited sentence; otherwise the extractive answer with a short
note saying why. The model is asked whenever passages were retrieved, even when the
extractive answerer found no quote that fits (mode "none"): it may still find the answer,
and its reply is checked like any other. Token usage (all calls and attempts) is on `Answer.usage`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import tiktoken
from openai import AsyncOpenAI

import prompts
from retrieval.generate.chat import Chat, Failure, Messages, Reply, add_usage
from retrieval.generate.citations import Checked, check, citations_for, tally
from retrieval.generate.echo import STOP, Screen, left_out_note, unusable
from retrieval.generate.mapreduce import summarize
from retrieval.generate.outcome import Events, fallback
from retrieval.generate.packing import Packed, count_tokens, defang, pack
from retrieval.generate.support import Judge
from retrieval.generate.verify import verify
from retrieval.results import Answer, Passage
from retrieval.settings import Settings
from retrieval.text.safety import defuse_mentions
from retrieval.text.tokens import load_encoding

__all__ = ["AnswerStream", "LLMAnswerer", "Turn"]

log = logging.getLogger(__name__)

MESSAGE_OVERHEAD = 4  # chat-format tokens per message
HISTORY_TOKENS = 400  # room for earlier turns of a thread in an answer prompt
SENTENCE_TOKENS = 60  # reply budget per sentence asked for (+ one more), within NEWSDESK_LLM_REPLY_TOKENS


UsageSink = Callable[[str, Mapping[str, int]], None]


@dataclass(frozen=True)
class Turn:
    """One message of a thread: role "user" or "assistant"."""

    role: str
    text: str


class AnswerStream:
    """An answer being generated: `async for draft in stream`, then `stream.answer`.

    Drafts are the model's text so far (unchecked, mention-safe); iterate to the end, then
    `answer` holds the checked answer or the fallback.
    """

    def __init__(self, run: Callable[[], Events], generated: bool = True) -> None:
        self._run = run
        self.generated = generated  # False: an answer already final (no model), no drafts
        self.answer: Answer | None = None

    @classmethod
    def finished(cls, answer: Answer) -> AnswerStream:
        """A stream with no drafts whose result is `answer` (the model was not asked)."""

        async def run() -> Events:
            yield answer

        return cls(run, generated=False)

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        async for item in self._run():
            if isinstance(item, Answer):
                self.answer = item
            else:
                yield item

    async def result(self) -> Answer:
        """Run to the end without looking at drafts."""
        async for _ in self:
            pass
        assert self.answer is not None
        return self.answer


class LLMAnswerer:
    """Answers and summaries written by an OpenAI-compatible model from given passages."""

    def __init__(
        self,
        chat: Chat,
        encoding: tiktoken.Encoding,
        max_sentences: int = 5,
        map_concurrency: int = 2,
        on_usage: UsageSink | None = None,
        judge: Judge | None = None,
        verify: bool = False,
    ) -> None:
        self.chat = chat
        if chat.counter is None:  # a server that streams no usage: count with our tokenizer
            chat.counter = partial(count_tokens, encoding)
        self.judge = judge or Judge()  # the citation check (with the process's embedder, when given)
        self.verify = verify  # one more request per answer: the model verifies the kept sentences
        self.on_usage = on_usage  # e.g. Catalog.record_usage, so `stats` can show the totals
        self.encoding = encoding
        self.max_sentences = max_sentences
        self.map_concurrency = map_concurrency

    @classmethod
    def from_settings(
        cls,
        client: AsyncOpenAI,
        settings: Settings,
        encoding: tiktoken.Encoding | None = None,
        on_usage: UsageSink | None = None,
        judge: Judge | None = None,
        **chat_options: Any,
    ) -> LLMAnswerer:
        chat = Chat.from_settings(client, settings, **chat_options)
        return cls(
            chat,
            encoding or load_encoding(),
            on_usage=on_usage,
            judge=judge,
            verify=settings.verify_with_model,
        )

    # -- answers -----------------------------------------------------------------------

    async def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        extractive: Answer,
        history: Sequence[Turn] | None = None,
    ) -> Answer:
        return await self.stream(question, passages, extractive, history, live=False).result()

    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        extractive: Answer,
        history: Sequence[Turn] | None = None,
        live: bool = True,
    ) -> AnswerStream:
        """The answer as a stream of drafts (`live=False`: one request, no drafts)."""
        fill = self.answer_fill(question, history)
        return AnswerStream(lambda: self.generate("answer", fill, list(passages), extractive, live))

    def conversation(self, history: Sequence[Turn] | None, limit: int = HISTORY_TOKENS) -> str:
        """The latest turns of a thread that fit in `limit` tokens, as a delimited block."""
        lines = self.history_lines(history, limit)
        return prompts.render("conversation", history=lines) if lines else ""

    def history_lines(self, history: Sequence[Turn] | None, limit: int) -> str:
        """'User: …' / 'Assistant: …' lines, newest kept first, within `limit` tokens."""
        lines: list[str] = []
        used = 0
        for turn in reversed(history or []):
            who = "User" if turn.role == "user" else "Assistant"
            line = f"{who}: {defang(' '.join(turn.text.split()))}"
            cost = count_tokens(self.encoding, line)
            if used + cost > limit:
                break
            lines.insert(0, line)
            used += cost
        return "\n".join(lines)

    # -- summaries ---------------------------------------------------------------------

    def summarize(
        self,
        passages: Sequence[Passage],
        extractive: Answer,
        topic: str | None = None,
        max_sentences: int = 6,
        live: bool = True,
    ) -> AnswerStream:
        """A cited summary; map-reduce when the passages do not fit in one request."""
        return AnswerStream(lambda: summarize(self, list(passages), extractive, topic, max_sentences, live))

    # -- one request: pack, call, check ----------------------------------------------------

    async def generate(
        self, template: str, fill: Mapping[str, str], passages: list[Passage], extractive: Answer, live: bool
    ) -> Events:
        """Drafts, then the checked `Answer` for one templated request over `passages`."""
        if not passages:
            yield extractive  # nothing retrieved: no call, the engine already said so
            return
        packed = Packed(text="")

        def build(budget: int) -> Messages:
            nonlocal packed
            messages, packed = self.prepare(template, fill, passages, budget)
            return messages

        screen = self.screen(template, fill, passages)
        budget = self.passage_budget(template, fill)
        result: Reply | Failure = Failure("empty")
        async for item in self.chat.run(
            build, budget, stream=live, max_tokens=self.reply_budget(fill), stop=STOP
        ):
            if isinstance(item, str):
                yield defuse_mentions(screen.visible(item))
            else:
                result = item
        notes = []
        if packed.dropped:
            notes.append(
                f"Only {len(packed.passages)} of {len(passages)} passages fit in the model's context."
            )
        numbered = dict(zip(packed.numbers, packed.passages, strict=True))
        answer = await self.finish(result, numbered, extractive, notes, screen)
        log.info("%s mode=%s usage=%s", template, answer.mode, answer.usage)
        self.record(template, result.usage)  # verification's own tokens are recorded apart
        yield answer

    def record(self, kind: str, usage: Mapping[str, int]) -> None:
        """Count one request's tokens for `newsdesk stats` (when a sink is set)."""
        if self.on_usage is not None and usage:
            self.on_usage(kind, usage)

    def prepare(
        self, template: str, fill: Mapping[str, str], passages: Sequence[Passage], budget: int | None = None
    ) -> tuple[Messages, Packed]:
        """The messages of one request and what was packed into them (no call is made)."""
        if budget is None:
            budget = self.passage_budget(template, fill)
        packed = pack(list(passages), self.encoding, budget)
        return self.messages(template, {**fill, "passages": packed.text}), packed

    def screen(self, template: str, fill: Mapping[str, str], passages: Sequence[Passage]) -> Screen:
        """What the reply to this request is screened against (`echo.py`): the request's own
        text without the passages or the assistant's earlier answers, the passages' titles, and
        the question the reply must address (none for a summary: its topic may be broad)."""
        blanks: dict[str, str] = {s: "" for s in ("passages", "notes") if s in prompts.variables(template)}
        own = self.messages(template, {**fill, **blanks})
        text = "\n".join(m["content"] for m in own)
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("Assistant:"))
        return Screen(text, [p.title for p in passages if p.title], fill.get("question", ""))

    def reply_budget(self, fill: Mapping[str, str]) -> int:
        """Tokens a reply may take: enough for the sentences asked for, within the reserve."""
        sentences = int(fill.get("max_sentences") or self.max_sentences)
        return min(self.chat.reply_tokens, SENTENCE_TOKENS * (sentences + 1))

    def answer_fill(self, question: str, history: Sequence[Turn] | None = None) -> dict[str, str]:
        return {
            "question": defang(question.strip()),
            "max_sentences": str(self.max_sentences),
            "conversation": self.conversation(history),
        }

    def passage_budget(self, template: str, fill: Mapping[str, str], slot: str = "passages") -> int:
        """Tokens left for `slot` once the system prompt, template and reply are counted."""
        empty = self.messages(template, {**fill, slot: ""})
        return self.chat.context_tokens - self.chat.reply_tokens - self.prompt_tokens(empty)

    def messages(self, template: str, fill: Mapping[str, str]) -> Messages:
        return [
            {"role": "system", "content": prompts.render("system")},
            {"role": "user", "content": prompts.render(template, **fill)},
        ]

    def prompt_tokens(self, messages: Messages) -> int:
        """Our count of a request's prompt tokens (OpenAI's chat format: ~4 per message)."""
        return sum(count_tokens(self.encoding, m["content"]) + MESSAGE_OVERHEAD for m in messages) + 3

    async def finish(
        self,
        reply: Reply | Failure,
        numbered: Mapping[int, Passage],
        extractive: Answer,
        notes: list[str],
        screen: Screen | None = None,
    ) -> Answer:
        """The checked (and, when configured, model-verified) answer from a reply, or the
        extractive one with a note: also when most of the reply was no supported claim, or what
        is left does not address the question (`echo.unusable`)."""
        if isinstance(reply, Failure):
            return fallback(extractive, reply.note, reply.usage)
        self.judge.forget()
        screen = screen or Screen()
        checked = check(reply.text, numbered, self.judge, screen)
        usage = dict(reply.usage)
        why = why_no_answer(checked, numbered, screen.question)
        if self.verify and not why:  # no request for a reply that is no answer anyway
            verified = await verify(self.chat, checked, numbered, self.judge)
            checked = verified.checked
            add_usage(usage, verified.usage)
            self.record("verify", verified.usage)
            why = why_no_answer(checked, numbered, screen.question)
        if why:
            return fallback(extractive, why, usage)
        citations = citations_for(checked, numbered)
        return Answer(
            text=defuse_mentions(checked.text),
            citations=citations,
            passages=list(numbered.values()),
            mode="llm",
            notes=notes + check_notes(checked),
            usage=usage,
        )


def why_no_answer(checked: Checked, numbered: Mapping[int, Passage], question: str) -> str:
    """Why the checked reply is no answer to show ("" when it is one): nothing cited is left,
    most of it was removed, or it does not address the question (`echo.unusable`)."""
    counted = tally(checked)
    if checked.empty:
        if checked.no_answer:
            return "The model found no answer in these passages"
        if sum(n for kind, n in counted.left_out.items() if kind != "repeat") > len(checked.dropped):
            return "The model wrote back its instructions or the passages' headers instead of an answer"
        return "The generated answer could not be tied to its sources"
    # what the answer says, and the article sentences it rests on ("exercises" for "drills")
    said = [d.text for d in checked.decisions if d.kept and d.cited]
    said += [c.quote for c in citations_for(checked, numbered)]
    return unusable(counted, said, question)


def check_notes(checked: Checked) -> list[str]:
    left_out = left_out_note(tally(checked))
    notes = [left_out] if left_out else []
    if checked.dropped:
        k = len(checked.dropped)
        plural = "s" if k > 1 else ""
        notes.append(f"Removed {k} sentence{plural} the cited articles do not support.")
    return notes
