"""Calling an OpenAI-compatible chat endpoint with bounded retries.

`Chat.run(build, stream=...)` is an async generator: while streaming it yields the reply
text so far (a fresh draft after each delta; a retry starts a new draft from ""), and its
last item is always a `Reply` (success) or a `Failure` (retries spent or a fatal error).
It never raises for endpoint trouble and never waits beyond its bounds.

Retried, with exponential back-off (or the server's Retry-After, capped): timeouts,
connection errors and cut streams, 429, 5xx, unparseable or empty replies. When the
server says the context is too long, the next attempt is built with half the budget:
`build(budget)` returns the messages for a given passage budget in tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import openai
from openai import AsyncOpenAI

from retrieval.settings import Settings
from retrieval.text.safety import clean_untrusted

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]

_CONTEXT = re.compile(
    r"context[ _](length|size|window)|maximum context|too many tokens|prompt is too long"
    r"|exceeds? the (available )?context",
    re.IGNORECASE,
)

NOTES = {
    "timeout": "The model did not answer in time",
    "connection": "The model server could not be reached or cut its reply",
    "rate_limit": "The model server is busy (rate limited)",
    "server": "The model server had an error",
    "bad_reply": "The model's reply could not be read",
    "empty": "The model sent an empty reply",
    "context": "The passages did not fit in the model's context",
    "refused": "The model server refused the request (check OPENAI_API_KEY, "
    "OPENAI_BASE_URL and NEWSDESK_LLM_MODEL)",
}


def build_client(settings: Settings) -> AsyncOpenAI:
    """The one AsyncOpenAI client, built at start-up; retries are ours, not the SDK's."""
    return AsyncOpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url or None,
        timeout=settings.llm_timeout,
        max_retries=0,
    )


@dataclass
class Reply:
    text: str
    usage: dict[str, int] = field(default_factory=dict)
    attempts: int = 1


@dataclass
class Failure:
    reason: str  # a key of NOTES
    usage: dict[str, int] = field(default_factory=dict)
    attempts: int = 0

    @property
    def note(self) -> str:
        return NOTES.get(self.reason, "The model failed")


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Fatal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def add_usage(total: dict[str, int], usage: dict[str, int]) -> None:
    for key, value in usage.items():
        total[key] = total.get(key, 0) + value


@dataclass
class Chat:
    """One model on one endpoint, with the retry policy. Build once, share freely."""

    client: AsyncOpenAI
    model: str
    reply_tokens: int = 800
    context_tokens: int = 16000
    timeout: float = 60.0
    attempts: int = 3
    backoff: float = 1.0  # first delay in seconds; doubles per retry
    max_backoff: float = 8.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # tokens in a text, for a server that streams no usage (llama-cpp-python ignores
    # stream_options.include_usage): then the request's usage is our own count
    counter: Callable[[str], int] | None = None

    @classmethod
    def from_settings(cls, client: AsyncOpenAI, settings: Settings, **kw: Any) -> Chat:
        return cls(
            client=client,
            model=settings.llm_model,
            reply_tokens=settings.llm_reply_tokens,
            context_tokens=settings.llm_context_tokens,
            timeout=settings.llm_timeout,
            **kw,
        )

    async def complete(
        self,
        build: Callable[[int], Messages],
        budget: int,
        max_tokens: int | None = None,
        stop: Sequence[str] = (),
    ) -> Reply | Failure:
        """Non-streaming: the final `Reply` or `Failure`."""
        result: Reply | Failure = Failure("empty")
        async for item in self.run(build, budget, stream=False, max_tokens=max_tokens, stop=stop):
            if not isinstance(item, str):
                result = item
        return result

    async def run(
        self,
        build: Callable[[int], Messages],
        budget: int,
        stream: bool = True,
        max_tokens: int | None = None,
        stop: Sequence[str] = (),
    ) -> AsyncIterator[str | Reply | Failure]:
        """`max_tokens`: the reply's budget (default `reply_tokens`); `stop`: where the server
        cuts the reply (at most four, as OpenAI allows)."""
        usage: dict[str, int] = {}
        options: dict[str, Any] = {"max_tokens": max_tokens or self.reply_tokens, "temperature": 0.1}
        if stop:
            options["stop"] = list(stop)[:4]
        reason = "empty"
        for attempt in range(1, self.attempts + 1):
            messages = build(budget)
            try:
                if stream:
                    text = ""
                    async for item in self._stream_once(messages, options, usage):
                        text = item
                        yield text
                else:
                    text = await self._complete_once(messages, options, usage)
                if not text.strip():
                    raise _Retry("empty")
                if stream and not usage.get("completion_tokens"):
                    self._count(messages, text, usage)
                yield Reply(text=text, usage=usage, attempts=attempt)
                return
            except _Fatal as err:
                reason = err.reason
                log.warning("LLM request failed: %s", reason)
                break
            except _Retry as err:
                reason = err.reason
                log.warning("LLM attempt %d/%d failed: %s", attempt, self.attempts, reason)
                if reason == "context":
                    budget //= 2
                    if budget < 64:
                        break
                if attempt < self.attempts:
                    await self.sleep(self._delay(attempt, err.retry_after))
        yield Failure(reason=reason, usage=usage, attempts=attempt)

    def _count(self, messages: Messages, text: str, usage: dict[str, int]) -> None:
        """Our own count of a streamed request's tokens (tiktoken, ~4 a message), when the
        server sent none: what `newsdesk stats` and the benchmarks then show."""
        if self.counter is None:
            return
        prompt = sum(self.counter(m["content"]) + 4 for m in messages) + 3
        add_usage(usage, {"prompt_tokens": prompt, "completion_tokens": self.counter(text)})
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_backoff))
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))

    async def _complete_once(self, messages: Messages, options: dict[str, Any], usage: dict[str, int]) -> str:
        try:
            completion = await self.client.chat.completions.create(
                model=self.model, messages=cast(Any, messages), **options
            )
        except json.JSONDecodeError as err:
            raise _Retry("bad_reply") from err
        except openai.OpenAIError as err:
            raise _classify(err) from err
        if completion.usage is not None:
            add_usage(usage, _usage_dict(completion.usage))
        choices = getattr(completion, "choices", None)
        if not choices:
            raise _Retry("bad_reply")
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        if not isinstance(content, str):
            raise _Retry("bad_reply")
        return clean_untrusted(content)  # a model's reply is text from outside

    async def _stream_once(
        self, messages: Messages, options: dict[str, Any], usage: dict[str, int]
    ) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout * 2  # a trickling stream still ends
        text = ""
        finished = False
        try:
            stream = await self.client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),
                **options,
                stream=True,
                stream_options={"include_usage": True},
            )
            async with stream:
                async for chunk in stream:
                    if getattr(chunk, "usage", None) is not None:
                        add_usage(usage, _usage_dict(chunk.usage))
                    for choice in chunk.choices or []:
                        delta = choice.delta.content if choice.delta else None
                        if delta:
                            text += delta
                            yield clean_untrusted(text)  # a model's reply is text from outside
                        if choice.finish_reason:
                            finished = True
                    if loop.time() > deadline:
                        raise _Retry("timeout")
        except json.JSONDecodeError as err:
            raise _Retry("bad_reply") from err
        except openai.OpenAIError as err:
            raise _classify(err) from err
        if text and not finished:
            raise _Retry("connection")  # the stream ended without a finish_reason: cut
        if not usage.get("completion_tokens") and text:
            log.debug("endpoint sent no usage for a streamed reply; counting it ourselves")


def _usage_dict(usage: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = getattr(usage, key, None)
        if isinstance(value, int):
            out[key] = value
    return out


def _classify(err: openai.OpenAIError) -> Exception:
    if isinstance(err, openai.APITimeoutError):
        return _Retry("timeout")
    if isinstance(err, openai.APIConnectionError):
        return _Retry("connection")
    if isinstance(err, openai.APIResponseValidationError):
        return _Retry("bad_reply")
    if isinstance(err, openai.APIStatusError):
        status = err.status_code
        code = str(getattr(err, "code", "") or "")
        if status == 429:
            return _Retry("rate_limit", _retry_after(err))
        if status >= 500:
            return _Retry("server", _retry_after(err))
        if code == "context_length_exceeded" or _CONTEXT.search(str(err.message)):
            return _Retry("context")
        return _Fatal("refused")
    return _Retry("bad_reply")


def _retry_after(err: openai.APIStatusError) -> float | None:
    value = err.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
