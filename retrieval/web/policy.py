"""Which URLs and addresses the fetcher may reach (rules 1 and 2 of `fetch.py`).

A URL: only http/https, no credentials in it, a host that is a name or a standard dotted-quad
or IPv6 address (decimal, octal and hex spellings are how SSRF filters get fooled). An address:
public only (no loopback, private, link-local, multicast, reserved, unspecified, shared, or an
IPv4 address hidden in an IPv6 one), unless `NEWSDESK_FETCH_ALLOW` lists its `host:port`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpx

from retrieval.errors import NewsdeskError
from retrieval.web.fetch_errors import FetchRefused

MAX_REDIRECTS = 5

Resolver = Callable[[str, int], Awaitable[list[str]]]


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


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
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
    ip = ip_literal(host)
    if ip is None and _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        # WHATWG and libc read "2130706433", "0177.0.0.1" and "0x7f.1" as IPv4 addresses.
        raise FetchRefused(text, f"the host {host!r} is a non-standard numeric address; write it as a.b.c.d")
    if ip is not None:
        problem = address_problem(ip)
        if problem:
            raise FetchRefused(text, f"the address {ip} is {problem}; refusing to fetch it")
    return parsed
