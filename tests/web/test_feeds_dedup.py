"""Near-duplicate detection: syndicated copies match, different stories never do."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import pytest

from retrieval.engine import Engine, Progress
from retrieval.ingest.articles import Article
from retrieval.results import IngestReport
from retrieval.store.catalog import Catalog
from retrieval.web.dedup import Duplicate, StoryIndex, signature, similarity
from retrieval.web.ingest import IngestOutcome, WebIngestor, story_body
from tests.answer.test_digest import BRIDGE_TEXT, FERRY_OTHER, FERRY_TEXT, LIBRARY_TEXT
from tests.conftest import Clock

FERRY_BODY = FERRY_TEXT.split("\n", 1)[1]


def test_copies_are_similar_and_other_stories_are_not() -> None:
    copy = FERRY_BODY + "\nThis story was distributed by the Test Wire service."
    edited = FERRY_BODY.replace("Monday", "Tuesday")
    assert similarity(signature(FERRY_BODY), signature(copy)) >= 0.8
    assert similarity(signature(FERRY_BODY), signature(edited)) >= 0.6
    for other in (FERRY_OTHER, LIBRARY_TEXT, BRIDGE_TEXT):  # same topic or not: not a copy
        assert similarity(signature(FERRY_BODY), signature(other)) < 0.2


def test_signatures_are_stable_across_runs() -> None:
    assert signature("one two three four five").tolist() == signature("One two, three four five!").tolist()


def test_headline_is_left_out_of_the_comparison() -> None:
    a = Article(title="Ferry to run every 20 minutes", text=FERRY_TEXT)
    assert story_body(a) == FERRY_BODY
    b = Article(title="Another headline", text=FERRY_TEXT)
    assert story_body(b) == FERRY_TEXT


def test_index_finds_remembers_and_forgets(tmp_path: Path) -> None:
    index = StoryIndex(tmp_path / "db.sqlite3")
    try:
        index.remember("g1", "ferry", signature(FERRY_BODY))
        index.add_url("g1", "ferry", "https://a.example/ferry", "a.example", now=1.0)
        copy = signature(FERRY_BODY + "\nDistributed by the wire.")
        assert index.find_duplicate("g1", copy) is not None
        assert index.find_duplicate("g2", copy) is None  # namespaces never meet
        assert index.find_duplicate("g1", copy, exclude="ferry") is None
        assert index.find_duplicate("g1", signature(LIBRARY_TEXT)) is None
        index.add_url("g1", "ferry", "https://www.b.example/ferry/", "b.example", now=2.0)
        assert index.urls("g1", "ferry") == [
            ("https://a.example/ferry", "a.example"),
            ("https://b.example/ferry", "b.example"),
        ]
        assert index.owner_of("g1", "http://b.example/ferry") == "ferry"
        # a story deleted from the engine since: not a duplicate, and its rows are dropped
        assert index.find_duplicate("g1", copy, exists=lambda aid: False) is None
        assert index.urls("g1", "ferry") == []
    finally:
        index.close()


class EngineWrapper:
    """The real engine behind a test's own `ingest` (what WebIngestor needs: ingest, catalog)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def catalog(self) -> Catalog:
        return self.engine.catalog


class HeldEngine(EngineWrapper):
    """The real engine, with `ingest` held until released: the story is being embedded while
    another thread brings a copy of it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.entered = threading.Event()
        self.release = threading.Event()

    def ingest(
        self, articles: list[Article], namespace: str = "default", progress: Progress | None = None
    ) -> IngestReport:
        self.entered.set()
        assert self.release.wait(30), "the test never released the held ingest"
        return self.engine.ingest(articles, namespace, progress)


def ferry_copies() -> tuple[Article, Article]:
    first = Article(title="Ferry to run every 20 minutes", text=FERRY_TEXT, url="https://a.example/ferry")
    copy = Article(
        title="Harbour ferry to run every 20 minutes",
        text=FERRY_TEXT + "\nThis story was distributed by the Test Wire service.",
        url="https://wire.example/ferry",
    )
    return first, copy


def ingest_copy_while_held(
    engine: Engine, held: HeldEngine, first: Article, copy: Article
) -> tuple[Future[list[IngestOutcome]], list[IngestOutcome]]:
    """`first` is ingested through `held` in one thread; once it is in flight, `copy` through the
    real engine in another. The copy claims (its URL joins the story in flight) and then waits
    for the story to settle, so `held` is released only after that; the copy's outcomes return."""
    stories = engine.stories
    with ThreadPoolExecutor(2) as pool:
        first_side = pool.submit(WebIngestor(held, stories).ingest, [first], "default")
        assert held.entered.wait(30)
        copy_side = pool.submit(WebIngestor(engine, stories).ingest, [copy], "default")
        try:
            for _ in range(3000):
                if len(stories.urls("default", first.id)) == 2 or copy_side.done():
                    break
                threading.Event().wait(0.01)
            assert not copy_side.done(), "the copy did not wait for the story in flight to settle"
        finally:
            held.release.set()
        first_side.exception(30)
        return first_side, copy_side.result(30)


def test_a_copy_arriving_while_the_story_is_embedded_is_stored_once(engine: Engine) -> None:
    """`/ingest url:` and the feed poller ingest in separate threads through one StoryIndex: a
    syndicated copy that arrives while the first copy is still being embedded is a duplicate."""
    first, copy = ferry_copies()
    first_side, second = ingest_copy_while_held(engine, HeldEngine(engine), first, copy)
    assert [(o.status, o.article_id) for o in first_side.result()] == [("added", first.id)]
    assert [(o.status, o.article_id) for o in second] == [("duplicate", first.id)]
    assert list(engine.catalog.content_hashes("default", [first.id, copy.id])) == [first.id]
    assert engine.stories.urls("default", first.id) == [
        ("https://a.example/ferry", "a.example"),
        ("https://wire.example/ferry", "wire.example"),
    ]


class FailingHeldEngine(HeldEngine):
    """Held like HeldEngine, then the ingest fails (a store that went away mid-embedding)."""

    def ingest(
        self, articles: list[Article], namespace: str = "default", progress: Progress | None = None
    ) -> IngestReport:
        self.entered.set()
        assert self.release.wait(30), "the test never released the held ingest"
        raise ConnectionError("vector store unreachable")


def test_a_copy_of_a_story_whose_ingest_fails_meanwhile_is_stored_itself(engine: Engine) -> None:
    """The copy waits for the story it duplicates to settle; that ingest failed, so the copy is
    not a duplicate after all and is stored, with its own URL (none of it is lost)."""
    first, copy = ferry_copies()
    first_side, second = ingest_copy_while_held(engine, FailingHeldEngine(engine), first, copy)
    assert isinstance(first_side.exception(), ConnectionError)
    assert [(o.status, o.article_id) for o in second] == [("added", copy.id)]
    assert list(engine.catalog.content_hashes("default", [first.id, copy.id])) == [copy.id]
    assert engine.stories.urls("default", copy.id) == [("https://wire.example/ferry", "wire.example")]
    assert engine.stories.urls("default", first.id) == []


class RejectingEngine(EngineWrapper):
    """The real engine, reporting a problem for one URL instead of storing it (as it does for an
    article over NEWSDESK_MAX_ARTICLE_CHARS)."""

    def __init__(self, engine: Engine, reject: str) -> None:
        super().__init__(engine)
        self.reject = reject

    def ingest(
        self, articles: list[Article], namespace: str = "default", progress: Progress | None = None
    ) -> IngestReport:
        report = self.engine.ingest([a for a in articles if a.url != self.reject], namespace, progress)
        if any(a.url == self.reject for a in articles):
            report.problems.append(f"{self.reject}: rejected by the test")
        return report


def test_a_copy_in_the_same_batch_as_a_story_that_fails_is_stored_itself(engine: Engine) -> None:
    first, copy = ferry_copies()
    done = WebIngestor(RejectingEngine(engine, first.url), engine.stories).ingest([first, copy], "default")
    assert [(o.status, o.article_id) for o in done] == [("failed", first.id), ("added", copy.id)]
    assert list(engine.catalog.content_hashes("default", [first.id, copy.id])) == [copy.id]
    assert engine.stories.urls("default", copy.id) == [("https://wire.example/ferry", "wire.example")]
    # and when the story is stored, a copy in its batch stays a duplicate
    third = Article(title="Ferry", text=FERRY_TEXT + "\nVia the wire.", url="https://c.example/ferry")
    again = WebIngestor(engine, engine.stories).ingest([third], "default")
    assert [(o.status, o.article_id) for o in again] == [("duplicate", copy.id)]


def test_a_claim_holds_until_settled(tmp_path: Path) -> None:
    index = StoryIndex(tmp_path / "db.sqlite3")

    def nowhere(article_id: str) -> bool:  # the engine holds no story (yet)
        return False

    try:
        copy = signature(FERRY_BODY + "\nDistributed by the wire.")
        assert index.claim("g1", "ferry", signature(FERRY_BODY), exists=nowhere) is None
        # being embedded: the copy is its duplicate although the engine does not hold it yet
        dup = index.claim("g1", "copy", copy, exists=nowhere)
        assert dup is not None and dup.article_id == "ferry"
        index.settle("g1", ["ferry"])
        # settled and still not in the engine (its ingest failed): the copy takes its place
        assert index.claim("g1", "copy", copy, exists=nowhere) is None
        later = index.claim("g1", "third", copy, exists=nowhere)
        assert later is not None and later.article_id == "copy"  # in flight now
    finally:
        index.close()


def test_claims_hold_across_processes_sharing_the_database(database: str) -> None:
    """Two StoryIndex on one database, each with its own connection (two bot processes)."""
    clock = Clock()
    a = StoryIndex(database, clock=clock, poll=0.01)
    b = StoryIndex(database, clock=clock, poll=0.01)

    def nowhere(article_id: str) -> bool:  # the engine holds no story (yet)
        return False

    copy = signature(FERRY_BODY + "\nDistributed by the wire.")
    try:
        assert a.claim("g1", "ferry", signature(FERRY_BODY), exists=nowhere) is None
        dup = b.claim("g1", "copy", copy, exists=nowhere)
        assert dup == Duplicate("ferry", dup.similarity if dup else 0.0, in_flight=True)
        b.settle("g1", ["ferry"])  # not b's claim: it stays
        assert a.in_flight("g1", "ferry") and b.in_flight("g1", "ferry")
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(b.wait_settled, "g1", "ferry")
            with pytest.raises(FutureTimeout):
                waiting.result(timeout=0.3)  # b waits while a's claim stands
            a.settle("g1", ["ferry"])
            waiting.result(timeout=10)
        assert not b.in_flight("g1", "ferry")
        # settled and not in the engine (its ingest failed): the copy takes its place
        assert b.claim("g1", "copy", copy, exists=nowhere) is None
        assert a.claim("g1", "third", copy, exists=nowhere) == Duplicate("copy", 1.0, in_flight=True)
        # b's process dies mid-ingest: once claim_ttl has passed its claim no longer counts
        clock.now += b.claim_ttl + 1
        assert not a.in_flight("g1", "copy")
        assert a.claim("g1", "third", copy, exists=nowhere) is None
    finally:
        a.close()
        b.close()


class SlowEngine(EngineWrapper):
    """The real engine on a test clock that moves 400 s for each article embedded (a long batch,
    its progress reported after each article); notes whether the batch's claims still stand."""

    def __init__(self, engine: Engine, clock: Clock, stories: StoryIndex) -> None:
        super().__init__(engine)
        self.clock = clock
        self.stories = stories
        self.claims_alive: list[bool] = []

    def ingest(
        self, articles: list[Article], namespace: str = "default", progress: Progress | None = None
    ) -> IngestReport:
        report = IngestReport()
        for a in articles:
            self.clock.now += 400
            self.claims_alive.append(all(self.stories.in_flight(namespace, b.id) for b in articles))
            report.merge(self.engine.ingest([a], namespace))
            if progress:
                progress(1)
        return report


def test_a_long_ingest_renews_its_claims(engine: Engine) -> None:
    """Claims expire after claim_ttl (600 s) unless renewed: each embedded batch renews them."""
    clock = Clock()
    stories = StoryIndex(engine.catalog.db, clock=clock)
    slow = SlowEngine(engine, clock, stories)
    texts = [FERRY_TEXT, LIBRARY_TEXT, BRIDGE_TEXT]
    articles = [
        Article(title=f"Story {i}", text=t, url=f"https://a.example/{i}") for i, t in enumerate(texts)
    ]
    done = WebIngestor(slow, stories).ingest(articles, "default")
    assert [o.status for o in done] == ["added"] * 3
    assert slow.claims_alive == [True, True, True]  # 400, 800 and 1,200 s after claiming
    assert not any(stories.in_flight("default", a.id) for a in articles)  # settled
