"""A scripted OpenAI-compatible server on 127.0.0.1 (aiohttp), for testing the LLM path.

Each test queues the replies it wants, in order; every POST /v1/chat/completions takes the
next one and answers in the real wire format: a JSON `chat.completion` when the request
has `"stream": false`, server-sent `chat.completion.chunk` events ending in `[DONE]` when it
has `"stream": true`. The requests received are kept in `server.requests` (parsed JSON).

    async with FakeOpenAI() as server:
        server.queue(Reply.text("Valk said the drills were routine [1]."))
        client = AsyncOpenAI(api_key="test", base_url=server.base_url, max_retries=0)
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = "application/json"


@dataclass
class Reply:
    """One scripted answer. Build it with the class methods below."""

    kind: str  # "text" | "error" | "raw" | "cut" | "hang"
    content: str = ""
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    usage: dict[str, int] | None = None
    chunk_chars: int = 8  # streaming: characters per delta
    finish_reason: str | None = "stop"
    respond: Callable[[dict[str, Any]], Reply] | None = None
    stream_usage: bool = True  # False: a streamed reply carries no usage (llama-cpp-python)

    @classmethod
    def text(cls, content: str, usage: dict[str, int] | None = None, chunk_chars: int = 8) -> Reply:
        """A normal completion: JSON, or SSE when the request streams."""
        return cls("text", content=content, usage=usage, chunk_chars=chunk_chars)

    @classmethod
    def error(
        cls, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        err = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
        return cls("error", status=status, body=json.dumps({"error": err}), headers=headers or {})

    @classmethod
    def rate_limited(cls, retry_after: str = "0") -> Reply:
        return cls.error(
            429,
            "Rate limit reached for requests",
            code="rate_limit_exceeded",
            headers={"retry-after": retry_after},
        )

    @classmethod
    def context_too_long(cls) -> Reply:
        return cls.error(
            400,
            "This model's maximum context length is 4096 tokens. However, your messages "
            "resulted in 9000 tokens. Please reduce the length of the messages.",
            code="context_length_exceeded",
        )

    @classmethod
    def raw(cls, body: str, status: int = 200, content_type: str = JSON) -> Reply:
        """Send `body` as it is (bad JSON, wrong shape…), also to streaming requests."""
        return cls("raw", body=body, status=status, headers={"Content-Type": content_type})

    @classmethod
    def cut(cls, content: str) -> Reply:
        """Stream `content` then drop the connection: no finish_reason, no [DONE]."""
        return cls("cut", content=content, finish_reason=None)

    @classmethod
    def dynamic(cls, respond: Callable[[dict[str, Any]], Reply]) -> Reply:
        """Decide from the request body (e.g. cite the passage that mentions a word)."""
        return cls("dynamic", respond=respond)

    @classmethod
    def hang(cls) -> Reply:
        """Never answer (until the server shuts down): for client timeouts."""
        return cls("hang")


class FakeOpenAI:
    """The loopback server. Use as `async with FakeOpenAI() as server:`."""

    def __init__(self, model: str = "fake-model") -> None:
        self.model = model
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self._stop = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    async def __aenter__(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if not self.replies:
            return _json_response(500, json.dumps({"error": {"message": "no reply scripted"}}))
        reply = self.replies.pop(0)
        if reply.respond is not None:
            reply = reply.respond(body)
        if reply.kind == "hang":
            await self._stop.wait()
            return _json_response(500, "{}")
        if reply.kind == "error":
            return _json_response(reply.status, reply.body, reply.headers)
        if reply.kind == "raw":
            return web.Response(status=reply.status, body=reply.body.encode(), headers=reply.headers)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return await self._stream(request, reply, include_usage)
        return _json_response(200, json.dumps(self._completion(reply)))

    def _completion(self, reply: Reply) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": reply.usage or _usage(reply.content),
        }

    async def _stream(self, request: web.Request, reply: Reply, include_usage: bool) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(self._event({"role": "assistant", "content": ""}, None))
        text = reply.content
        for i in range(0, len(text), reply.chunk_chars):
            await resp.write(self._event({"content": text[i : i + reply.chunk_chars]}, None))
        if reply.kind == "cut":
            assert request.transport is not None
            request.transport.close()  # mid-stream: no final chunk, no [DONE]
            return resp
        await resp.write(self._event({}, reply.finish_reason))
        if include_usage and reply.stream_usage:
            chunk = self._chunk([], usage=reply.usage or _usage(text))
            await resp.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    def _event(self, delta: dict[str, Any], finish: str | None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return b"data: " + json.dumps(self._chunk([choice])).encode() + b"\n\n"

    def _chunk(self, choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": choices,
            "usage": usage,
        }


def _usage(content: str) -> dict[str, int]:
    completion = max(1, len(content) // 4)
    return {"prompt_tokens": 100, "completion_tokens": completion, "total_tokens": 100 + completion}


def _json_response(status: int, body: str, headers: dict[str, str] | None = None) -> web.Response:
    # Content-Type exactly application/json (aiohttp's json_response adds a charset).
    return web.Response(status=status, body=body.encode(), headers={"Content-Type": JSON, **(headers or {})})


class ThreadedFakeOpenAI:
    """The same server on its own event loop in a thread, for synchronous callers (the CLI,
    which runs its own `asyncio.run`). `with ThreadedFakeOpenAI() as server: ...`"""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = FakeOpenAI()

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.__aenter__(), self.loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.__aexit__(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
