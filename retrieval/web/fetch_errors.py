"""Why a URL could not be fetched: every refusal or failure of the fetcher, in words a user can
act on (`str(err)` names the URL and the reason; `kind` is a short label for logs and counts)."""

from __future__ import annotations

from retrieval.errors import NewsdeskError


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
