"""SSRF rules of the fetcher, without sending a packet: URL vetting and the connect-time check."""

from __future__ import annotations

from collections.abc import Iterable

import httpcore
import pytest

from retrieval.errors import NewsdeskError
from retrieval.web.fetch import Fetcher
from retrieval.web.fetch_errors import FetchNetworkError, FetchRefused
from retrieval.web.policy import FetchPolicy, address_problem, check_url, parse_allow_list
from retrieval.web.transport import build_http_client

REFUSED = [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.0.0.1:8080/admin", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://10.0.0.1/", "private"),
    ("http://10.255.1.2/x", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.255/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback (IPv4 inside an IPv6 address)"),
    ("http://[::ffff:169.254.169.254]/", "link-local (IPv4 inside an IPv6 address)"),
    ("http://[64:ff9b::7f00:1]/", "loopback (IPv4 inside an IPv6 address)"),
    ("http://[2002:7f00:1::]/", "loopback (IPv4 inside an IPv6 address)"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://100.64.0.1/", "not globally routable"),
    ("file:///etc/passwd", "only http and https URLs are fetched, not file"),
    ("ftp://example.com/pub", "only http and https URLs are fetched, not ftp"),
    ("gopher://example.com/", "only http and https URLs are fetched, not gopher"),
    ("javascript:alert(1)", "only http and https URLs are fetched"),
    ("http://user:secret@example.com/", "user name or password"),
    ("http://example.com@127.0.0.1/", "user name or password"),
    ("http://example.com%40@127.0.0.1/", "user name or password"),
    ("http://2130706433/", "non-standard numeric address"),
    ("http://0x7f000001/", "non-standard numeric address"),
    ("http://0x7f.0.0.1/", "non-standard numeric address"),
    ("http://127.1/", "non-standard numeric address"),
    ("http://017700000001/", "non-standard numeric address"),
    ("http://0177.0.0.1/", "not a valid URL"),
    ("http:///nohost", "no host"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused_urls_say_why(url: str, reason: str) -> None:
    with pytest.raises(FetchRefused) as info:
        check_url(url, FetchPolicy())
    assert reason in info.value.reason
    assert isinstance(info.value, NewsdeskError)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/news/1",
        "http://93.184.216.34/a",
        "https://[2606:4700::1]/",
        "http://news.example.org:8080/",
    ],
)
def test_public_urls_pass_the_url_check(url: str) -> None:
    assert str(check_url(url, FetchPolicy())).startswith(url.split("/")[0])


def test_allow_list_exempts_exact_host_and_port_only() -> None:
    policy = FetchPolicy(allow=parse_allow_list("127.0.0.1:8080, intranet.local:443, [::1]:9000"))
    assert check_url("http://127.0.0.1:8080/x", policy)
    assert check_url("https://intranet.local/", policy)
    assert check_url("http://[::1]:9000/", policy)
    with pytest.raises(FetchRefused):
        check_url("http://127.0.0.1:8081/x", policy)
    with pytest.raises(FetchRefused, match="user name"):
        check_url("http://a@127.0.0.1:8080/x", policy)  # credentials are refused even when allowed


def test_bad_allow_list_entry_is_a_clear_error() -> None:
    with pytest.raises(NewsdeskError, match="not host:port"):
        parse_allow_list("localhost")


def test_address_problem_public_addresses() -> None:
    assert address_problem("93.184.216.34") is None
    assert address_problem("2606:4700::1") is None
    assert address_problem("8.8.8.8") is None


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for the network: records where a socket would go, then fails to connect."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        raise httpcore.ConnectError("test network: no route")

    async def sleep(self, seconds: float) -> None:
        return None


class FakeDNS:
    """A resolver with scripted answers, one list per call (the last one repeats)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        script = self.answers[host]
        n = sum(1 for c in self.calls if c == host) - 1
        return script[min(n, len(script) - 1)]


async def _fetch(policy: FetchPolicy, url: str, backend: RecordingBackend) -> None:
    async with build_http_client(policy, inner_backend=backend) as client:
        await Fetcher(client, policy).fetch(url)


async def test_names_resolving_to_private_addresses_are_refused_before_connecting() -> None:
    dns = FakeDNS(
        {
            "evil.test": [["10.0.0.5"]],
            "mixed.test": [["93.184.216.34", "127.0.0.1"]],
            "meta.test": [["169.254.169.254"]],
            "six.test": [["::1"]],
        }
    )
    backend = RecordingBackend()
    policy = FetchPolicy(resolver=dns)
    for host, why in [
        ("evil.test", "10.0.0.5, which is private"),
        ("mixed.test", "127.0.0.1, which is loopback"),
        ("meta.test", "169.254.169.254, which is link-local"),
        ("six.test", "::1, which is loopback"),
    ]:
        with pytest.raises(FetchRefused) as info:
            await _fetch(policy, f"http://{host}/story", backend)
        assert why in info.value.reason
        assert info.value.url == f"http://{host}/story"
    assert backend.connects == []


async def test_socket_goes_to_the_checked_address_so_rebinding_cannot_switch_it() -> None:
    # First answer public, every later answer loopback: a classic rebinding server.
    dns = FakeDNS({"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    backend = RecordingBackend()
    policy = FetchPolicy(resolver=dns)
    with pytest.raises(FetchNetworkError):
        await _fetch(policy, "http://rebind.test/a", backend)
    # one resolution for the connection, and the socket went to exactly that address
    assert dns.calls == ["rebind.test"]
    assert backend.connects == [("93.184.216.34", 80)]
    with pytest.raises(FetchRefused, match=r"resolves to 127\.0\.0\.1"):
        await _fetch(policy, "http://rebind.test/a", backend)
    assert backend.connects == [("93.184.216.34", 80)]


async def test_allow_listed_name_may_resolve_anywhere() -> None:
    dns = FakeDNS({"intranet.test": [["10.0.0.7"]]})
    backend = RecordingBackend()
    policy = FetchPolicy(allow=parse_allow_list("intranet.test:80"), resolver=dns)
    with pytest.raises(FetchNetworkError):
        await _fetch(policy, "http://intranet.test/wiki", backend)
    assert backend.connects == [("intranet.test", 80)]
