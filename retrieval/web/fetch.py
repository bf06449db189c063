"""Fetch web pages and feeds safely: the fetcher faces the open internet.

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
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import httpcore
import httpx

from retrieval.errors import NewsdeskError

USER_AGENT = "newsdesk/0.1 (news reader; +https://github.com/newsdesk)"
MAX_REDIRECTS = 5
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

Resolver = Callable[[str, int], Awaitable[list[str]]]


# ----------------------------------------------------------------------------- errors


class FetchError(NewsdeskError):
    """A URL could not be fetched; `str(err)` says which URL and why."""

    kind = "error"

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class FetchRefused(FetchError):
    """Refused by policy before or at connect time (scheme, credentials, forbidden address)."""

    kind = "refused"


class FetchTooLarge(FetchError):
    kind = "too-large"


class FetchTimeout(FetchError):
    kind = "timeout"


class FetchTooManyRedirects(FetchError):
    kind = "redirects"


class FetchStatusError(FetchError):
    """The server answered with an HTTP error status."""

    kind = "http-status"

    def __init__(self, url: str, status: int) -> None:
        self.status = status
        super().__init__(url, f"the server answered HTTP {status}")


class FetchContentTypeError(FetchError):
    kind = "content-type"


class FetchNetworkError(FetchError):
    kind = "network"


# ----------------------------------------------------------------------------- policy


def address_problem(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an IP address must not be fetched ("loopback", "private", ...), or None if public."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "scoped (link-local)"
        for embedded in (ip.ipv4_mapped, ip.sixtofour, _nat64(ip)):
            if embedded is not None:
                inner = address_problem(embedded)
                if inner:
                    return f"{inner} (IPv4 inside an IPv6 address)"
        if ip.teredo is not None:
            return "Teredo tunnel"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("not globally routable", not ip.is_global),
    )
    for name, hit in checks:
        if hit:
            return name
    return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _nat64(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def parse_allow_list(text: str | Iterable[str]) -> frozenset[tuple[str, int]]:
    """`"localhost:8080, [::1]:8443"` → {("localhost", 8080), ("::1", 8443)}; bad entries raise."""
    items = text.split(",") if isinstance(text, str) else list(text)
    allowed: set[tuple[str, int]] = set()
    for raw in items:
        entry = raw.strip()
        if not entry:
            continue
        m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\s\[\]]+):(\d{1,5})", entry)
        if not m:
            raise NewsdeskError(
                f"NEWSDESK_FETCH_ALLOW entry {entry!r} is not host:port (e.g. intranet.local:443)"
            )
        host = (m.group(1) or m.group(3)).lower().rstrip(".")
        allowed.add((host, int(m.group(2) or m.group(4))))
    return frozenset(allowed)


async def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver gives for `host` (IPv4 and IPv6)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class FetchPolicy:
    """What the fetcher may do. Build it once (from settings) and share it."""

    allow: frozenset[tuple[str, int]] = frozenset()
    max_bytes: int = 5 * 1024 * 1024
    timeout: float = 15.0
    max_redirects: int = MAX_REDIRECTS
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_settings(cls, settings: object, resolver: Resolver | None = None) -> FetchPolicy:
        return cls(
            allow=parse_allow_list(str(getattr(settings, "fetch_allow", "") or "")),
            max_bytes=int(getattr(settings, "fetch_max_bytes", 5 * 1024 * 1024)),
            timeout=float(getattr(settings, "fetch_timeout", 15.0)),
            resolver=resolver or system_resolver,
        )

    def allows(self, host: str, port: int) -> bool:
        return (host.lower().rstrip("."), port) in self.allow


_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|\d+)", re.IGNORECASE)


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(url: str | httpx.URL, policy: FetchPolicy) -> httpx.URL:
    """Parse and vet a URL before any connection; raises FetchRefused with the reason."""
    text = str(url).strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchRefused(text, f"not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        shown = parsed.scheme or "(none)"
        raise FetchRefused(text, f"only http and https URLs are fetched, not {shown}")
    if parsed.userinfo:
        raise FetchRefused(text, "URLs with a user name or password in them are refused")
    host = parsed.host.lower().rstrip(".")
    if not host:
        raise FetchRefused(text, "the URL has no host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if policy.allows(host, port):
        return parsed
    ip = _ip_literal(host)
    if ip is None and _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        # WHATWG and libc read "2130706433", "0177.0.0.1" and "0x7f.1" as IPv4 addresses.
        raise FetchRefused(text, f"the host {host!r} is a non-standard numeric address; write it as a.b.c.d")
    if ip is not None:
        problem = address_problem(ip)
        if problem:
            raise FetchRefused(text, f"the address {ip} is {problem}; refusing to fetch it")
    return parsed


# ----------------------------------------------------------------------------- transport


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses forbidden addresses, connects to the checked address.

    Because the socket goes to the exact address that was checked, a DNS answer that changes
    between check and connect (rebinding) has nothing to change.
    """

    def __init__(self, policy: FetchPolicy, inner: httpcore.AsyncNetworkBackend | None = None):
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = f"{host}:{port}"
        if self.policy.allows(host, port):
            addresses = [host]
        else:
            literal = _ip_literal(host)
            if literal is not None:
                addresses = [str(literal)]
            else:
                try:
                    addresses = await self.policy.resolver(host, port)
                except OSError as exc:
                    raise FetchNetworkError(target, f"cannot resolve the host ({exc})") from None
                if not addresses:
                    raise FetchNetworkError(target, "the host has no address")
            for address in addresses:
                problem = address_problem(address)
                if problem:
                    raise FetchRefused(target, f"{host} resolves to {address}, which is {problem}; refusing")
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchRefused(path, "unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool built on `GuardedBackend`."""

    def __init__(
        self,
        policy: FetchPolicy,
        limits: httpx.Limits,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, inner),
        )


def build_http_client(
    policy: FetchPolicy,
    max_connections: int = 20,
    inner_backend: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncClient:
    """The one HTTP client for web fetching: guarded transport, no env proxies, no redirects."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=10)
    return httpx.AsyncClient(
        transport=GuardedTransport(policy, limits, inner_backend),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(policy.timeout),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
    )


# ----------------------------------------------------------------------------- fetching


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
