"""The fetcher against a real HTTP server on 127.0.0.1: redirects, limits, statuses, 304s."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web

from retrieval.web.feeds import parse_feed
from retrieval.web.fetch import Fetcher
from retrieval.web.fetch_errors import (
    FetchContentTypeError,
    FetchRefused,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    FetchTooManyRedirects,
)
from retrieval.web.policy import FetchPolicy, parse_allow_list
from retrieval.web.transport import build_http_client
from tests.support.feed_samples import Item, atom, rdf10, rss20
from tests.support.http_server import Handler, LoopbackSite

PAGE = "<html><head><title>Ferry</title></head><body><p>The ferry runs.</p></body></html>"


@pytest.fixture
async def site() -> AsyncIterator[LoopbackSite]:
    async with LoopbackSite() as s:
        yield s


@pytest.fixture
async def fetcher(site: LoopbackSite) -> AsyncIterator[Fetcher]:
    policy = FetchPolicy(allow=parse_allow_list(site.host), max_bytes=5 * 1024 * 1024, timeout=2.0)
    async with build_http_client(policy) as client:
        yield Fetcher(client, policy)


async def test_fetches_an_allowed_page(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.page("/a", PAGE)
    result = await fetcher.fetch(site.url("/a"))
    assert result.status == 200
    assert result.text == PAGE
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.redirects == []


async def test_loopback_is_refused_without_the_allow_list(site: LoopbackSite) -> None:
    site.page("/a", PAGE)
    policy = FetchPolicy()
    async with build_http_client(policy) as client:
        with pytest.raises(FetchRefused, match=r"127\.0\.0\.1 is loopback"):
            await Fetcher(client, policy).fetch(site.url("/a"))
    assert site.hits == []


async def test_follows_a_redirect_chain(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.redirect("/r1", "/r2", 301)
    site.redirect("/r2", site.url("/r3"), 307)
    site.redirect("/r3", "/final", 308)
    site.page("/final", PAGE)
    result = await fetcher.fetch(site.url("/r1"))
    assert result.url == site.url("/final")
    assert result.redirects == [site.url("/r1"), site.url("/r2"), site.url("/r3")]


async def test_more_than_five_redirects_are_refused(site: LoopbackSite, fetcher: Fetcher) -> None:
    for i in range(7):
        site.redirect(f"/loop{i}", f"/loop{i + 1}")
    with pytest.raises(FetchTooManyRedirects, match="more than 5 redirects"):
        await fetcher.fetch(site.url("/loop0"))
    assert len(site.hits) == 6


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
        ("http://10.0.0.1/admin", "10.0.0.1 is private"),
        ("http://[::1]/", "::1 is loopback"),
        ("file:///etc/passwd", "not file"),
        ("http://2130706433/", "non-standard numeric address"),
    ],
)
async def test_redirect_to_a_forbidden_address_is_refused(
    site: LoopbackSite, fetcher: Fetcher, target: str, why: str
) -> None:
    site.redirect("/go", "/evil")
    site.redirect("/evil", target)
    with pytest.raises(FetchRefused) as info:
        await fetcher.fetch(site.url("/go"))
    assert info.value.url == site.url("/go")
    assert info.value.reason.startswith("redirected to ")
    assert why in info.value.reason


async def test_redirect_to_another_loopback_port_is_refused_at_connect(
    site: LoopbackSite, fetcher: Fetcher
) -> None:
    # 'localhost' is not on the allow-list: it resolves to loopback and is refused at connect.
    site.redirect("/go", f"http://localhost:{site.port}/a")
    site.page("/a", PAGE)
    with pytest.raises(FetchRefused, match=r"localhost resolves to .*loopback"):
        await fetcher.fetch(site.url("/go"))
    assert [h.path for h in site.hits] == ["/go"]


@pytest.mark.parametrize("declare", [False, True])
async def test_a_10_mb_page_is_refused(site: LoopbackSite, fetcher: Fetcher, declare: bool) -> None:
    site.big("/big", 10 * 1024 * 1024, declare_length=declare)
    with pytest.raises(FetchTooLarge, match=r"5\.0 MB limit"):
        await fetcher.fetch(site.url("/big"))


async def test_a_slow_endpoint_times_out(site: LoopbackSite) -> None:
    site.slow("/slow", 5.0)
    policy = FetchPolicy(allow=parse_allow_list(site.host), timeout=0.3)
    async with build_http_client(policy) as client:
        with pytest.raises(FetchTimeout):
            await Fetcher(client, policy).fetch(site.url("/slow"))


@pytest.mark.parametrize("status", [404, 500, 403])
async def test_error_statuses(site: LoopbackSite, fetcher: Fetcher, status: int) -> None:
    site.status("/x", status)
    with pytest.raises(FetchStatusError, match=f"HTTP {status}") as info:
        await fetcher.fetch(site.url("/x"))
    assert info.value.status == status


async def test_other_content_types_are_refused(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.page("/img", b"\x89PNG....", content_type="image/png")
    with pytest.raises(FetchContentTypeError, match="image/png is not a web page"):
        await fetcher.fetch(site.url("/img"))


@pytest.mark.parametrize(
    ("content_type", "xml", "version"),
    [
        ("application/x-rss+xml", rss20, "rss20"),  # what Python's http.server sends for .rss
        ("application/x-atom+xml", atom, "atom10"),
        ("application/rdf+xml", rdf10, "rss10"),
    ],
)
async def test_feeds_under_their_older_content_types_are_read(
    site: LoopbackSite, fetcher: Fetcher, content_type: str, xml: Callable[..., str], version: str
) -> None:
    site.feed(
        "/feed",
        xml("Harbour News", [Item("1", "Ferry", "http://example.test/1", "Boats.")]),
        content_type=content_type,
    )
    result = await fetcher.fetch(site.url("/feed"), kind="feed")
    assert result.content_type == content_type
    parsed = parse_feed(result.content, result.url, result.content_type)
    assert (parsed.title, parsed.version, [e.title for e in parsed.entries]) == (
        "Harbour News",
        version,
        ["Ferry"],
    )


async def test_conditional_get_answers_304(site: LoopbackSite, fetcher: Fetcher) -> None:
    site.feed(
        "/rss",
        "<rss version='2.0'><channel/></rss>",
        etag='"v1"',
        last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
    )
    first = await fetcher.fetch(site.url("/rss"), kind="feed")
    assert first.status == 200 and first.etag == '"v1"'
    second = await fetcher.fetch(
        site.url("/rss"), kind="feed", etag=first.etag, last_modified=first.last_modified
    )
    assert second.not_modified and second.content == b""
    assert site.hits_for("/rss")[1].headers["If-None-Match"] == '"v1"'


async def test_gzip_bodies_count_against_the_cap_after_decoding(site: LoopbackSite) -> None:
    import gzip

    bomb = gzip.compress(b"<p>" + b"a" * (3 * 1024 * 1024) + b"</p>")
    site.page("/gz", bomb)
    site.routes["/gz"] = _gzip_handler(bomb)
    policy = FetchPolicy(allow=parse_allow_list(site.host), max_bytes=1024 * 1024)
    async with build_http_client(policy) as client:
        with pytest.raises(FetchTooLarge):
            await Fetcher(client, policy).fetch(site.url("/gz"))


def _gzip_handler(body: bytes) -> Handler:

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})

    return handler


def test_env_proxies_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    client = build_http_client(FetchPolicy())
    assert client.trust_env is False
    assert isinstance(client._transport, httpx.AsyncHTTPTransport)
