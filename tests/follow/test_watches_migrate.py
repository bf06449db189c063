"""`migrate` carries the watches over: topics, cursors and the sent-log, so a bot on the target
database neither posts a story again nor misses what comes next."""

from __future__ import annotations

from pathlib import Path

from retrieval.app import App
from retrieval.follow.checker import build_checker
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.settings import Settings
from retrieval.store.migrate import migrate
from tests.conftest import Clock
from tests.follow.stories import FARES, FIRE, FIRE_FOLLOW_UP
from tests.support.servers import PostgresServer

NS = "g7"


def test_migrate_copies_watches_cursors_and_what_was_posted(
    tmp_path: Path, postgres_srv: PostgresServer, embedder: LocalEmbedder
) -> None:
    clock = Clock(1_800_000_000.0)
    local = Settings(NEWSDESK_DATA_DIR=tmp_path / "local")  # type: ignore[call-arg]
    with App(local, embedder=embedder) as app:
        checker = build_checker(app.engine, app.watches, 5, clock)
        watch = checker.add(NS, "Kestrel Bay ferry", channel_id=2**62, min_reports=1)
        checker.add(NS, "apple harvest")
        app.engine.ingest([FIRE], NS)
        (notice,) = checker.check()
        checker.posted(notice, message_id=555)
        before = app.watches.list_watches()
        source_chroma = app.chroma
        db_url = postgres_srv.new_database()
        remote = Settings(NEWSDESK_DATA_DIR=tmp_path / "remote", NEWSDESK_DATABASE_URL=db_url)  # type: ignore[call-arg]
        with App(remote, embedder=embedder) as target:
            report = migrate(local.data_dir, source_chroma, target.chroma, db_url)
    assert {t: report.rows[t] for t in ("ingest_log", "watches", "watch_stories", "watch_hits")} == {
        "ingest_log": 1,
        "watches": 2,
        "watch_stories": 1,
        "watch_hits": 1,
    }

    clock.now += 3600
    with App(remote, embedder=embedder) as app:
        after = app.watches.list_watches()
        assert after == before  # topic, channel, min_reports, cursor, model
        assert [w.vector.tolist() for w in after] == [w.vector.tolist() for w in before]
        (story,) = app.watches.stories_since(watch.id, 0)
        assert (story.article_id, story.message_id, story.reports) == (FIRE.id, 555, 1)

        checker = build_checker(app.engine, app.watches, 5, clock)
        assert checker.check() == []  # nothing posted twice
        app.engine.ingest([FIRE_FOLLOW_UP, FARES], NS)
        assert [n.article.title for n in checker.check()] == [FARES.title]  # the follow-up is grouped
        assert checker.add(NS, "tides").id == 3  # the ids go on after the copied ones
