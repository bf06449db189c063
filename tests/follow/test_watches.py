"""Watches on real components: embedded Chroma, the MiniLM embedder, and the state in SQLite and
in PostgreSQL (the session's server). Articles are fictional (tests/follow/stories.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.errors import BadInputError, NotFoundError
from retrieval.follow.checker import HOUR, WINDOW, WatchChecker, build_checker
from retrieval.ingest.articles import Article
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from tests.conftest import Clock
from tests.follow.stories import FARES, FIRE, FIRE_COPY, FIRE_FOLLOW_UP, HARVEST, LIBRARY

NS = "guild-1"
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
START = 1_800_000_000.0


@pytest.fixture
def state(database: str, tmp_path: Path) -> Settings:
    """Chroma on disk; the state database SQLite, then PostgreSQL."""
    url = database if database.startswith("postgresql://") else None
    return Settings(NEWSDESK_DATA_DIR=tmp_path / "data", NEWSDESK_DATABASE_URL=url)  # type: ignore[call-arg]


@contextmanager
def opened(
    settings: Settings, embedder: Embedder, clock: Clock, per_hour: int = 5
) -> Iterator[tuple[App, WatchChecker]]:
    """An App and a checker as a process builds them (a second `opened` is a restart)."""
    app = App(settings, embedder=embedder)
    try:
        yield app, build_checker(app.engine, app.watches, per_hour, clock)
    finally:
        app.close()


def ingest(app: App, *articles: Article, namespace: str = NS) -> None:
    report = app.engine.ingest(list(articles), namespace)
    assert report.articles_added == len(articles)


def post_all(checker: WatchChecker) -> list[tuple[str, str, int, list[str], str]]:
    """One pass, every due story "posted": (topic, headline, reports, outlets, sentence)."""
    out = []
    for n in checker.check():
        out.append((n.watch.topic, n.article.title, n.reports, n.outlets, n.story.sentence))
        checker.posted(n, message_id=len(out))
    return out


def test_a_watch_posts_each_new_story_once(state: Settings, embedder: Embedder) -> None:
    clock = Clock(START)
    with opened(state, embedder, clock) as (app, checker):
        ingest(app, HARVEST)  # before the watch: never posted
        watch = checker.add(NS, "Kestrel Bay ferry", channel_id=42)
        assert post_all(checker) == []

        ingest(app, FIRE, FIRE_COPY)  # the wire copy under another outlet's headline
        assert post_all(checker) == [
            (
                "Kestrel Bay ferry",
                FIRE.title,
                2,
                ["harbourgazette.example", "islandvoice.example"],
                "KESTREL BAY — A fire broke out in the engine room of the Kestrel Bay ferry Marram on "
                "Tuesday morning, and all 84 passengers were taken off by lifeboat crews.",
            )
        ]
        clock.now += 3 * HOUR
        ingest(app, FIRE_FOLLOW_UP, LIBRARY, replace(HARVEST, url="https://x.example/a", source="", id=""))
        assert post_all(checker) == []  # a follow-up of a posted story; the rest are not about it
        (story,) = checker.watches.stories_since(watch.id, 0)
        assert (story.reports, story.message_id, story.reports_shown) == (3, 1, 2)
        (grown,) = checker.grown()  # its message is to show the new count
        assert (grown.story.id, grown.reports, grown.outlets) == (
            story.id,
            3,
            ["coastalherald.example", "harbourgazette.example", "islandvoice.example"],
        )
        checker.shown(grown)
        assert checker.grown() == []

        ingest(app, FARES)  # the same ferry, another story
        assert [(t, h, r) for t, h, r, _, _ in post_all(checker)] == [("Kestrel Bay ferry", FARES.title, 1)]
        assert checker.watches.summary(watch, START).matches_this_week == 4


def test_never_fires_for_an_unrelated_article(state: Settings, embedder: Embedder) -> None:
    with opened(state, embedder, Clock(START)) as (app, checker):
        checker.add(NS, "ferry fire")
        checker.add(NS, "apple harvest")
        checker.add(NS, "Brandvold")  # a name: matched on its words
        ingest(app, FIRE, FARES, HARVEST, LIBRARY)
        found = checker.scan()
        assert sorted((f.watch.topic, f.article.title) for f in found.found) == [
            ("Brandvold", FIRE.title),
            ("apple harvest", HARVEST.title),
            ("ferry fire", FIRE.title),
        ]
        fire = next(f for f in found.found if f.watch.topic == "ferry fire")
        assert fire.match.lexical == 1.0 and 0.5 < fire.match.dense < 1.0


def test_min_reports_waits_for_the_second_report(state: Settings, embedder: Embedder) -> None:
    with opened(state, embedder, Clock(START)) as (app, checker):
        checker.add(NS, "ferry fire", min_reports=2)
        ingest(app, FIRE)
        assert post_all(checker) == []
        ingest(app, FIRE_FOLLOW_UP)
        assert [(h, r, o) for _, h, r, o, _ in post_all(checker)] == [
            (FIRE.title, 2, ["coastalherald.example", "harbourgazette.example"])
        ]


def test_hourly_cap_and_a_restart(state: Settings, embedder: Embedder) -> None:
    clock = Clock(START)
    with opened(state, embedder, clock, per_hour=1) as (app, checker):
        checker.add(NS, "Kestrel Bay ferry")
        ingest(app, FIRE, FARES, HARVEST)
        assert [h for _, h, *_ in post_all(checker)] == [FIRE.title]
        clock.now += 30 * 60
        assert post_all(checker) == []  # the cap: one an hour
    clock.now += 20 * 60
    with opened(state, embedder, clock, per_hour=1) as (app, checker):  # a restart
        assert post_all(checker) == []  # still within the hour: the sent-log was reloaded
        clock.now += 10 * 60 + 1
        assert [h for _, h, *_ in post_all(checker)] == [FARES.title]
        clock.now += 2 * HOUR
        assert post_all(checker) == []  # nothing new, nothing twice


def test_a_held_back_story_expires_with_its_window(state: Settings, embedder: Embedder) -> None:
    clock = Clock(START)
    with opened(state, embedder, clock, per_hour=1) as (app, checker):
        checker.add(NS, "Kestrel Bay ferry")
        ingest(app, FIRE, FARES)
        assert [h for _, h, *_ in post_all(checker)] == [FIRE.title]
        clock.now += WINDOW + 1
        assert post_all(checker) == []  # a day late: no longer news


def test_reindex_changed_articles_and_other_servers(state: Settings, embedder: Embedder) -> None:
    with opened(state, embedder, Clock(START)) as (app, checker):
        checker.add(NS, "ferry fire")
        ingest(app, FIRE)
        assert len(post_all(checker)) == 1
        app.engine.reindex()  # re-chunked, not new
        edited = replace(FIRE, text=FIRE.text + "\n\nThis story was updated.")
        app.engine.ingest([edited], NS)  # a changed version of a posted report
        ingest(app, FIRE_COPY, namespace="guild-2")  # another server's article
        assert post_all(checker) == []


def test_add_list_find_remove(state: Settings, embedder: Embedder) -> None:
    with opened(state, embedder, Clock(START)) as (_app, checker):
        store = checker.watches
        first = checker.add(NS, "  Kestrel   Bay ferry ", channel_id=7, min_reports=2)
        assert (first.topic, first.channel_id, first.min_reports, first.vector.shape) == (
            "Kestrel Bay ferry",
            7,
            2,
            (384,),
        )
        with pytest.raises(BadInputError, match="already watched"):
            checker.add(NS, "Kestrel Bay ferry")
        with pytest.raises(BadInputError, match="min_reports"):
            checker.add(NS, "tides", min_reports=0)
        with pytest.raises(BadInputError, match="needs a topic"):
            checker.add(NS, "   ")
        other = checker.add("guild-2", "Kestrel Bay ferry")
        assert [w.id for w in store.list_watches(NS)] == [first.id]
        assert store.find(NS, "kestrel bay FERRY").id == first.id
        assert store.find(NS, f"#{first.id}").id == first.id
        with pytest.raises(NotFoundError):
            store.find(NS, str(other.id))  # another server's watch
        assert store.remove(NS, str(first.id)).id == first.id
        assert store.list_watches() == [store.get(other.id)]


def test_reports_published_days_apart_are_two_stories(state: Settings, embedder: Embedder) -> None:
    with opened(state, embedder, Clock(START)) as (app, checker):
        checker.add(NS, "ferry fire")
        late = replace(FIRE_FOLLOW_UP, published=date(2026, 5, 12))  # a week on, arriving in a backfill
        ingest(app, FIRE, late)
        assert [(h, r) for _, h, r, _, _ in post_all(checker)] == [(FIRE.title, 1), (late.title, 1)]


def test_articles_another_process_stores_are_seen(tmp_path: Path, embedder: Embedder) -> None:
    """`newsdesk ingest` in its own process while a bot's checker runs on the same data dir."""
    settings = Settings(NEWSDESK_DATA_DIR=tmp_path / "data")  # type: ignore[call-arg]
    news = tmp_path / "fire.md"
    news.write_text(
        f"# {FIRE.title}\nurl: {FIRE.url}\nsource: {FIRE.source}\n"
        f"published: {FIRE.published}\n\n{FIRE.text}\n",
        encoding="utf-8",
    )
    with opened(settings, embedder, Clock(START)) as (_app, checker):
        checker.add(namespace_for_guild(77), "ferry fire", channel_id=9)
        assert post_all(checker) == []
        result = subprocess.run(
            [NEWSDESK, "ingest", str(news), "--guild", "77"],
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(tmp_path),
                "NEWSDESK_DATA_DIR": str(settings.data_dir),
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),  # this checkout's code
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert [(t, h, r) for t, h, r, _, _ in post_all(checker)] == [("ferry fire", FIRE.title, 1)]


def test_the_journal_is_pruned_once_every_watch_has_read_it(state: Settings, embedder: Embedder) -> None:
    """(The journal's own clock is the wall clock, years before START: a week has passed.)"""
    with opened(state, embedder, Clock(START)) as (app, checker):
        checker.add(NS, "Kestrel Bay ferry")
        quiet = checker.add("guild-2", "tides")  # a server where nothing is stored
        ingest(app, FIRE, FIRE_FOLLOW_UP, HARVEST)
        assert len(post_all(checker)) == 1
        seqs = [r[0] for r in app.database.execute("SELECT seq FROM ingest_log ORDER BY seq").fetchall()]
        assert len(seqs) == 1 and checker.watches.get(quiet.id).seen_seq == seqs[0]  # the last is kept
        ingest(app, FARES)
        assert [h for _, h, *_ in post_all(checker)] == [FARES.title]  # numbered after it, and seen
