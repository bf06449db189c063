"""The HTTP client of the fetcher: its connections resolve the host themselves, refuse a
forbidden address and connect to the very address that was checked (rule 2 of `fetch.py`)."""

from __future__ import annotations

from collections.abc import Iterable

import httpcore
import httpx

from retrieval.web.fetch_errors import FetchNetworkError, FetchRefused
from retrieval.web.policy import FetchPolicy, address_problem, ip_literal

USER_AGENT = "newsdesk/0.1 (news reader; +https://github.com/newsdesk)"


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
            literal = ip_literal(host)
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
