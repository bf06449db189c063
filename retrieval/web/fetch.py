"""Fetch web pages and feeds safely: the fetcher faces the open internet.

The rules are kept in three places: which URLs and addresses may be fetched (`policy.py`),
the connection that resolves and checks the host itself (`transport.py`), and here the
requests, redirects and responses; `fetch_errors.py` has the errors.

Every refusal raises a `FetchError` subclass whose message says why, in words a user can act on.

Safety rules, in the order they are applied:

1. The URL: only http/https, no credentials in it, a host that is a name or a standard
   dotted-quad/IPv6 address (decimal, octal and hex spellings like `2130706433` or `0177.1`
   are refused: they are how SSRF filters get fooled).
2. The address: the host is resolved *at connect time* by our own network backend, every
   address it resolves to must be public (no loopback, private, link-local incl.
   169.254.169.254, multicast, reserved, unspecified, shared, IPv4-mapped tricks), and the
   socket is opened to the very address that was checked, so DNS rebinding cannot slip a
   second answer in. Redirects are followed by hand (≤ 5) and each hop is checked again.
   `NEWSDESK_FETCH_ALLOW` lists `host:port` pairs exempt from the address rule (tests,
   intranets).
3. The response: status, content type (HTML, XML feeds, plain text), and size (streamed,
   refused past the cap, compressed or not), all within one overall deadline.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Literal

import httpx

from retrieval.web.fetch_errors import (
    FetchContentTypeError,
    FetchError,
    FetchNetworkError,
    FetchRefused,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    FetchTooManyRedirects,
)
from retrieval.web.policy import FetchPolicy, check_url

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",  # Python's http.server and some older servers
        "application/x-atom+xml",
        "application/xml",
        "text/xml",
    }
)
TEXT_TYPES = frozenset({"text/plain"})

Kind = Literal["page", "feed"]
# What each kind of fetch accepts. A feed URL may answer text/html: we accept it so the feed
# layer can say "this is a web page, not a feed" (and point at the page's feed link).
ACCEPTED_TYPES: dict[str, frozenset[str]] = {
    "page": HTML_TYPES | TEXT_TYPES | FEED_TYPES,
    "feed": FEED_TYPES | TEXT_TYPES | HTML_TYPES,
}
ACCEPT_HEADER: dict[str, str] = {
    "page": "text/html,application/xhtml+xml,text/plain;q=0.8,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
}


@dataclass
class FetchResult:
    url: str  # the final URL, after redirects
    status: int
    content: bytes
    content_type: str  # media type without parameters, lower case ("" if absent)
    charset: str | None
    etag: str | None
    last_modified: str | None
    redirects: list[str] = field(default_factory=list)  # the URLs that redirected, in order

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def text(self) -> str:
        for encoding in (self.charset, "utf-8"):
            if encoding:
                try:
                    return self.content.decode(encoding)
                except (LookupError, UnicodeDecodeError):
                    continue
        return self.content.decode("utf-8", errors="replace")


def _media_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media, _, params = header.partition(";")
    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", params, re.IGNORECASE)
    return media.strip().lower(), (m.group(1) if m else None)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class Fetcher:
    """Fetches one URL at a time under a `FetchPolicy`, with a client built by build_http_client."""

    def __init__(self, client: httpx.AsyncClient, policy: FetchPolicy) -> None:
        self.client = client
        self.policy = policy

    async def fetch(
        self,
        url: str,
        kind: Kind = "page",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET `url` following ≤ 5 vetted redirects; 304 comes back as a result (`not_modified`)."""
        try:
            async with asyncio.timeout(self.policy.timeout):
                return await self._fetch(url, kind, etag, last_modified)
        except TimeoutError:
            raise FetchTimeout(url, f"no complete answer within {self.policy.timeout:g} s") from None

    async def _fetch(self, url: str, kind: Kind, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {"Accept": ACCEPT_HEADER[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = check_url(url, self.policy)
        redirects: list[str] = []
        while True:
            request = self.client.build_request("GET", current, headers=headers)
            try:
                response = await self.client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchTimeout(str(current), "the server did not answer in time") from None
            except FetchError as exc:  # raised at connect time by GuardedBackend
                where = str(current) if not redirects else f"{url} (redirected to {current})"
                raise type(exc)(where, exc.reason) from None
            except httpx.HTTPError as exc:
                raise FetchNetworkError(str(current), f"connection failed ({exc})") from None
            try:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchNetworkError(str(current), "a redirect without a Location")
                    redirects.append(str(current))
                    if len(redirects) > self.policy.max_redirects:
                        raise FetchTooManyRedirects(url, f"more than {self.policy.max_redirects} redirects")
                    try:
                        target = current.join(location)
                    except httpx.InvalidURL as exc:
                        raise FetchRefused(location, f"bad redirect target ({exc})") from None
                    try:
                        current = check_url(target, self.policy)
                    except FetchRefused as exc:
                        raise FetchRefused(url, f"redirected to {target}, refused: {exc.reason}") from None
                    continue
                return await self._read(response, kind, redirects)
            finally:
                await response.aclose()

    async def _read(self, response: httpx.Response, kind: Kind, redirects: list[str]) -> FetchResult:
        url = str(response.url)
        media, charset = _media_type(response.headers.get("content-type"))
        result = FetchResult(
            url=url,
            status=response.status_code,
            content=b"",
            content_type=media,
            charset=charset,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            redirects=redirects,
        )
        if response.status_code == 304:
            return result
        if response.status_code >= 400 or response.status_code < 200:
            raise FetchStatusError(url, response.status_code)
        if media and media not in ACCEPTED_TYPES[kind]:
            raise FetchContentTypeError(url, f"the content type {media} is not a web page, a feed or text")
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchTooLarge(
                url,
                f"the response is {_megabytes(int(declared))}, over the {_megabytes(cap)} limit",
            )
        body = bytearray()
        try:
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > cap:
                    raise FetchTooLarge(
                        url, f"the response is larger than the {_megabytes(cap)} limit; cut off"
                    )
        except httpx.TimeoutException:
            raise FetchTimeout(url, "the server stopped sending the body") from None
        except httpx.HTTPError as exc:
            raise FetchNetworkError(url, f"the download failed ({exc})") from None
        result.content = bytes(body)
        return result
