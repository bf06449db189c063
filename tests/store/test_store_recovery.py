"""The store heals, or says plainly what is wrong and how to fix it (issue 24, section 2): a
`newsdesk reindex` in another process while an engine runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from retrieval.engine import DEFAULT_NAMESPACE, Engine
from retrieval.ingest.loaders import load_path
from retrieval.settings import Settings
from tests.conftest import SAMPLE_NEWS

NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
QUESTION = "What did Mayor Okonkwo say about the ferry schedule?"


def newsdesk(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script on the same data dir (PYTHONPATH kept: this checkout's code)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "OPENAI_", "CHROMA_"))}
    env["NEWSDESK_DATA_DIR"] = str(settings.data_dir)
    return subprocess.run(
        [NEWSDESK, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_a_running_engine_keeps_answering_and_ingesting_after_a_reindex_in_another_process(
    engine: Engine, settings: Settings
) -> None:
    engine.ingest(list(load_path(SAMPLE_NEWS)))
    before = engine.ask(QUESTION)
    vectors = engine.store.vectors
    chunks = engine.stats()["chunks"]
    assert vectors.count(DEFAULT_NAMESPACE) == chunks  # the collection handle is cached now

    r = newsdesk(settings, "reindex")
    assert (r.returncode, r.stdout) == (0, "reindexed 5 article(s)\n"), r.stderr

    after = engine.ask(QUESTION)  # was: chromadb NotFoundError until restarted
    assert after.text == before.text
    assert vectors.count(DEFAULT_NAMESPACE) == chunks
    engine.delete("https://harbourgazette.example/2026/03/02/port-aldery-ferry-schedule")
    report = engine.ingest(list(load_path(SAMPLE_NEWS)))  # writes go to the rebuilt collection
    assert (report.articles_added, report.problems) == (1, [])
    assert vectors.count(DEFAULT_NAMESPACE) == chunks


def test_missing_vectors_are_flagged_by_health_stats_and_ask_and_reindex_is_named(settings: Settings) -> None:
    assert newsdesk(settings, "ingest", str(SAMPLE_NEWS)).returncode == 0
    shutil.rmtree(settings.chroma_path)  # the vector store is gone, the articles are not

    gap = (
        "results are degraded: {n} of {n} passages have no vector (the vector store was deleted or a "
        "reindex was cut short), so only keyword search finds them; run `newsdesk reindex` to "
        "rebuild the vectors"
    )
    r = newsdesk(settings, "stats")
    lines = r.stdout.splitlines()
    chunks = int(next(line for line in lines if line.startswith("chunks: "))[8:])
    assert "vectors: 0" in lines and f"problem: {gap.format(n=chunks)}" in lines
    r = newsdesk(settings, "health")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", f"unhealthy: {gap.format(n=chunks)}\n")
    r = newsdesk(settings, "ask", QUESTION)
    assert r.returncode == 0 and "a painful but temporary change" in r.stdout  # keyword search
    assert f"⚠ {gap.format(n=chunks)}" in " ".join(r.stdout.split())

    assert newsdesk(settings, "reindex").returncode == 0
    r = newsdesk(settings, "health")
    assert (r.returncode, r.stdout) == (0, "ok: embedded chroma, sqlite state\n")
    assert "degraded" not in newsdesk(settings, "ask", QUESTION).stdout
