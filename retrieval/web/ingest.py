"""Web articles: fetch a URL, extract the story, ingest it once (syndicated copies merged).

`article_from_url` turns a URL (and optionally the feed entry that pointed at it) into an
Article; when the page can't be fetched or holds no story, the feed's own text stands in.
`WebIngestor` puts articles into the engine through the duplicate check of `dedup.StoryIndex`.
`ingest_urls` is the one call the CLI needs for `newsdesk ingest https://…`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from retrieval.ingest.articles import Article, in_future, parse_date, source_of
from retrieval.ingest.loaders import article_from_html
from retrieval.results import IngestReport
from retrieval.web.dedup import StoryIndex, signature
from retrieval.web.feeds import FeedEntry
from retrieval.web.fetch import Fetcher
from retrieval.web.fetch_errors import FetchError

Status = Literal["added", "updated", "unchanged", "duplicate", "failed"]


class EngineLike(Protocol):
    """What web ingestion needs from `retrieval.engine.Engine`."""

    def ingest(
        self,
        articles: list[Article],
        namespace: str = ...,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport: ...

    @property
    def catalog(self) -> CatalogLike: ...


class CatalogLike(Protocol):
    def content_hashes(self, namespace: str, ids: Sequence[str]) -> dict[str, str]: ...

    def article(self, namespace: str, article_id: str) -> Any | None: ...


def keep_stored_metadata(article: Article, stored: Any) -> None:
    """An indexed page fetched again with the same text (another feed lists its URL): it keeps
    its own title, date and authors, not those of the feed that pointed at it this time (a
    broken feed must not retitle a story or move its date to today). A changed text is an
    edit: then the new metadata comes with it."""
    if stored is None or stored["text"] != article.text:
        return
    article.title = stored["title"]
    article.published = parse_date(stored["published"])
    article.authors = list(json.loads(stored["authors"] or "[]"))


@dataclass
class Fetched:
    """A URL turned into an article (or not), with what happened on the way."""

    url: str
    article: Article | None
    note: str = ""  # e.g. "page unavailable (HTTP 404); used the feed's text"
    fell_back: bool = False


@dataclass
class IngestOutcome:
    url: str
    status: Status
    article_id: str | None = None
    title: str = ""
    detail: str = ""  # why it failed, what it duplicates, a fallback note
    article: Article | None = field(default=None, repr=False)


def _same_site(a: str, b: str) -> bool:
    return source_of(a) == source_of(b)


def feed_entry_article(entry: FeedEntry, published: date | None) -> Article | None:
    """The feed's own text as an article (the fallback when the page is unusable)."""
    if not entry.text.strip():
        return None
    return Article(
        title=entry.title or entry.text.split("\n", 1)[0][:120],
        text=entry.text,
        url=entry.link,
        authors=list(entry.authors),
        published=entry.published or published,
    )


def _clamp_future(article: Article, today: date | None) -> str:
    """A page or feed dated in the future (a typo, or a page lying to rank first) is dated today,
    with a note saying so; "" when its date is fine."""
    if not in_future(article.published):
        return ""
    day = today or date.today()
    note = f"its date {article.published} is in the future; dated {day} instead"
    article.published = day
    return note


async def article_from_url(
    fetcher: Fetcher,
    url: str,
    entry: FeedEntry | None = None,
    default_date: date | None = None,
) -> Fetched:
    """Fetch `url` and extract its story; fall back to the feed entry's text when that fails."""
    reason = note = ""
    article: Article | None = None
    try:
        page = await fetcher.fetch(url, kind="page")
        if page.content_type == "text/plain":
            text = page.text.strip()
            title = (entry.title if entry else "") or text.split("\n", 1)[0][:120]
            article = Article(title=title, text=text, url=page.url) if text else None
        elif page.content_type in ("", "text/html", "application/xhtml+xml"):
            article = await asyncio.to_thread(article_from_html, page.text, page.url)
        else:
            reason = f"{page.content_type} is not an article page"
        if article is not None:
            # a page may name its canonical URL, but only on its own site: another site's
            # URL would let a page overwrite someone else's story
            if not article.url or not _same_site(article.url, page.url):
                article.url = page.url
            article.source = source_of(article.url)
            article.id = Article(title="", text="", url=article.url).id
            if entry is not None:
                article.title = entry.title or article.title
                article.authors = article.authors or list(entry.authors)
                article.published = entry.published or article.published
            article.published = article.published or default_date
            note = _clamp_future(article, default_date)
        elif not reason:
            reason = "no article text found on the page"
    except FetchError as exc:
        reason = exc.reason
    if article is not None:
        return Fetched(url, article, note=note)
    if entry is not None:
        fallback = feed_entry_article(entry, default_date)
        if fallback is not None:
            _clamp_future(fallback, default_date)
            return Fetched(
                url,
                fallback,
                note=f"page unavailable ({reason}); used the feed's text",
                fell_back=True,
            )
    return Fetched(url, None, note=reason)


def story_body(article: Article) -> str:
    """The text that identifies a story: the body without a leading copy of the headline.

    Outlets retitle syndicated copies, so the headline is left out of the comparison.
    """
    first, _, rest = article.text.partition("\n")
    if " ".join(first.lower().split()) == " ".join(article.title.lower().split()):
        return rest
    return article.text


class WebIngestor:
    """Ingests web articles into the engine, storing a syndicated story once with all its URLs."""

    def __init__(
        self, engine: EngineLike, stories: StoryIndex, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.stories = stories
        self.clock = clock

    def ingest(self, articles: Sequence[Article], namespace: str) -> list[IngestOutcome]:
        """Synchronous (CPU-bound embedding): async callers use asyncio.to_thread."""
        known = self.engine.catalog.content_hashes(namespace, [a.id for a in articles])
        outcomes: list[IngestOutcome] = []
        todo: list[tuple[Article, IngestOutcome]] = []
        claimed: list[str] = []  # stories this call put in flight (StoryIndex.claim)
        copies_in_flight: list[tuple[Article, IngestOutcome]] = []  # of stories not stored yet

        def exists(article_id: str) -> bool:
            return bool(self.engine.catalog.content_hashes(namespace, [article_id]))

        now = self.clock()
        try:
            for a in articles:
                out = IngestOutcome(a.url, "added", article_id=a.id, title=a.title, article=a)
                outcomes.append(out)
                sig = signature(story_body(a))
                if a.id in known:  # same URL seen before: an unchanged story or an edit in place
                    if known[a.id] != a.content_hash:
                        keep_stored_metadata(a, self.engine.catalog.article(namespace, a.id))
                        out.title = a.title
                    out.status = "unchanged" if known[a.id] == a.content_hash else "updated"
                    self.stories.remember(namespace, a.id, sig)
                else:
                    # a copy stored before, or claimed by this batch or another thread just now
                    dup = self.stories.claim(namespace, a.id, sig, exists=exists)
                    if dup is not None:
                        out.status, out.article_id = "duplicate", dup.article_id
                        out.detail = f"same story as {dup.article_id}; URL remembered"
                        self.stories.add_url(namespace, dup.article_id, a.url, a.source, now)
                        if dup.in_flight:
                            copies_in_flight.append((a, out))
                        continue
                    claimed.append(a.id)
                if out.status != "unchanged":
                    todo.append((a, out))
                self.stories.add_url(namespace, a.id, a.url, a.source, now)
            if todo:
                # each embedded batch renews this call's claims: a long ingest keeps them
                report = self.engine.ingest(
                    [a for a, _ in todo], namespace, progress=lambda _: self.stories.renew(namespace, claimed)
                )
                if report.problems:
                    for a, out in todo:
                        for problem in report.problems:
                            if problem.startswith(a.url or a.title):
                                out.status, out.detail = "failed", problem
                                self.stories.forget(namespace, a.id)
        except BaseException:
            for aid in claimed:  # not stored after all: a later copy may claim the story
                if not exists(aid):
                    self.stories.forget(namespace, aid)
            raise
        finally:
            self.stories.settle(namespace, claimed)
        return self._store_orphans(outcomes, copies_in_flight, namespace, exists)

    def _store_orphans(
        self,
        outcomes: list[IngestOutcome],
        copies: list[tuple[Article, IngestOutcome]],
        namespace: str,
        exists: Callable[[str], bool],
    ) -> list[IngestOutcome]:
        """Copies of a story that was still in flight when they came (in this batch, another
        thread's or another process's): once that story settles, a copy whose story was not
        stored after all (its ingest failed, and `forget` dropped the copy's URL with it) is
        ingested in its place."""
        orphans: list[tuple[Article, IngestOutcome]] = []
        for a, out in copies:
            story = out.article_id or ""
            self.stories.wait_settled(namespace, story)  # this call's own claims are settled
            if not exists(story):
                orphans.append((a, out))
        if not orphans:
            return outcomes
        again = iter(self.ingest([a for a, _ in orphans], namespace))
        redone = {id(out) for _, out in orphans}
        return [next(again) if id(o) in redone else o for o in outcomes]


async def ingest_urls_async(
    fetcher: Fetcher,
    ingestor: WebIngestor,
    urls: Sequence[str],
    namespace: str,
    concurrency: int = 8,
) -> list[IngestOutcome]:
    """Fetch URLs (≤ `concurrency` at a time), extract, and ingest them; one outcome per URL."""
    slots = asyncio.Semaphore(max(1, concurrency))

    async def one(url: str) -> Fetched:
        async with slots:
            return await article_from_url(fetcher, url)

    fetched = await asyncio.gather(*(one(u) for u in urls))
    failed = {
        f.url: IngestOutcome(url=f.url, status="failed", detail=f.note) for f in fetched if f.article is None
    }
    articles = [f.article for f in fetched if f.article is not None]
    done = await asyncio.to_thread(ingestor.ingest, articles, namespace) if articles else []
    by_article = iter(done)
    return [failed[f.url] if f.article is None else next(by_article) for f in fetched]


def is_url(text: str) -> bool:
    """True for arguments the CLI should fetch rather than read from disk."""
    return text.lower().startswith(("http://", "https://"))
