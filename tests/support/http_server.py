"""A real HTTP server on 127.0.0.1 for the web-fetching tests (aiohttp), with scripted routes.

    async with LoopbackSite() as site:
        site.page("/a", "<html>…</html>")
        site.feed("/rss", rss_xml, etag='"v1"')
        site.redirect("/r1", "/r2")
        url = site.url("/a")

Every request is logged in `site.hits` as (path, headers) so tests can assert what was asked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_SLOW_SECONDS = 10.0  # a slow route never holds a handler longer than this


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


@dataclass
class LoopbackSite:
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> LoopbackSite:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackSite:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs
        self.hits.append(Hit(request.path, dict(request.headers)))
        handler = self.routes.get(path) or self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)

    # ------------------------------------------------------------------ routes
    def page(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """A static answer; with `etag`/`last_modified` it honours conditional GET (304)."""
        data = body.encode("utf-8") if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.StreamResponse:
            headers: dict[str, str] = {}
            if etag:
                headers["ETag"] = etag
            if last_modified:
                headers["Last-Modified"] = last_modified
            if (etag and request.headers.get("If-None-Match") == etag) or (
                last_modified and request.headers.get("If-Modified-Since") == last_modified
            ):
                return web.Response(status=304, headers=headers)
            headers["Content-Type"] = content_type
            return web.Response(status=status, body=data, headers=headers)

        self.routes[path] = handler

    def feed(self, path: str, xml: str, **kwargs: object) -> None:
        kwargs.setdefault("content_type", "application/rss+xml; charset=utf-8")
        self.page(path, xml, **kwargs)  # type: ignore[arg-type]

    def status(self, path: str, status: int) -> None:
        self.page(path, f"HTTP {status}", content_type="text/plain", status=status)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": location})

        self.routes[path] = handler

    def slow(self, path: str, seconds: float, body: str = "<html>late</html>") -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(min(seconds, MAX_SLOW_SECONDS))
            return web.Response(body=body.encode(), content_type="text/html")

        self.routes[path] = handler

    def big(self, path: str, size: int, declare_length: bool = False) -> None:
        """`size` bytes of HTML, streamed in 64 KiB pieces (chunked unless `declare_length`)."""

        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            if declare_length:
                response.content_length = size
            await response.prepare(request)
            piece = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
            sent = 0
            try:
                while sent < size:
                    n = min(len(piece), size - sent)
                    await response.write(piece[:n])
                    sent += n
            except ConnectionResetError:
                pass  # the client hung up, as it should
            return response

        self.routes[path] = handler


@contextmanager
def site_in_thread() -> Iterator[LoopbackSite]:
    """A LoopbackSite on its own event loop in a thread, for code that calls asyncio.run itself
    (the CLI). Routes may be added from the test thread."""
    loop = asyncio.new_event_loop()
    site = LoopbackSite()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(site.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="loopback-site", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the loopback site did not start")
    try:
        yield site
    finally:
        asyncio.run_coroutine_threadsafe(site.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
