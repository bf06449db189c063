"""`newsdesk migrate`: an embedded store copied into a real Chroma server + PostgreSQL answers
the same questions with the same answers, passages and scores; state comes along; re-runs add
nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retrieval.app import App
from retrieval.engine import Engine
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from retrieval.web.feedstore import FeedStore
from tests.conftest import SAMPLE_NEWS, drop_collections
from tests.support.servers import ChromaServer, PostgresServer

NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
QUESTIONS = [
    "What did Mayor Okonkwo say about the ferry schedule?",
    "Why are the night ferries being cut?",
    "What did Valk say about the drills?",
    "What is the weather on Mars?",
]
GUILD_NS = "g42"


@pytest.fixture
def server(chroma_srv: ChromaServer) -> Iterator[ChromaServer]:
    yield chroma_srv
    drop_collections(chroma_srv)


def _answers(engine: Engine, namespace: str = "default") -> list[dict[str, Any]]:
    return [engine.ask(q, namespace).to_json() for q in QUESTIONS]


def _migrate(data_dir: Path, server: ChromaServer, db_url: str, cwd: Path) -> str:
    result = subprocess.run(
        [NEWSDESK, "migrate", "--to", server.url, "--database", db_url],
        # PYTHONPATH: the console script runs this checkout's code, not whatever is installed
        env={
            "PATH": "/usr/bin:/bin",
            "NEWSDESK_DATA_DIR": str(data_dir),
            "HOME": str(cwd),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_migrate_to_a_server_keeps_every_answer(
    tmp_path: Path,
    server: ChromaServer,
    postgres_srv: PostgresServer,
    embedder: LocalEmbedder,
    sample_article: Path,
) -> None:
    local = Settings(NEWSDESK_DATA_DIR=tmp_path / "data")  # type: ignore[call-arg]
    engine_app = App(local, embedder=embedder)
    engine = engine_app.engine
    engine.ingest_paths([SAMPLE_NEWS, sample_article])
    engine.ingest_paths([SAMPLE_NEWS], GUILD_NS)
    before = _answers(engine)
    before_guild = _answers(engine, GUILD_NS)
    assert before[0]["citations"] and before_guild[0]["citations"]  # real answers, not "nothing found"
    stats_before = engine.stats()
    posted = engine.ask(QUESTIONS[0])
    valk = [q.text for q in engine_app.attributions.find("default", "Valk")]
    assert len(valk) == 3
    engine_app.close()
    feeds = FeedStore(local.state_db)
    feeds.add("default", "https://example.com/rss.xml", 900, now=1000.0, channel_id=2**62)
    feeds.close()
    feedback = FeedbackStore(local.state_db)
    ref = feedback.save_answer("default", QUESTIONS[0], posted)
    feedback.vote(ref, 7, 1)
    feedback.close()

    db_url = postgres_srv.new_database()
    out = _migrate(local.data_dir, server, db_url, tmp_path)
    assert out.splitlines()[-1] == (
        f"migrated 2 namespace(s): {stats_before['vectors']} vectors to {server.url}, "
        # the rows of before, and the ingest journal: one row per article stored (11)
        f"{stats_before['articles']} articles, 15 state rows"
    )

    remote = Settings(  # type: ignore[call-arg]
        NEWSDESK_DATA_DIR=tmp_path / "empty",
        CHROMA_HOST=server.host,
        CHROMA_PORT=server.port,
        NEWSDESK_DATABASE_URL=db_url,
    )
    served_app = App(remote, embedder=embedder)
    served = served_app.engine
    try:
        assert _answers(served) == before
        assert _answers(served, GUILD_NS) == before_guild
        stats = served.stats()
        for key in ("articles", "chunks", "tokens", "vectors", "namespaces"):
            assert stats[key] == stats_before[key], key
        assert not (tmp_path / "empty" / "chroma").exists()  # nothing went to a local store
        assert [q.text for q in served_app.attributions.find("default", "Valk")] == valk
    finally:
        served_app.close()
    feeds = FeedStore(db_url)
    (feed,) = feeds.list_feeds()
    assert (feed.url, feed.every_seconds, feed.channel_id) == ("https://example.com/rss.xml", 900, 2**62)
    second = feeds.add("default", "https://example.com/other.xml", 900, now=1.0)
    assert second.id == feed.id + 1  # the id sequence moved past the copied rows
    feeds.close()
    moved = FeedbackStore(db_url)
    assert moved.counts() == {"answers": 1, "up": 1, "down": 0}
    assert [c.quote for c in moved.citations(ref) or []] == [c["quote"] for c in before[0]["citations"]]
    moved.close()

    # a second run (say, after an interruption) duplicates nothing
    _migrate(local.data_dir, server, db_url, tmp_path)
    again_app = App(remote, embedder=embedder)
    again = again_app.engine
    try:
        assert {k: again.stats()[k] for k in ("articles", "chunks", "vectors")} == {
            k: stats_before[k] for k in ("articles", "chunks", "vectors")
        }
        assert again.catalog.lexical_rows() == stats_before["chunks"]
        assert _answers(again) == before
    finally:
        again_app.close()


def test_migrate_needs_an_embedded_store(tmp_path: Path, server: ChromaServer) -> None:
    result = subprocess.run(
        [NEWSDESK, "migrate", "--to", server.url],
        env={"PATH": "/usr/bin:/bin", "NEWSDESK_DATA_DIR": str(tmp_path / "nothing"), "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        result.stderr == f"error: no embedded store in {tmp_path / 'nothing'} (newsdesk.sqlite3 is missing)\n"
    )


def test_a_bad_server_address_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [NEWSDESK, "migrate", "--to", "ftp://x"],
        env={"PATH": "/usr/bin:/bin", "NEWSDESK_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr == "error: can't read the server address 'ftp://x': use http://host:port\n"
