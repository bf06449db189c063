"""`newsdesk watch add|list|remove|check` in-process, on a data dir of the test's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from retrieval.app import App
from retrieval.ingest.articles import Article
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.settings import Settings
from tests.follow.stories import FIRE, HARVEST
from tests.support.cli import cli_with_model


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder) -> Any:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    return cli_with_model(embedder)


def jsonl(path: Path, *articles: Article) -> str:
    rows = [
        {"url": a.url, "title": a.title, "source": a.source, "published": str(a.published), "text": a.text}
        for a in articles
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return str(path)


def test_watch_add_check_list_remove(cli: Any, tmp_path: Path, embedder: LocalEmbedder) -> None:
    r = cli("watch", "list", "--guild", "1")
    assert (r.exit_code, r.stdout.strip()) == (0, "no watches here; add one with `newsdesk watch add TOPIC`")
    r = cli("watch", "add", "ferry fire", "--channel", "42", "--guild", "1")
    assert (r.exit_code, r.stdout.strip()) == (0, "watching #1 ferry fire in channel 42")
    assert cli("watch", "check", "--guild", "1").stdout.strip() == "nothing new matches a watch"

    assert cli("ingest", jsonl(tmp_path / "news.jsonl", FIRE, HARVEST), "--guild", "1").exit_code == 0
    expected = [
        f"#1 ferry fire: {FIRE.title} — harbourgazette.example, 2026-05-05",
        "    “KESTREL BAY — A fire broke out in the engine room of the Kestrel Bay ferry Marram on "
        "Tuesday morning, and all 84 passengers were taken off by lifeboat crews.”",
        f"    {FIRE.url}#:~:text=KESTREL%20BAY%20%E2%80%94%20A%20fire,taken%20off%20by%20lifeboat%20crews.",
    ]
    for _ in range(2):  # a check records nothing: the same matches again
        r = cli("watch", "check", "--guild", "1")
        lines = r.stdout.rstrip().split("\n")
        assert (r.exit_code, lines[:3]) == (0, expected)
        assert lines[3].startswith("    lexical 1.00 · dense 0.") and len(lines) == 4
    assert (
        cli("watch", "check", "--guild", "2").stdout.strip()
        == "no watches here; add one with `newsdesk watch add TOPIC`"
    )

    r = cli("watch", "list", "--guild", "1")
    assert "ferry fire" in r.stdout and "no match yet" in r.stdout
    with App(Settings(), embedder=embedder) as app:  # the bot's pass: recorded and posted
        (notice,) = app.watch_checker.check()
        app.watch_checker.posted(notice, 1234)
    r = cli("watch", "list", "--guild", "1")
    assert "last match just now; 1 match this week, 1 posted" in r.stdout

    r = cli("watch", "remove", "FERRY  FIRE", "--guild", "1")
    assert (r.exit_code, r.stdout.strip()) == (0, "stopped watching #1 ferry fire")
    r = cli("watch", "remove", "1", "--guild", "1")
    assert (r.exit_code, r.stderr.strip()) == (1, "error: no watch '1' here; see `watch list`")


def test_watch_add_refuses_bad_input(cli: Any) -> None:
    r = cli("watch", "add", "   ")
    assert (r.exit_code, r.stderr.strip()) == (
        1,
        "error: a watch needs a topic: the words a report must be about",
    )
    r = cli("watch", "add", "tides", "--min-reports", "0")
    assert (r.exit_code, r.stderr.strip()) == (1, "error: min_reports must be between 1 and 20")
    r = cli("watch", "add", "tides", "--guild", "")
    assert r.exit_code == 1 and "an empty guild id" in r.stderr
    cli("watch", "add", "tides")
    r = cli("watch", "add", "Tides")
    assert (r.exit_code, r.stderr.strip()) == (1, "error: 'Tides' is already watched here")
