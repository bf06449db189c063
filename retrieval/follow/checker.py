"""One pass of the watches: read what was stored since each watch last looked, match it, group
the reports into stories, and say which stories to post now.

    found = checker.scan()          # the journal after each watch's cursor, matched (reads only)
    checker.record(found)           # reports grouped into stories; the cursors move on
    for notice in checker.due():    # stories with enough reports, within the hourly cap
        ...post it...; checker.posted(notice, message_id)

The journal (retrieval/store/journal.py) is written in the same transaction as the articles, so
articles stored by any process (the feed poller, `/ingest`, `newsdesk ingest` or `fetch`) are
seen. A report joins a story of the same watch first seen within `WINDOW` (and published within
a day of the report it is compared with, when both are dated): a syndicated copy
(MinHash similarity ≥ 0.6, as retrieval/web/dedup.py judges copies) or a follow-up (its first
chunk's vector within cosine `SAME_STORY` of one of the story's reports'). A story is posted
once it has `min_reports` reports, at most `max_per_hour` stories per watch in any hour; a story
held back by the cap is posted when the hour allows, unless its window has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from retrieval.engine import Engine
from retrieval.follow.matching import (
    ArticleView,
    Match,
    Topic,
    chunk_vectors,
    make_topic,
    match,
    view_article,
)
from retrieval.follow.watches import StoryRow, Watch, WatchStore, check_min_reports, check_topic
from retrieval.ingest.articles import Article, parse_date
from retrieval.ingest.embedding import Embedder
from retrieval.store.catalog import Catalog, article_from_row
from retrieval.store.journal import IngestJournal
from retrieval.store.vectors import Vectors
from retrieval.text.terms import Terms
from retrieval.web.dedup import StoryIndex, signature, similarity

WINDOW = 24 * 3600.0  # follow-ups of a story within a day of its first report are grouped
HOUR = 3600.0
SAME_STORY = 0.75  # cosine of two reports' first chunks
SYNDICATED = 0.6  # MinHash similarity of a copy (dedup's threshold)
BATCH = 200  # journal entries read per namespace and pass
KEEP_JOURNAL = 7 * 24 * 3600.0  # journal entries every watch has read are kept this long


@dataclass(frozen=True)
class Found:
    """A new report that matched a watch."""

    watch: Watch
    seq: int
    article: Article
    match: Match
    lead: np.ndarray  # its first chunk's vector
    reports: int  # the URLs it was seen at (a syndicated copy stored once counts each)


@dataclass
class Scan:
    found: list[Found] = field(default_factory=list)
    heads: dict[int, int] = field(default_factory=dict)  # watch id → journal seq read up to


@dataclass(frozen=True)
class Notice:
    """A story to post: its first report quoted, and how many reports and outlets it has."""

    watch: Watch
    story: StoryRow
    article: Article
    outlets: list[str]

    @property
    def reports(self) -> int:
        return self.story.reports


class WatchChecker:
    def __init__(
        self,
        watches: WatchStore,
        journal: IngestJournal,
        catalog: Catalog,
        vectors: Vectors,
        embedder: Embedder,
        stories: StoryIndex | None = None,
        *,
        max_per_hour: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.watches = watches
        self.journal = journal
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.stories = stories
        self.max_per_hour = max_per_hour
        self.clock = clock
        self.terms = Terms()

    def add(self, namespace: str, topic: str, channel_id: int | None = None, min_reports: int = 1) -> Watch:
        """Watch a topic from now on: its vector embedded once, its cursor at the journal's end."""
        text = check_topic(topic)
        check_min_reports(min_reports)
        vector = self.embedder.embed([text])[0]
        return self.watches.add(
            namespace,
            text,
            vector,
            self.embedder.model_id,
            seen_seq=self.journal.head(),
            now=self.clock(),
            channel_id=channel_id,
            min_reports=min_reports,
        )

    # --- matching ---------------------------------------------------------------------------

    def topic(self, watch: Watch) -> Topic:
        """The watch's topic, its vector embedded again if the embedding model changed."""
        vector, model_id = watch.vector, self.embedder.model_id
        if watch.model_id != model_id or vector.size == 0:
            vector = self.embedder.embed([watch.topic])[0]
            self.watches.set_vector(watch.id, vector, model_id)
        return make_topic(watch.topic, vector, self.terms, self.catalog.doc_frequency)

    def view(self, namespace: str, article: Article) -> ArticleView:
        stored = self.vectors.article_vectors(namespace, article.id)
        vectors = chunk_vectors(
            stored,
            article,
            lambda: [c.text for c in self.catalog.article_chunks(namespace, article.id)],
            self.embedder.embed,
        )
        return view_article(article, vectors, self.terms)

    def scan(self, namespace: str | None = None) -> Scan:
        """Match what was stored after each watch's cursor (at most BATCH entries a namespace)."""
        scan = Scan()
        by_namespace: dict[str, list[Watch]] = {}
        for w in self.watches.list_watches(namespace):
            by_namespace.setdefault(w.namespace, []).append(w)
        head = self.journal.head()  # read first: anything stored later has a larger number
        for ns, watches in by_namespace.items():
            entries = self.journal.after(ns, min(w.seen_seq for w in watches), BATCH)
            if not entries:  # nothing new here: the cursors move on over other servers' entries
                scan.heads.update({w.id: max(w.seen_seq, head) for w in watches})
                continue
            latest = {e.article_id: e for e in entries}  # stored twice: its last version
            topics = {w.id: self.topic(w) for w in watches}
            for entry in sorted(latest.values(), key=lambda e: e.seq):
                row = self.catalog.article(ns, entry.article_id)
                if row is None:  # deleted since
                    continue
                article = article_from_row(row)
                todo = [w for w in watches if w.seen_seq < entry.seq]
                view = self.view(ns, article) if todo else None
                for w in todo:
                    assert view is not None
                    found = match(topics[w.id], view)
                    if found is not None:
                        lead, urls = self._lead(view), self._urls(ns, article)
                        scan.found.append(Found(w, entry.seq, article, found, lead, urls))
            scan.heads.update({w.id: max(w.seen_seq, entries[-1].seq) for w in watches})
        return scan

    @staticmethod
    def _lead(view: ArticleView) -> np.ndarray:
        return view.vectors[0] if view.vectors.size else np.zeros(0, dtype=np.float32)

    def _urls(self, namespace: str, article: Article) -> int:
        urls = self.stories.urls(namespace, article.id) if self.stories else []
        return max(1, len({u for u, _ in urls} | ({article.url} if article.url else set())))

    # --- grouping and posting ---------------------------------------------------------------

    def _same_story(self, found: Found, watch_id: int, since: float) -> int | None:
        """The story of `found`'s watch that `found` is a copy or a follow-up of, if any."""
        stories = self.watches.stories_since(watch_id, since)
        sig = signature(found.article.text)
        for hit in self.watches.hits(watch_id, [s.id for s in stories]):
            if not self._same_days(found, hit.article_id):
                continue
            if similarity(sig, hit.signature) >= SYNDICATED:
                return hit.story_id
            comparable = found.lead.size and hit.lead.size == found.lead.size
            if comparable and float(found.lead @ hit.lead) >= SAME_STORY:
                return hit.story_id
        return None

    def _same_days(self, found: Found, article_id: str) -> bool:
        """Published within a day of each other (or undated): a report from last week that comes
        in today (a backfill, a late feed) is another story, however alike."""
        row = self.catalog.article(found.watch.namespace, article_id)
        theirs, ours = parse_date(row["published"]) if row else None, found.article.published
        return theirs is None or ours is None or abs((ours - theirs).days) <= WINDOW // 86400

    def record(self, scan: Scan) -> None:
        """Group the reports found into stories, then move each watch's cursor past what it read."""
        now = self.clock()
        for f in scan.found:
            if self.watches.has_hit(f.watch.id, f.article.id):  # a changed version of a report
                continue
            story = self._same_story(f, f.watch.id, now - WINDOW)
            self.watches.add_hit(
                f.watch.id,
                f.article.id,
                story,
                now=now,
                score=f.match.score,
                reports=f.reports,
                sentence=f.match.sentence,
                lead=f.lead,
                signature=signature(f.article.text),
            )
        for watch_id, seq in scan.heads.items():
            self.watches.advance(watch_id, seq)
        if scan.heads:  # what every watch has read, a week on, is no longer needed
            cursors = [w.seen_seq for w in self.watches.list_watches()]
            self.journal.prune(min(cursors, default=0), now - KEEP_JOURNAL)

    def due(self, namespace: str | None = None) -> list[Notice]:
        """The stories to post now: enough reports, within their window and the hourly cap."""
        now = self.clock()
        notices: list[Notice] = []
        for w in self.watches.list_watches(namespace):
            budget = self.max_per_hour - self.watches.posted_since(w.id, now - HOUR)
            waiting = [
                s
                for s in self.watches.stories_since(w.id, now - WINDOW)
                if s.posted_at is None and s.reports >= w.min_reports
            ]
            for story in waiting[: max(budget, 0)]:
                notice = self._notice(w, story)
                if notice is None:  # its report was deleted: nothing to quote
                    self.watches.mark_posted(story.id, now, None)
                    continue
                notices.append(notice)
        return notices

    def _notice(self, watch: Watch, story: StoryRow) -> Notice | None:
        row = self.catalog.article(watch.namespace, story.article_id)
        if row is None:
            return None
        outlets: set[str] = set()
        for hit in self.watches.hits(watch.id, [story.id]):
            hit_row = self.catalog.article(watch.namespace, hit.article_id)
            if hit_row is not None and hit_row["source"]:
                outlets.add(str(hit_row["source"]))
            if self.stories is not None:
                outlets.update(s for _, s in self.stories.urls(watch.namespace, hit.article_id) if s)
        return Notice(watch, story, article_from_row(row), sorted(outlets))

    def posted(self, notice: Notice, message_id: int | None, channel_id: int | None = None) -> None:
        self.watches.mark_posted(notice.story.id, self.clock(), message_id, channel_id, notice.reports)

    def grown(self, namespace: str | None = None) -> list[Notice]:
        """Posted stories that more reports joined since: their message's count is to be edited
        (a follow-up is counted, never posted again)."""
        since = self.clock() - WINDOW
        notices = []
        for w in self.watches.list_watches(namespace):
            for story in self.watches.grown_since(w.id, since):
                notice = self._notice(w, story)
                if notice is None:
                    self.watches.mark_shown(story.id, story.reports)
                else:
                    notices.append(notice)
        return notices

    def shown(self, notice: Notice) -> None:
        self.watches.mark_shown(notice.story.id, notice.reports)

    def check(self, namespace: str | None = None) -> list[Notice]:
        """scan, record, due: one pass, ready to post."""
        self.record(self.scan(namespace))
        return self.due(namespace)


def build_checker(
    engine: Engine, watches: WatchStore, max_per_hour: int, clock: Callable[[], float] = time.time
) -> WatchChecker:
    """A checker on the engine's store, model and syndicated-copy index (the App and the bot)."""
    store = engine.store
    journal = store.journal or IngestJournal(engine.catalog.db)
    return WatchChecker(
        watches,
        journal,
        engine.catalog,
        store.vectors,
        engine.embedder,
        engine.stories,
        max_per_hour=max_per_hour,
        clock=clock,
    )
